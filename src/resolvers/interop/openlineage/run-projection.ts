// An OpenLineage run as a hub run: found or made (RUNNING, until its events say more) when
// an event names it, and its status, times, error and facets recomputed from ALL of its
// stored events, ordered by eventTime, whenever one arrives. So events may come in any
// order: a COMPLETE before its START still ends the run, and the START then only fills in
// when it began.

import { and, asc, eq, sql } from 'drizzle-orm';
import { newId } from '../../../db/ids.ts';
import type { Transaction } from '../../../db/rows.ts';
import { openlineageEvents, runs } from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import { recordAudit } from '../../core/audit.ts';
import { ConflictError } from '../../core/errors.ts';
import { canonicalDigest } from '../../core/sha256.ts';
import type { ProjectRow } from '../../registry/projects.ts';
import { appendRunEvents, type RunStatus } from '../../runs/events.ts';
import { OPENLINEAGE_SOURCE, type RunFacet } from './facets.ts';
import { ensureWorkflowVersionOf } from './job-workflows.ts';
import type { Facets, RunEvent } from './run-event.ts';
import { eventTimeOf } from './validation.ts';

const TERMINAL: Record<string, RunStatus> = {
  COMPLETE: 'SUCCEEDED',
  FAIL: 'FAILED',
  ABORT: 'CANCELLED',
};

/** The hub run of an OpenLineage run, made (RUNNING, until its events say more) if missing. */
export async function ensureRun(
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

/** Status, times, error and facets of a run, from all its stored events in eventTime order. */
export async function projectRun(
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
