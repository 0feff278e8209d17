// OpenLineage RunEvents in: each is stored as it came (append-only) and projected onto the
// hub's graph: job -> workflow (version), run -> run, ParentRunFacet -> parent run,
// inputs / outputs -> dataset (or model) versions with USED / GENERATED edges, data-quality
// facets -> metrics and findings.
//
// A run's status, times and facets are recomputed from ALL of its stored events whenever one
// arrives, ordered by eventTime, so events may come in any order: a COMPLETE before its
// START still ends the run, and the START then only fills in when it began. Inputs, outputs,
// metrics and findings are only ever added, each once.

import { and, asc, eq, sql } from 'drizzle-orm';
import { newId } from '../../../db/ids.ts';
import type { Transaction } from '../../../db/rows.ts';
import {
  artifacts,
  blobs,
  findings,
  metrics,
  openlineageEvents,
  projects,
  runInputs,
  runOutputs,
  runs,
} from '../../../db/schema.ts';
import { type Actor, visibleProjects } from '../../core/actor.ts';
import { lockAuditChain, recordAudit } from '../../core/audit.ts';
import type { ServiceContext } from '../../core/context.ts';
import { ConflictError, ValidationError } from '../../core/errors.ts';
import { encodeGlobalId } from '../../core/global-id.ts';
import { canonicalDigest, sha256Digest } from '../../core/sha256.ts';
import { workflowCatalogue } from '../../registry/catalogue.ts';
import { ensureImportedEntry, type ImportedVersion } from '../../registry/imports.ts';
import { ensureProject, type ProjectRow } from '../../registry/projects.ts';
import { selectVersions } from '../../registry/version-queries.ts';
import { appendRunEvents, type RunStatus, sliceKey } from '../../runs/events.ts';
import { ensureWorkflowVersion } from '../../workflows/define.ts';
import {
  FACETS,
  hubNameFor,
  OPENLINEAGE_SOURCE,
  projectSlugFor,
  type ResultsFacet,
  type RunFacet,
  type VersionFacet,
} from './facets.ts';
import { eventTimeOf, validateRunEvent } from './validation.ts';
import { type OpenLineageDataset, versionOfDataset } from './versions.ts';

type Facets = Record<string, Record<string, unknown>>;

interface RunEvent {
  eventType: 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
  eventTime: string;
  producer: string;
  run: { runId: string; facets?: Facets };
  job: { namespace: string; name: string; facets?: Facets };
  inputs?: OpenLineageDataset[];
  outputs?: OpenLineageDataset[];
}

export interface ImportedRun {
  /** The OpenLineage runId. */
  runId: string;
  /** Global id of the hub run it became. */
  id: string;
  status: RunStatus;
}

const TERMINAL: Record<string, RunStatus> = {
  COMPLETE: 'SUCCEEDED',
  FAIL: 'FAILED',
  ABORT: 'CANCELLED',
};
/** Job facets that say what a job is: a change to them is a new workflow version. */
const DEFINING_JOB_FACETS = ['jobType', 'sourceCode', 'sourceCodeLocation', 'sql'];

/**
 * Stores and projects RunEvents, all in one transaction: every event is checked against the
 * spec first, so a batch with one malformed event stores nothing. `project` overrides the
 * project a job's namespace names.
 */
export async function importOpenLineageEvents(
  ctx: ServiceContext,
  events: readonly unknown[],
  project: string | null,
): Promise<ImportedRun[]> {
  events.forEach((event, i) => {
    validateRunEvent(event, i);
  });
  return ctx.db.transaction(async (tx) => {
    // Runs and workflows are locked, then audited: the audit lock goes first (see lockAuditChain).
    await lockAuditChain(tx);
    const imported: ImportedRun[] = [];
    for (const event of events)
      imported.push(await importEvent(tx, ctx.actor, event as RunEvent, project));
    return imported;
  });
}

async function importEvent(
  tx: Transaction,
  actor: Actor,
  event: RunEvent,
  projectOverride: string | null,
): Promise<ImportedRun> {
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
  );
  await tx.insert(openlineageEvents).values({
    eventTime: eventTimeOf(event.eventTime),
    eventType: event.eventType,
    runId: event.run.runId,
    jobNamespace: event.job.namespace,
    jobName: event.job.name,
    hubRunId: run.id,
    event,
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
    );
    await tx
      .update(runs)
      .set({ parentRunId: parentRun.id, stepId: hubRun?.stepId ?? null })
      .where(eq(runs.id, run.id));
  }
  // A hub export says which workflow (if any) its run executed; a job is one otherwise.
  if (!hubRun) await linkWorkflowVersion(tx, actor, project, run, event.job);
  const status = await projectRun(tx, run.id, event.run.runId, hubRun);
  await recordEdges(tx, actor, project, run.id, event);
  await recordResults(tx, actor, project, run.id, event);
  return { runId: event.run.runId, id: encodeGlobalId('Run', run.id), status };
}

/** The hub run of an OpenLineage run, made (RUNNING, until its events say more) if missing. */
async function ensureRun(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  runId: string,
  job: RunEvent['job'],
  hubRun: RunFacet | undefined,
  eventTime: string,
): Promise<typeof runs.$inferSelect> {
  const find = () =>
    tx
      .select()
      .from(runs)
      .where(and(eq(runs.source, OPENLINEAGE_SOURCE), eq(runs.externalId, runId)))
      .for('update');
  const workflowVersionId = hubRun?.workflow
    ? await ensureWorkflowVersionOf(tx, actor, hubRun.workflow)
    : null;
  const [existing] = await find();
  // An OpenLineage run id names one run of one project: events for it under another
  // project (or from an actor who cannot see it) must not write into it.
  if (existing && existing.projectId !== project.id) {
    throw new ConflictError(
      `OpenLineage run ${runId} is recorded in another project; its events cannot go to ${project.slug}`,
    );
  }
  if (existing && !hubRun) return existing;
  // Only a placeholder learns what the run was; a run already described keeps its record.
  if (existing && existing.runnerId !== OPENLINEAGE_SOURCE) return existing;
  if (existing && hubRun) {
    // A placeholder (made for a child's ParentRunFacet) learns what the run was.
    const [updated] = await tx
      .update(runs)
      .set({
        name: hubRun.name,
        runnerId: hubRun.runnerId,
        runnerVersion: hubRun.runnerVersion,
        workflowVersionId,
        runKey: hubRun.runKey,
        config: hubRun.config,
        seed: hubRun.seed,
        tags: hubRun.tags,
        stepId: hubRun.stepId,
      })
      .where(eq(runs.id, existing.id))
      .returning();
    return updated!;
  }
  const at = eventTimeOf(eventTime);
  const id = newId();
  await tx
    .insert(runs)
    .values({
      id,
      projectId: project.id,
      name: hubRun ? hubRun.name : job.name,
      runnerId: hubRun?.runnerId ?? OPENLINEAGE_SOURCE,
      runnerVersion: hubRun?.runnerVersion ?? '',
      workflowVersionId,
      status: 'RUNNING',
      runKey: hubRun?.runKey ?? canonicalDigest({ source: OPENLINEAGE_SOURCE, runId }),
      config: hubRun?.config ?? {},
      seed: hubRun?.seed ?? 0,
      tags: hubRun?.tags ?? [],
      stepId: hubRun?.stepId ?? null,
      source: OPENLINEAGE_SOURCE,
      externalId: runId,
      createdBy: actor.id,
      createdAt: at,
      updatedAt: at,
    })
    .onConflictDoNothing();
  const [made] = await find();
  await recordAudit(tx, actor, {
    action: 'run.import',
    projectId: project.id,
    targetType: 'Run',
    targetId: made!.id,
    details: { source: OPENLINEAGE_SOURCE, runId, job: `${job.namespace}/${job.name}` },
  });
  return made!;
}

/** A workflow version by its spec's digest, under the named workflow; both made if missing. */
async function ensureWorkflowVersionOf(
  tx: Transaction,
  actor: Actor,
  workflow: {
    project: string;
    name: string;
    description: string;
    spec: Record<string, unknown>;
    digest?: string;
  },
): Promise<string> {
  const project = await ensureProject(tx, actor, workflow.project, ['project']);
  const origin = { source: OPENLINEAGE_SOURCE };
  const entry = await ensureImportedEntry(tx, actor, workflowCatalogue, project, workflow, origin);
  const { version } = await ensureWorkflowVersion(
    tx,
    actor,
    entry,
    workflow.spec,
    { action: 'workflow.version.import', details: origin },
    workflow.digest,
  );
  return version.id;
}

/**
 * EXECUTED: an OpenLineage job is a workflow whose spec is the job's identity and its
 * defining facets (such a spec cannot be started from the hub: it has no steps). An event
 * without defining facets keeps the version the run has.
 */
async function linkWorkflowVersion(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  run: typeof runs.$inferSelect,
  job: RunEvent['job'],
) {
  const defining = Object.fromEntries(
    DEFINING_JOB_FACETS.flatMap((key) => (job.facets?.[key] ? [[key, job.facets[key]]] : [])),
  );
  if (run.workflowVersionId && Object.keys(defining).length === 0) return;
  const documentation = job.facets?.documentation as { description?: string } | undefined;
  const versionId = await ensureWorkflowVersionOf(tx, actor, {
    project: project.slug,
    name: hubNameFor(job.name),
    description: documentation?.description ?? '',
    spec: { openlineage: { namespace: job.namespace, name: job.name, facets: defining } },
  });
  if (versionId !== run.workflowVersionId)
    await tx.update(runs).set({ workflowVersionId: versionId }).where(eq(runs.id, run.id));
}

/** Status, times, error and facets of a run, from all its stored events in eventTime order. */
async function projectRun(
  tx: Transaction,
  runId: string,
  openLineageRunId: string,
  hubRun: RunFacet | undefined,
): Promise<RunStatus> {
  const stored = await tx
    .select({
      type: openlineageEvents.eventType,
      at: openlineageEvents.eventTime,
      event: openlineageEvents.event,
    })
    .from(openlineageEvents)
    .where(eq(openlineageEvents.runId, openLineageRunId))
    .orderBy(asc(openlineageEvents.eventTime), asc(openlineageEvents.id));
  const [before] = await tx
    .select({ status: runs.status, events: runs.lastEventSeq })
    .from(runs)
    .where(eq(runs.id, runId));
  const terminal = stored.find((e) => e.type && TERMINAL[e.type]);
  const status: RunStatus = terminal ? TERMINAL[terminal.type!]! : 'RUNNING';
  const runFacets: Facets = {};
  const jobFacets: Facets = {};
  let producer = '';
  for (const { event } of stored) {
    const e = event as RunEvent;
    Object.assign(runFacets, e.run.facets ?? {});
    Object.assign(jobFacets, e.job.facets ?? {});
    producer = e.producer;
  }
  const errorFacet = runFacets.errorMessage as { message?: string } | undefined;
  const started = stored.find((e) => e.type === 'START') ?? stored[0]!;
  await tx
    .update(runs)
    .set({
      status,
      startedAt: started.at,
      finishedAt: terminal?.at ?? null,
      createdAt: sql`least(${runs.createdAt}, ${stored[0]!.at.toISOString()}::timestamptz)`,
      updatedAt: new Date(),
      error:
        status === 'FAILED'
          ? {
              code: 'EXTERNAL_FAILURE',
              message: errorFacet?.message ?? 'the run failed (OpenLineage FAIL event)',
            }
          : null,
      environment: {
        ...(hubRun?.environment ?? {}),
        openlineage: { producer, runFacets, jobFacets },
      },
    })
    .where(eq(runs.id, runId));
  // The first event of a run records its status too, so its event log starts somewhere.
  if (before?.status !== status || Number(before.events) === 0) {
    await appendRunEvents(
      tx,
      runId,
      [
        {
          type: 'status',
          status,
          reason: `from OpenLineage ${terminal?.type ?? stored.at(-1)!.type} event`,
        },
      ],
      null,
    );
    const [row] = await tx
      .select({ projectId: runs.projectId })
      .from(runs)
      .where(eq(runs.id, runId));
    await tx.execute(
      sql`select pg_notify('evalhub_run_status', ${`${runId}:${row!.projectId}:${status}`})`,
    );
  }
  return status;
}

/** USED and GENERATED: the event's inputs and outputs, each recorded once. */
async function recordEdges(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  runId: string,
  event: RunEvent,
) {
  const existing = await tx.select().from(runInputs).where(eq(runInputs.runId, runId));
  const used = new Set(existing.map((i) => i.modelVersionId ?? i.datasetVersionId));
  const positions = new Map<string, number>();
  for (const input of existing)
    positions.set(input.role, Math.max(positions.get(input.role) ?? 0, input.position + 1));
  for (const dataset of event.inputs ?? []) {
    const version = await versionOfDataset(tx, actor, project, dataset);
    if (used.has(version.id)) continue;
    used.add(version.id);
    const role = (dataset.facets?.[FACETS.version] as VersionFacet | undefined)?.role ?? 'input';
    const position = positions.get(role) ?? 0;
    positions.set(role, position + 1);
    await tx.insert(runInputs).values({
      runId,
      role,
      position,
      ...(version.kind === 'MODEL_VERSION'
        ? { modelVersionId: version.id }
        : { datasetVersionId: version.id }),
    });
  }
  for (const dataset of event.outputs ?? []) {
    const version = await versionOfDataset(tx, actor, project, dataset);
    const name =
      (dataset.facets?.[FACETS.version] as VersionFacet | undefined)?.output ?? version.label;
    await tx
      .insert(runOutputs)
      .values({
        runId,
        name,
        ...(version.kind === 'MODEL_VERSION'
          ? { modelVersionId: version.id }
          : { datasetVersionId: version.id }),
      })
      .onConflictDoNothing();
  }
}

/** Metrics and findings the event carries (data-quality facets, or a hub export's results). */
async function recordResults(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  runId: string,
  event: RunEvent,
) {
  const results: ResultsFacet = { metrics: [], findings: [], artifacts: [] };
  for (const dataset of event.inputs ?? []) {
    const quality = dataset.inputFacets?.dataQualityMetrics as
      | {
          rowCount?: number;
          bytes?: number;
          fileCount?: number;
          columnMetrics?: Record<string, Record<string, unknown>>;
        }
      | undefined;
    const assertions = dataset.inputFacets?.dataQualityAssertions as
      | { assertions?: { assertion: string; success: boolean; column?: string }[] }
      | undefined;
    if (!quality && !assertions) continue;
    const version = await versionOfDataset(tx, actor, project, dataset);
    results.metrics.push(...qualityMetrics(version.label, quality));
    for (const failed of assertions?.assertions?.filter((a) => !a.success) ?? [])
      results.findings.push({
        kind: 'DATA_QUALITY_ASSERTION',
        severity: 'MEDIUM',
        status: 'OPEN',
        title: `${failed.assertion} failed on ${version.label}${failed.column ? ` (column ${failed.column})` : ''}`,
        summary: `The producer reported that the assertion ${failed.assertion} did not hold.`,
        evidence: {
          assertion: failed,
          dataset: { namespace: dataset.namespace, name: dataset.name },
        },
        requirement: null,
        subject: null,
      });
  }
  const exported = event.run.facets?.[FACETS.results] as ResultsFacet | undefined;
  if (exported) {
    results.metrics.push(...exported.metrics);
    results.findings.push(...exported.findings);
    results.artifacts.push(...exported.artifacts);
  }
  if (!results.metrics.length && !results.findings.length && !results.artifacts.length) return;
  const [run] = await tx.select({ projectId: runs.projectId }).from(runs).where(eq(runs.id, runId));
  const known = await tx
    .select({ key: metrics.key, sliceKey: metrics.sliceKey, step: metrics.step })
    .from(metrics)
    .where(eq(metrics.runId, runId));
  const seen = new Set(known.map((m) => `${m.key}\n${m.sliceKey}\n${m.step}`));
  const newMetrics = results.metrics.filter((m) => {
    const key = `${m.key}\n${sliceKey(m.slice)}\n${m.step}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (newMetrics.length)
    await tx.insert(metrics).values(
      newMetrics.map((m) => ({
        runId,
        key: m.key,
        value: m.value,
        step: m.step,
        slice: m.slice,
        sliceKey: sliceKey(m.slice),
        ciLower: m.ciLower,
        ciUpper: m.ciUpper,
        ciLevel: m.ciLevel,
        sampleSize: m.sampleSize,
      })),
    );
  const titled = await tx
    .select({ kind: findings.kind, title: findings.title })
    .from(findings)
    .where(eq(findings.runId, runId));
  const titles = new Set(titled.map((f) => `${f.kind}\n${f.title}`));
  for (const finding of results.findings) {
    if (titles.has(`${finding.kind}\n${finding.title}`)) continue;
    titles.add(`${finding.kind}\n${finding.title}`);
    const subject = finding.subject ? await subjectVersion(tx, actor, finding.subject) : null;
    await tx.insert(findings).values({
      id: newId(),
      projectId: run!.projectId,
      runId,
      kind: finding.kind,
      severity: finding.severity,
      status: finding.status,
      title: finding.title,
      summary: finding.summary,
      evidence: finding.evidence,
      requirement: finding.requirement,
      subjectModelVersionId: subject?.kind === 'MODEL_VERSION' ? subject.id : null,
      subjectDatasetVersionId: subject?.kind === 'DATASET_VERSION' ? subject.id : null,
    });
  }
  const named = await tx
    .select({ name: artifacts.name })
    .from(artifacts)
    .where(eq(artifacts.runId, runId));
  const names = new Set(named.map((a) => a.name));
  for (const artifact of results.artifacts) {
    if (names.has(artifact.name)) continue;
    names.add(artifact.name);
    if (artifact.content !== null) {
      const bytes = Buffer.from(artifact.content, 'base64');
      const digest = sha256Digest(bytes);
      if (digest !== artifact.digest || bytes.length !== artifact.sizeBytes) {
        throw new ValidationError(
          `artifact ${artifact.name}: its content is ${bytes.length} bytes with digest ${digest}, ` +
            `not the ${artifact.sizeBytes} bytes with digest ${artifact.digest} the event says`,
          ['run', 'facets', FACETS.results, 'artifacts'],
        );
      }
      await tx
        .insert(blobs)
        .values({ digest: artifact.digest, bytes, sizeBytes: bytes.length })
        .onConflictDoNothing();
    } else if (!(await visibleBlob(tx, actor, artifact.digest))) {
      // Without its bytes an artifact can only point at content the hub holds, and only at
      // content this actor may already read: a digest alone must not open another project's.
      continue;
    }
    await tx.insert(artifacts).values({
      id: newId(),
      projectId: run!.projectId,
      runId,
      name: artifact.name,
      mediaType: artifact.mediaType,
      digest: artifact.digest,
      sizeBytes: artifact.sizeBytes,
    });
  }
}

/** Whether some artifact the actor can see already holds the bytes with this digest. */
async function visibleBlob(tx: Transaction, actor: Actor, digest: string): Promise<boolean> {
  const [found] = await tx
    .select({ id: artifacts.id })
    .from(artifacts)
    .where(and(eq(artifacts.digest, digest), visibleProjects(actor, artifacts.projectId)))
    .limit(1);
  return Boolean(found);
}

/** The version a finding of a hub export was about, by its digest, if the actor may see it. */
async function subjectVersion(
  tx: Transaction,
  actor: Actor,
  subject: NonNullable<ResultsFacet['findings'][number]['subject']>,
): Promise<ImportedVersion | null> {
  const [found] = await selectVersions(tx, subject.kind, actor, ({ table, entries }) =>
    and(
      eq(projects.slug, subject.project),
      eq(entries.name, subject.name),
      eq(table.digest, subject.digest),
    ),
  );
  return found ? { kind: subject.kind, id: found.version.id, label: subject.name } : null;
}

/** The dataQualityMetrics input facet as metrics, sliced by dataset (and column). */
function qualityMetrics(
  dataset: string,
  facet:
    | {
        rowCount?: number;
        bytes?: number;
        fileCount?: number;
        columnMetrics?: Record<string, Record<string, unknown>>;
      }
    | undefined,
): ResultsFacet['metrics'] {
  if (!facet) return [];
  const rows: ResultsFacet['metrics'] = [];
  const add = (key: string, value: unknown, slice: Record<string, string>) => {
    if (typeof value === 'number' && Number.isFinite(value))
      rows.push({
        key,
        value,
        step: 0,
        slice,
        ciLower: null,
        ciUpper: null,
        ciLevel: null,
        sampleSize: null,
      });
  };
  add('row_count', facet.rowCount, { dataset });
  add('bytes', facet.bytes, { dataset });
  add('file_count', facet.fileCount, { dataset });
  for (const [column, values] of Object.entries(facet.columnMetrics ?? {})) {
    const slice = { dataset, column };
    add('null_count', values.nullCount, slice);
    add('distinct_count', values.distinctCount, slice);
    add('sum', values.sum, slice);
    add('count', values.count, slice);
    add('min', values.min, slice);
    add('max', values.max, slice);
    for (const [q, value] of Object.entries((values.quantiles as Record<string, unknown>) ?? {}))
      add('quantile', value, { ...slice, quantile: q });
  }
  return rows;
}
