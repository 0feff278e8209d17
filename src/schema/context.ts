import type { Database } from '../db/connect.ts';
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
  localContent: LocalContentPolicy;
}

export interface ProcessServices {
  db: Database;
  runners: RunnerRegistry;
  streams: RunEventStreams;
  localContent: LocalContentPolicy;
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
  return { ...services, streams: process.streams, loaders: createLoaders(services) };
}
