import type { Database } from '../../db/connect.ts';
import type { RunnerRegistry } from '../../runners/registry.ts';
import type { Actor } from './actor.ts';

/** What every domain service needs: the database, who is asking, and the runners known here. */
export interface ServiceContext {
  db: Database;
  actor: Actor;
  runners: RunnerRegistry;
}
