import type { Database } from '../db/connect.ts';
import type { Listener } from '../db/listener.ts';
import type { Actor } from '../resolvers/core/actor.ts';
import type { LocalContentPolicy, ServiceContext } from '../resolvers/core/context.ts';
import { createLoaders, type Loaders } from '../resolvers/loaders.ts';
import type { RunEventStreams } from '../resolvers/runs/stream.ts';
import type { RunnerRegistry } from '../runners/registry.ts';

/** The context of one GraphQL operation: a fresh set of loaders for every request. */
export interface GraphQLContext extends ServiceContext {
  loaders: Loaders;
  /** The process's run event streams, for subscriptions. */
  streams: RunEventStreams;
  /** The process's notifications, for subscriptions. */
  listener: Listener;
  localContent: LocalContentPolicy;
  /** The hub's public base URL (no trailing slash), for the absolute URLs it gives. */
  publicUrl: string;
}

export interface ProcessServices {
  db: Database;
  runners: RunnerRegistry;
  streams: RunEventStreams;
  listener: Listener;
  localContent: LocalContentPolicy;
  /** EVALHUB_PUBLIC_URL, else the hub's listening address. */
  publicUrl: string;
}

export function createContext(
  process: ProcessServices,
  actor: Actor,
  signal?: AbortSignal,
): GraphQLContext {
  const services = {
    db: process.db,
    actor,
    runners: process.runners,
    localContent: process.localContent,
    ...(signal ? { signal } : {}),
  };
  return {
    ...services,
    streams: process.streams,
    listener: process.listener,
    publicUrl: process.publicUrl,
    loaders: createLoaders(services),
  };
}
