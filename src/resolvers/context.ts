import type { Database } from '../db/connect.ts';
import type { Actor } from './actor.ts';

/** What every domain service needs: the database and who is asking. */
export interface ServiceContext {
  db: Database;
  actor: Actor;
}
