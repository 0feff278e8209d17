// An OpenLineage run as a hub run: found or made (RUNNING, until its events say more) when
// an event names it, and its status, times, error and facets updated by each event as if
// all of them were read in eventTime order. So events may come in any order: a COMPLETE
// before its START still ends the run, and the START then only fills in when it began. Each
// event costs the same whatever number came before it (chatty producers send thousands).

import { and, eq, sql } from 'drizzle-orm';
import { newId } from '../../../db/ids.ts';
import type { Transaction } from '../../../db/rows.ts';
import { runs } from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import { recordAudit } from '../../core/audit.ts';
import { canonicalDigest } from '../../core/sha256.ts';
import type { ProjectRow } from '../../registry/projects.ts';
import { appendRunEvents, type RunStatus, TERMINAL_STATUSES } from '../../runs/events.ts';
import { FACETS, OPENLINEAGE_SOURCE, type RunFacet } from './facets.ts';
import { ensureWorkflowVersionOf } from './job-workflows.ts';
import type { Facets, RunEvent } from './run-event.ts';
import { eventTimeOf, type OpenLineageWarning } from './validation.ts';

const TERMINAL: Record<string, RunStatus> = {
  COMPLETE: 'SUCCEEDED',
  FAIL: 'FAILED',
  ABORT: 'CANCELLED',
};

/**
 * The hub run of an OpenLineage run, made (RUNNING, until its events say more) if missing. A
 * hub run facet that comes after its placeholder ended cannot say what the run was (a finished
 * run keeps what it ran): it is pushed onto `warnings`, the event's, instead.
 */
export async function ensureRun(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  runId: string,
  job: RunEvent['job'],
  hubRun: RunFacet | undefined,
  eventTime: string,
  warnings: OpenLineageWarning[],
): Promise<typeof runs.$inferSelect> {
  const find = () =>
    tx
      .select()
      .from(runs)
      .where(
        and(
          eq(runs.projectId, project.id),
          eq(runs.source, OPENLINEAGE_SOURCE),
          eq(runs.externalId, runId),
        ),
      )
      .for('update');
  const workflowVersionId = hubRun?.workflow
    ? await ensureWorkflowVersionOf(tx, actor, hubRun.workflow)
    : null;
  // An OpenLineage run id names a run within the project: another project's events with the
  // same id are another run, and neither learns of the other.
  const [existing] = await find();
  if (existing && !hubRun) return existing;
  // Only a placeholder learns what the run was; a run already described keeps its record.
  if (existing && existing.runnerId !== OPENLINEAGE_SOURCE) return existing;
  if (existing && TERMINAL_STATUSES.includes(existing.status as RunStatus)) {
    warnings.push({
      facet: FACETS.run,
      path: `/run/facets/${FACETS.run}`,
      message:
        'the run had already ended when this facet came: what it ran is kept as the events before said',
    });
    return existing;
  }
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

/**
 * What the projection remembers of a run's events so far, so that a new event updates it
 * without reading the others again: when each facet (run / job) and the producer were last
 * set, and whether the start time came from a START event.
 */
interface Seen {
  run: Record<string, string>;
  job: Record<string, string>;
  producerAt: string | null;
  startedByStart: boolean;
}

/** The hub's record of a run's OpenLineage events (in its environment, under "openlineage"). */
export interface OpenLineageRecord {
  producer: string;
  runFacets: Facets;
  jobFacets: Facets;
  /**
   * What accepted events got wrong, each once (so a chatty producer repeating a mistake
   * does not grow the record): with the first event's time and type, and how many had it.
   */
  warnings: (OpenLineageWarning & {
    eventTime: string;
    eventType: string | null;
    occurrences: number;
  })[];
  seen: Seen;
}

/** Facets of an event merged into those so far: a facet's latest event (by eventTime) wins. */
function mergeFacets(
  into: Facets,
  times: Record<string, string>,
  facets: Facets | undefined,
  at: Date,
) {
  for (const [key, value] of Object.entries(facets ?? {})) {
    const last = times[key];
    if (last !== undefined && new Date(last).getTime() > at.getTime()) continue;
    into[key] = value;
    times[key] = at.toISOString();
  }
}

/**
 * Status, times, error and facets of a run, updated by one more of its events: as if all of
 * them were read in eventTime order (the earliest terminal event decides the status, the
 * first START the start, each facet's latest value wins), without reading them again.
 */
export async function projectRun(
  tx: Transaction,
  run: typeof runs.$inferSelect,
  event: RunEvent,
  warnings: readonly OpenLineageWarning[],
  hubRun: RunFacet | undefined,
): Promise<RunStatus> {
  const at = eventTimeOf(event.eventTime);
  const environment = run.environment as { openlineage?: OpenLineageRecord };
  const record: OpenLineageRecord = structuredClone(environment.openlineage) ?? {
    producer: '',
    runFacets: {},
    jobFacets: {},
    warnings: [],
    seen: { run: {}, job: {}, producerAt: null, startedByStart: false },
  };
  mergeFacets(record.runFacets, record.seen.run, event.run.facets, at);
  mergeFacets(record.jobFacets, record.seen.job, event.job.facets, at);
  if (!record.seen.producerAt || new Date(record.seen.producerAt) <= at) {
    record.producer = event.producer;
    record.seen.producerAt = at.toISOString();
  }
  for (const warning of warnings) {
    const same = record.warnings.find(
      (w) => w.facet === warning.facet && w.path === warning.path && w.message === warning.message,
    );
    if (same) same.occurrences += 1;
    else
      record.warnings.push({
        ...warning,
        eventTime: event.eventTime,
        eventType: event.eventType ?? null,
        occurrences: 1,
      });
  }
  const terminal = event.eventType ? TERMINAL[event.eventType] : undefined;
  const endsIt = terminal !== undefined && (!run.finishedAt || at < run.finishedAt);
  const status: RunStatus = endsIt ? terminal : (run.status as RunStatus);
  const finishedAt = endsIt ? at : run.finishedAt;
  let startedAt = run.startedAt;
  if (event.eventType === 'START') {
    if (!record.seen.startedByStart || !startedAt || at < startedAt) startedAt = at;
    record.seen.startedByStart = true;
  } else if (!record.seen.startedByStart && (!startedAt || at < startedAt)) startedAt = at;
  const errorFacet = record.runFacets.errorMessage as { message?: unknown } | undefined;
  await tx
    .update(runs)
    .set({
      status,
      startedAt,
      finishedAt,
      createdAt: sql`least(${runs.createdAt}, ${at.toISOString()}::timestamptz)`,
      updatedAt: new Date(),
      error:
        status === 'FAILED'
          ? {
              code: 'EXTERNAL_FAILURE',
              message:
                typeof errorFacet?.message === 'string'
                  ? errorFacet.message
                  : 'the run failed (OpenLineage FAIL event)',
            }
          : null,
      environment: { ...(hubRun?.environment ?? environment), openlineage: record },
    })
    .where(eq(runs.id, run.id));
  // The first event of a run records its status too, so its event log starts somewhere.
  if (run.status !== status || Number(run.lastEventSeq) === 0) {
    await appendRunEvents(
      tx,
      run.id,
      [
        {
          type: 'status',
          status,
          reason: `from OpenLineage ${event.eventType ?? 'metadata'} event`,
        },
      ],
      null,
    );
    await tx.execute(
      sql`select pg_notify('evalhub_run_status', ${`${run.id}:${run.projectId}:${status}`})`,
    );
  }
  return status;
}

/** The warnings of a run's accepted OpenLineage events, from its environment (none if not imported). */
export function openLineageWarningsOf(environment: unknown): OpenLineageRecord['warnings'] {
  const record = (environment as { openlineage?: Partial<OpenLineageRecord> } | null)?.openlineage;
  return Array.isArray(record?.warnings) ? record.warnings : [];
}
