// What runs conclude: metrics, findings and artifacts.
import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, searchVector, updatedAt } from '../columns.ts';
import { projectId } from './projects.ts';
import { datasetVersions, modelVersions } from './registry.ts';
import { runId } from './runs.ts';

export const metrics = pgTable(
  'metrics',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    runId: runId(),
    key: text().notNull(),
    value: doublePrecision().notNull(),
    step: integer().notNull().default(0),
    /** Slice labels such as {class: "cat"} or {perturbation: "blur", severity: "2"}. */
    slice: jsonb().notNull().default({}),
    /** The slice as one canonical string ("" for the whole set), for equality and grouping. */
    sliceKey: text().notNull().default(''),
    ciLower: doublePrecision(),
    ciUpper: doublePrecision(),
    ciLevel: doublePrecision(),
    /** Number of items the value was computed over. */
    sampleSize: integer(),
    createdAt: createdAt(),
  },
  (t) => [index().on(t.runId, t.key, t.sliceKey, t.step), index().on(t.key, t.value)],
);

/**
 * One row per (run, metric key, slice): the last value (highest step) and the minimum,
 * maximum and mean over steps. A trigger of migration 0002 keeps it in step with `metrics`
 * whoever writes them, so metric predicates in search are an index range scan instead of an
 * aggregate over every run's metric rows.
 */
export const metricSummaries = pgTable(
  'metric_summaries',
  {
    runId: runId(),
    key: text().notNull(),
    sliceKey: text().notNull(),
    slice: jsonb().notNull(),
    last: doublePrecision().notNull(),
    lastStep: integer().notNull(),
    min: doublePrecision().notNull(),
    max: doublePrecision().notNull(),
    sum: doublePrecision().notNull(),
    count: integer().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.key, t.sliceKey] }),
    index().on(t.key, t.sliceKey, t.last),
  ],
);

export const findingSeverity = pgEnum('finding_severity', [
  'INFO',
  'LOW',
  'MEDIUM',
  'HIGH',
  'CRITICAL',
]);

export const findingStatus = pgEnum('finding_status', [
  'OPEN',
  'CONFIRMED',
  'DISMISSED',
  'RESOLVED',
]);

export const findings = pgTable(
  'findings',
  {
    id: id(),
    projectId: projectId(),
    /** GENERATED: the run that concluded this. */
    runId: runId(),
    kind: text().notNull(),
    severity: findingSeverity().notNull(),
    status: findingStatus().notNull().default('OPEN'),
    title: text().notNull(),
    summary: text().notNull().default(''),
    /** The metric values and artifacts behind the finding. */
    evidence: jsonb().notNull().default({}),
    subjectModelVersionId: uuid().references(() => modelVersions.id),
    subjectDatasetVersionId: uuid().references(() => datasetVersions.id),
    /** The requirement checked, as written in the workflow spec. */
    requirement: jsonb(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    searchVector: searchVector([
      ['A', sql`"title"`],
      ['B', sql`"kind"`],
      ['C', sql`"summary"`],
    ]),
  },
  (t) => [
    index().on(t.projectId, t.createdAt, t.id),
    // The newest first across every project an actor sees (the default listing).
    index().on(t.createdAt, t.id),
    index().on(t.runId),
    index().on(t.severity, t.createdAt),
    index().on(t.kind, t.createdAt),
    index().on(t.subjectModelVersionId),
    index().on(t.subjectDatasetVersionId),
    index().using('gin', t.searchVector),
  ],
);

export const artifacts = pgTable(
  'artifacts',
  {
    id: id(),
    projectId: projectId(),
    runId: runId(),
    name: text().notNull(),
    mediaType: text().notNull(),
    digest: text().notNull(),
    sizeBytes: bigint({ mode: 'number' }).notNull(),
    /** Where the bytes are when not in `blobs` (an external URI). */
    uri: text(),
    createdAt: createdAt(),
  },
  (t) => [unique().on(t.runId, t.name), index().on(t.digest)],
);

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/** Content-addressed bytes of artifacts kept in the database (shared by every process). */
export const blobs = pgTable('blobs', {
  digest: text().primaryKey(),
  bytes: bytea().notNull(),
  sizeBytes: bigint({ mode: 'number' }).notNull(),
  createdAt: createdAt(),
});
