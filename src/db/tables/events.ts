import { bigint, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt } from '../columns.ts';
import { runId } from './runs.ts';

/** Everything a run emitted, append-only, numbered 1, 2, 3... within the run. */
export const runEvents = pgTable(
  'run_events',
  {
    runId: runId(),
    seq: bigint({ mode: 'number' }).notNull(),
    type: text().notNull(),
    payload: jsonb().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);
