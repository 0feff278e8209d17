// Runs, what they used and what they produced as versions.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  check,
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
import { createdAt, id, instant, searchVector, tags, updatedAt } from '../columns.ts';
import { projectId } from './projects.ts';
import { datasetVersions, modelVersions } from './registry.ts';
import { workflowVersions } from './workflows.ts';

export const runStatus = pgEnum('run_status', [
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
]);

export const runs = pgTable(
  'runs',
  {
    id: id(),
    projectId: projectId(),
    name: text(),
    runnerId: text().notNull(),
    runnerVersion: text().notNull(),
    /** EXECUTED: the workflow version this run (or its parent) executes. */
    workflowVersionId: uuid().references(() => workflowVersions.id),
    /** PART_OF: the workflow run this step belongs to. */
    parentRunId: uuid().references((): AnyPgColumn => runs.id),
    stepId: text(),
    retryOfId: uuid().references((): AnyPgColumn => runs.id),
    /** The finished run this one re-executes to check that its results come out the same. */
    reproducesId: uuid().references((): AnyPgColumn => runs.id),
    status: runStatus().notNull().default('QUEUED'),
    /** sha256 of the canonical JSON of {runner, version, config, input digests, seed}. */
    runKey: text().notNull(),
    config: jsonb().notNull().default({}),
    seed: bigint({ mode: 'number' }).notNull(),
    priority: integer().notNull().default(0),
    attempt: integer().notNull().default(0),
    maxAttempts: integer().notNull().default(3),
    /** Runner id and version, hub version, Node version, host, worker id. */
    environment: jsonb().notNull().default({}),
    /** Last reported progress: {fraction, stage, message}. */
    progress: jsonb(),
    error: jsonb(),
    tags: tags(),
    /** Where the record came from: the hub itself, an OpenLineage event, a checkmaite import. */
    source: text().notNull().default('hub'),
    /** The id the source knows this run by (OpenLineage runId, checkmaite run_uid); unique per project and source. */
    externalId: text(),
    createdBy: text().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: instant(),
    finishedAt: instant(),
    leaseOwner: text(),
    leaseExpiresAt: instant(),
    cancelRequestedAt: instant(),
    lastEventSeq: bigint({ mode: 'number' }).notNull().default(0),
    searchVector: searchVector([
      ['A', sql`"name"`],
      ['B', sql`"runner_id"`],
      ['B', sql`evalhub_tags_text("tags")`],
      ['D', sql`"error"->>'message'`],
    ]),
  },
  (t) => [
    index().on(t.projectId, t.createdAt, t.id),
    // The newest first across every project an actor sees (the default listing).
    index().on(t.createdAt, t.id),
    index().on(t.runnerId, t.createdAt),
    index().on(t.runKey),
    index().on(t.parentRunId),
    index().on(t.workflowVersionId),
    index().on(t.retryOfId),
    index().on(t.reproducesId),
    index().on(t.status, t.createdAt),
    // The queue: workers claim the highest priority, oldest QUEUED run.
    index('runs_queue_idx')
      .on(t.priority.desc(), t.createdAt, t.id)
      .where(sql`"status" = 'QUEUED'`),
    // The reaper: RUNNING runs whose lease ran out.
    index('runs_lease_idx').on(t.leaseExpiresAt).where(sql`"status" = 'RUNNING'`),
    // An imported run's id is its source's, within one project: another project's pipeline
    // may use the same id without the two meeting (nor learning of each other).
    unique().on(t.projectId, t.source, t.externalId),
    index().using('gin', t.searchVector),
  ],
);

/** The column naming the run a row belongs to. */
export const runId = () =>
  uuid()
    .notNull()
    .references(() => runs.id);

/** USED: the model and dataset versions a run took, each under a role (model, dataset, reference...). */
export const runInputs = pgTable(
  'run_inputs',
  {
    runId: runId(),
    role: text().notNull(),
    position: integer().notNull().default(0),
    modelVersionId: uuid().references(() => modelVersions.id),
    datasetVersionId: uuid().references(() => datasetVersions.id),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.role, t.position] }),
    index().on(t.modelVersionId, t.runId),
    index().on(t.datasetVersionId, t.runId),
    check(
      'run_inputs_one_version',
      sql`num_nonnulls(${t.modelVersionId}, ${t.datasetVersionId}) = 1`,
    ),
  ],
);

/** GENERATED: versions a run produced (perturbed datasets, OpenLineage outputs). */
export const runOutputs = pgTable(
  'run_outputs',
  {
    runId: runId(),
    name: text().notNull(),
    modelVersionId: uuid().references(() => modelVersions.id),
    datasetVersionId: uuid().references(() => datasetVersions.id),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.name] }),
    index().on(t.modelVersionId),
    index().on(t.datasetVersionId),
    check(
      'run_outputs_one_version',
      sql`num_nonnulls(${t.modelVersionId}, ${t.datasetVersionId}) = 1`,
    ),
  ],
);
