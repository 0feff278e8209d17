// The lineage graph's edges as one view over the tables that hold them (migration 0002
// creates it, 0009 adds REPRODUCES). Each row says `up` came before `down`: walking from down to up goes
// upstream, towards inputs and causes; the other way goes downstream, towards results.
import { pgView, text, uuid } from 'drizzle-orm/pg-core';

export const lineageEdges = pgView('lineage_edges', {
  upId: uuid().notNull(),
  /** The GraphQL type of the up end: Run, Finding, Artifact, ModelVersion, DatasetVersion, WorkflowVersion. */
  upType: text().notNull(),
  upProjectId: uuid(),
  downId: uuid().notNull(),
  downType: text().notNull(),
  downProjectId: uuid(),
  /** USED, GENERATED, WAS_DERIVED_FROM, TRAINED_ON, PART_OF, EXECUTED or REPRODUCES. */
  relation: text().notNull(),
  /** The input role (USED), output name (GENERATED) or step id (PART_OF, EXECUTED). */
  role: text(),
}).existing();
