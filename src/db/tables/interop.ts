// Records received from other tools, kept exactly as they came.
import { bigint, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant } from '../columns.ts';

/**
 * OpenLineage RunEvents as received, append-only (a trigger of migration 0002 refuses
 * updates and deletes): the hub's runs, workflows and datasets are a projection of them,
 * updated by each as if all of a run's events were read in eventTime order, so order of
 * arrival is moot.
 */
export const openlineageEvents = pgTable(
  'openlineage_events',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    receivedAt: createdAt(),
    eventTime: instant().notNull(),
    eventType: text(),
    /** The OpenLineage run's id (a UUID as the producer sent it; unique within a project only). */
    runId: text().notNull(),
    jobNamespace: text().notNull(),
    jobName: text().notNull(),
    /** The hub run this event was projected onto. */
    hubRunId: uuid(),
    event: jsonb().notNull(),
  },
  // A run's events in order, found by the hub run (runIds are unique only within a project).
  (t) => [index().on(t.hubRunId, t.eventTime)],
);
