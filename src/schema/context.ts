import type { Database } from '../db/connect.ts';
import type { Actor } from '../resolvers/actor.ts';
import type { ServiceContext } from '../resolvers/context.ts';
import { createLoaders, type Loaders } from '../resolvers/loaders.ts';

/** The context of one GraphQL operation: a fresh set of loaders for every request. */
export interface GraphQLContext extends ServiceContext {
  loaders: Loaders;
}

export function createContext(db: Database, actor: Actor): GraphQLContext {
  const services = { db, actor };
  return { ...services, loaders: createLoaders(services) };
}
