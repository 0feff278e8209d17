// OpenLineage events in, of the three kinds of spec 2. A RunEvent is stored as it came
// (append-only) and projected onto the hub's graph: job -> workflow (version), run -> run,
// ParentRunFacet -> parent run, inputs / outputs -> dataset (or model) versions with USED /
// GENERATED edges, data-quality facets -> metrics and findings. A JobEvent (a job declared
// without a run) becomes its workflow version and the dataset versions of its inputs and
// outputs; a DatasetEvent, its dataset version. Each is idempotent: sent again, it finds
// what it made.
//
// The parts: validation.ts (the core schema binds; a facet failing its own is a warning),
// run-projection.ts (the run and its status), job-workflows.ts (EXECUTED), edges.ts (USED,
// GENERATED), results.ts (metrics, findings, artifacts). Inputs, outputs, metrics and
// findings are only ever added, each once. A run an event ends, or adds to once ended, is
// sealed (runs/run-seal.ts) as the transaction closes, as the hub's own runs are.

import { eq } from 'drizzle-orm';
import type { Transaction } from '../../../db/rows.ts';
import { openlineageEvents, runs } from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import { lockAuditChain } from '../../core/audit.ts';
import type { ServiceContext } from '../../core/context.ts';
import { encodeGlobalId } from '../../core/global-id.ts';
import { ensureProject } from '../../registry/projects.ts';
import type { RunStatus } from '../../runs/events.ts';
import { sealImportedRuns } from '../../runs/run-seal.ts';
import { recordEdges } from './edges.ts';
import { FACETS, projectSlugFor, type RunFacet } from './facets.ts';
import { linkWorkflowVersion, workflowVersionOfJob } from './job-workflows.ts';
import { recordResults } from './results.ts';
import type { DatasetEvent, JobEvent, RunEvent } from './run-event.ts';
import { ensureRun, projectRun } from './run-projection.ts';
import {
  type CheckedEvent,
  checkEvent,
  eventTimeOf,
  type OpenLineageEventKind,
  type OpenLineageWarning,
} from './validation.ts';
import { versionOfDataset } from './versions.ts';

/** What one accepted event became. */
export interface ImportedEvent {
  kind: OpenLineageEventKind;
  /** The OpenLineage runId (RunEvent). */
  runId?: string;
  /** Global id of the hub run it became (RunEvent). */
  id?: string;
  status?: RunStatus;
  /** Global id of the workflow version its job became (JobEvent). */
  workflowVersion?: string;
  /** Global ids of the dataset (or model) versions its datasets became. */
  versions: string[];
  /** What the event got wrong without being refused (also recorded on the run). */
  warnings: OpenLineageWarning[];
}

/**
 * Stores and projects events, all in one transaction: every event is checked against the
 * core schema first, so a batch with one malformed event stores nothing. `project` overrides
 * the project a job's (or dataset's) namespace names.
 */
export async function importOpenLineageEvents(
  ctx: ServiceContext,
  events: readonly unknown[],
  project: string | null,
): Promise<ImportedEvent[]> {
  const checked = events.map((event, i) => checkEvent(event, i));
  return ctx.db.transaction(async (tx) => {
    // Runs and workflows are locked, then audited: the audit lock goes first (see lockAuditChain).
    await lockAuditChain(tx);
    const imported: ImportedEvent[] = [];
    const runIds = new Set<string>();
    for (const [i, event] of checked.entries())
      imported.push(await importEvent(tx, ctx.actor, event, events[i], project, runIds));
    await sealImportedRuns(tx, [...runIds]);
    return imported;
  });
}

/** Imports one event; the hub runs a RunEvent wrote to go into `runIds`. */
function importEvent(
  tx: Transaction,
  actor: Actor,
  checked: CheckedEvent,
  raw: unknown,
  project: string | null,
  runIds: Set<string>,
): Promise<ImportedEvent> {
  if (checked.kind === 'RunEvent') return importRunEvent(tx, actor, checked, raw, project, runIds);
  if (checked.kind === 'JobEvent') return importJobEvent(tx, actor, checked, raw, project);
  return importDatasetEvent(tx, actor, checked, raw, project);
}

const versionId = (version: { kind: string; id: string }) =>
  encodeGlobalId(version.kind === 'MODEL_VERSION' ? 'ModelVersion' : 'DatasetVersion', version.id);

async function importDatasetEvent(
  tx: Transaction,
  actor: Actor,
  { kind, mappable, warnings }: CheckedEvent,
  raw: unknown,
  projectOverride: string | null,
): Promise<ImportedEvent> {
  const { dataset } = mappable as unknown as DatasetEvent;
  const project = await ensureProject(
    tx,
    actor,
    projectOverride ?? projectSlugFor(dataset.namespace),
    ['project'],
  );
  const kept = (raw as DatasetEvent).dataset.facets;
  const version = await versionOfDataset(tx, actor, project, dataset, kept);
  return { kind, versions: [versionId(version)], warnings };
}

async function importJobEvent(
  tx: Transaction,
  actor: Actor,
  { kind, mappable, warnings }: CheckedEvent,
  raw: unknown,
  projectOverride: string | null,
): Promise<ImportedEvent> {
  const event = mappable as unknown as JobEvent;
  const project = await ensureProject(
    tx,
    actor,
    projectOverride ?? projectSlugFor(event.job.namespace),
    ['project'],
  );
  const workflowVersion = await workflowVersionOfJob(tx, actor, project, event.job);
  const versions: string[] = [];
  const sent = raw as JobEvent;
  for (const side of ['inputs', 'outputs'] as const)
    for (const [i, dataset] of (event[side] ?? []).entries()) {
      const kept = sent[side]?.[i]?.facets;
      versions.push(versionId(await versionOfDataset(tx, actor, project, dataset, kept)));
    }
  return {
    kind,
    workflowVersion: encodeGlobalId('WorkflowVersion', workflowVersion),
    versions,
    warnings,
  };
}

async function importRunEvent(
  tx: Transaction,
  actor: Actor,
  { kind, mappable, warnings }: CheckedEvent,
  raw: unknown,
  projectOverride: string | null,
  runIds: Set<string>,
): Promise<ImportedEvent> {
  const event = mappable as unknown as RunEvent;
  const hubRun = event.run.facets?.[FACETS.run] as RunFacet | undefined;
  const slug = projectOverride ?? hubRun?.project ?? projectSlugFor(event.job.namespace);
  const project = await ensureProject(tx, actor, slug, ['project']);
  const run = await ensureRun(
    tx,
    actor,
    project,
    event.run.runId,
    event.job,
    hubRun,
    event.eventTime,
    warnings,
  );
  await tx.insert(openlineageEvents).values({
    eventTime: eventTimeOf(event.eventTime),
    eventType: event.eventType ?? null,
    runId: event.run.runId,
    jobNamespace: event.job.namespace,
    jobName: event.job.name,
    hubRunId: run.id,
    event: raw,
  });
  const parent = event.run.facets?.parent as
    | { run: { runId: string }; job: { namespace: string; name: string } }
    | undefined;
  if (parent && !run.parentRunId) {
    const parentRun = await ensureRun(
      tx,
      actor,
      project,
      parent.run.runId,
      parent.job,
      undefined,
      event.eventTime,
      warnings,
    );
    await tx
      .update(runs)
      .set({ parentRunId: parentRun.id, stepId: hubRun?.stepId ?? null })
      .where(eq(runs.id, run.id));
  }
  // A hub export says which workflow (if any) its run executed; a job is one otherwise.
  if (!hubRun) await linkWorkflowVersion(tx, actor, project, run, event.job);
  // The run's record keeps every facet as it came, those that failed their schema too.
  const status = await projectRun(tx, run, raw as RunEvent, warnings, hubRun);
  await recordEdges(tx, actor, project, run.id, event);
  await recordResults(tx, actor, project, run.id, event);
  runIds.add(run.id);
  return {
    kind,
    runId: event.run.runId,
    id: encodeGlobalId('Run', run.id),
    status,
    versions: [],
    warnings,
  };
}
