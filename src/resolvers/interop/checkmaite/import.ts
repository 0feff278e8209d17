// A checkmaite run record in: one finished run, keeping checkmaite's run_uid as its external
// id, with the versions its MAITE ids stand for as inputs, the numbers of its outputs as
// metrics, what they plainly conclude as findings, and the record itself as an artifact.
// All of it in one transaction, which seals the run (runs/run-seal.ts) as the hub's own runs
// are sealed as they end; the same record again returns the run it already is.

import { and, eq, sql } from 'drizzle-orm';
import { newId } from '../../../db/ids.ts';
import type { Transaction } from '../../../db/rows.ts';
import { runInputs, runs } from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import { lockAuditChain, recordAudit } from '../../core/audit.ts';
import type { ServiceContext } from '../../core/context.ts';
import { ConflictError } from '../../core/errors.ts';
import { canonicalDigest } from '../../core/sha256.ts';
import { workflowCatalogue } from '../../registry/catalogue.ts';
import { ensureImportedEntry } from '../../registry/imports.ts';
import { ensureProject, type ProjectRow } from '../../registry/projects.ts';
import { appendRunEvents, type NewRunEvent, type RunStatus } from '../../runs/events.ts';
import { sealRunEnd } from '../../runs/run-seal.ts';
import type { RunRow } from '../../runs/status.ts';
import { ensureWorkflowVersion } from '../../workflows/define.ts';
import { hubNameFor } from '../openlineage/facets.ts';
import { readCheckmaiteOutputs } from './outputs.ts';
import { CHECKMAITE_SOURCE, type CheckmaiteRecord, parseCheckmaiteRecord } from './record.ts';
import { type LinkedVersion, linkMaiteComponent } from './versions.ts';

export interface ImportCheckmaiteRunInput {
  /** Project slug; created on first use. */
  project: string;
  /** The record: checkmaite's run as JSON, with its run_uid. */
  record: unknown;
}

export interface ImportedCheckmaiteRun {
  run: RunRow;
  /** False when the record had been imported before (the run is the one made then). */
  created: boolean;
}

/** The artifact that keeps the record as it came, outputs that are not numbers and all. */
export const RECORD_ARTIFACT = 'checkmaite-record.json';

const STATUS: Record<string, RunStatus> = {
  completed: 'SUCCEEDED',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
};

/** What checkmaite facts the run keeps in its environment. */
interface CheckmaiteEnvironment {
  runUid: string;
  capabilityId: string;
  /** canonicalDigest of the record as received: the same record, the same digest. */
  recordDigest: string;
  metricMetadata: CheckmaiteRecord['metric_metadata'];
  /** How each MAITE id was linked: to a registered version, or to its placeholder. */
  inputs: Array<{
    role: string;
    position: number;
    maiteId: string;
    version: string;
    match: LinkedVersion['match'];
  }>;
}

/** The task a capability's module names (checkmaite.core.image_classification....). */
function taskOf(capabilityId: string): string {
  if (capabilityId.includes('.image_classification.')) return 'IMAGE_CLASSIFICATION';
  if (capabilityId.includes('.object_detection.')) return 'OBJECT_DETECTION';
  return 'OTHER';
}

/**
 * Imports a checkmaite run record as a finished run in `project`: validated first (a
 * ValidationError names the bad field, and nothing is stored), then stored in one
 * transaction. A record whose run_uid was imported before returns that run (`created:
 * false`) when it is the same record into the same project, and is a ConflictError otherwise.
 */
export async function importCheckmaiteRun(
  ctx: ServiceContext,
  input: ImportCheckmaiteRunInput,
): Promise<ImportedCheckmaiteRun> {
  const record = parseCheckmaiteRecord(input.record, ['input', 'record']);
  const results = readCheckmaiteOutputs(record);
  const recordDigest = canonicalDigest(input.record);
  return ctx.db.transaction(async (tx) => {
    // Rows are inserted, then audited: the audit lock goes first (see lockAuditChain).
    await lockAuditChain(tx);
    const project = await ensureProject(tx, ctx.actor, input.project, ['input', 'project']);
    const earlier = await importedRun(tx, project, record.run_uid);
    if (earlier) return { run: sameImport(earlier, recordDigest), created: false };
    const status = STATUS[record.status ?? 'completed']!;
    const runId = newId();
    // Claims the run_uid first: an import of the same record at the same time waits here,
    // then finds this run.
    const [claimed] = await tx
      .insert(runs)
      .values({
        id: runId,
        projectId: project.id,
        name: record.capability_id.split('.').at(-1)!,
        runnerId: `${CHECKMAITE_SOURCE}:${record.capability_id}`,
        runnerVersion: '',
        status,
        runKey: canonicalDigest({ source: CHECKMAITE_SOURCE, runUid: record.run_uid }),
        config: record.config,
        seed: 0,
        tags: [CHECKMAITE_SOURCE, record.run_uid],
        source: CHECKMAITE_SOURCE,
        externalId: record.run_uid,
        error:
          status === 'FAILED'
            ? {
                code: 'EXTERNAL_FAILURE',
                message: record.error ?? 'the checkmaite run failed',
              }
            : null,
        createdBy: ctx.actor.id,
      })
      .onConflictDoNothing()
      .returning({ id: runs.id });
    if (!claimed) {
      const raced = (await importedRun(tx, project, record.run_uid))!;
      return { run: sameImport(raced, recordDigest), created: false };
    }
    const task = taskOf(record.capability_id);
    const linked: Array<{ role: string; position: number; maiteId: string } & LinkedVersion> = [];
    for (const [role, kind, components] of [
      ['model', 'MODEL_VERSION', record.model_metadata],
      ['dataset', 'DATASET_VERSION', record.dataset_metadata],
    ] as const)
      for (const [position, component] of components.entries()) {
        const version = await linkMaiteComponent(tx, ctx.actor, kind, project, component, task);
        linked.push({ role, position, maiteId: component.id, ...version });
      }
    if (linked.length)
      await tx.insert(runInputs).values(
        linked.map((input) => ({
          runId,
          role: input.role,
          position: input.position,
          modelVersionId: input.kind === 'MODEL_VERSION' ? input.id : null,
          datasetVersionId: input.kind === 'DATASET_VERSION' ? input.id : null,
        })),
      );
    const environment: { checkmaite: CheckmaiteEnvironment } = {
      checkmaite: {
        runUid: record.run_uid,
        capabilityId: record.capability_id,
        recordDigest,
        metricMetadata: record.metric_metadata,
        inputs: linked.map(({ role, position, maiteId, label, match }) => ({
          role,
          position,
          maiteId,
          version: label,
          match,
        })),
      },
    };
    await tx
      .update(runs)
      .set({
        environment,
        workflowVersionId: await capabilityWorkflow(tx, ctx.actor, project, record.capability_id),
      })
      .where(eq(runs.id, runId));
    const subjectOf = (subject: { role: string; position: number } | null) => {
      const input = linked.find((i) => i.role === subject?.role && i.position === subject.position);
      return input && { kind: input.kind, id: input.id };
    };
    const events: NewRunEvent[] = [
      ...results.metrics.map((metric): NewRunEvent => ({ type: 'metric', metric })),
      ...results.findings.map(
        ({ subject, ...finding }): NewRunEvent => ({
          type: 'finding',
          finding,
          subject: subjectOf(subject),
        }),
      ),
      {
        type: 'artifact',
        name: RECORD_ARTIFACT,
        mediaType: 'application/json',
        bytes: Buffer.from(`${JSON.stringify(input.record, null, 2)}\n`),
      },
      { type: 'status', status, reason: 'imported from a checkmaite run record' },
    ];
    await appendRunEvents(tx, runId, events, null);
    await recordAudit(tx, ctx.actor, {
      action: 'run.import',
      projectId: project.id,
      targetType: 'Run',
      targetId: runId,
      details: {
        source: CHECKMAITE_SOURCE,
        runUid: record.run_uid,
        capabilityId: record.capability_id,
      },
    });
    await tx.execute(
      sql`select pg_notify('evalhub_run_status', ${`${runId}:${project.id}:${status}`})`,
    );
    const [run] = await tx.select().from(runs).where(eq(runs.id, runId));
    await sealRunEnd(tx, run!);
    return { run: run!, created: true };
  });
}

/**
 * The run a run_uid was imported as in this project. A run_uid names a run within a project:
 * another project's import of the same record is its own run, and neither learns of the other.
 */
async function importedRun(
  tx: Transaction,
  project: ProjectRow,
  runUid: string,
): Promise<RunRow | null> {
  const [run] = await tx
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.projectId, project.id),
        eq(runs.source, CHECKMAITE_SOURCE),
        eq(runs.externalId, runUid),
      ),
    );
  return run ?? null;
}

/** The earlier run of the project, if this import is the same record; else a ConflictError. */
function sameImport(run: RunRow, recordDigest: string): RunRow {
  const uid = run.externalId;
  const existing = { type: 'Run', id: run.id };
  const environment = run.environment as { checkmaite?: { recordDigest?: string } };
  if (environment.checkmaite?.recordDigest !== recordDigest)
    throw new ConflictError(
      `checkmaite run ${uid} was already imported from a different record; an imported run never changes`,
      existing,
    );
  return run;
}

/**
 * EXECUTED: a capability is a workflow named after its id, whose one version's spec is
 * {checkmaite: {capabilityId}} (it has no steps: the hub records its runs, it cannot start
 * them). Made on first use.
 */
async function capabilityWorkflow(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  capabilityId: string,
): Promise<string> {
  const origin = { source: CHECKMAITE_SOURCE, details: { capabilityId } };
  const workflow = await ensureImportedEntry(
    tx,
    actor,
    workflowCatalogue,
    project,
    {
      name: hubNameFor(capabilityId),
      description: `checkmaite capability ${capabilityId}; its runs are imported, the hub cannot start it`,
    },
    origin,
  );
  const spec = { checkmaite: { capabilityId } };
  const { version } = await ensureWorkflowVersion(tx, actor, workflow, spec, {
    action: 'workflow.version.import',
    details: { source: origin.source, ...origin.details },
  });
  return version.id;
}
