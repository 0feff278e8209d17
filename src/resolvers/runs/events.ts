// The append-only log of what runs emit. Every event gets the next sequence number of its
// run and is stored, with the metric, finding or artifact rows it carries, before anyone
// is notified of it.
import { and, asc, eq, gt, type SQL, sql } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import { type Queryable, selectRows } from '../../db/rows.ts';
import { artifacts, blobs, findings, type metrics, runEvents, runs } from '../../db/schema.ts';
import type { FindingEmission, MetricEmission } from '../../runners/contract.ts';
import { canonicalJson } from '../core/canonical-json.ts';
import { sha256Digest } from '../core/sha256.ts';

export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export const TERMINAL_STATUSES: readonly RunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** An event as emitted, before it is numbered and stored. */
export type NewRunEvent =
  | { type: 'status'; status: RunStatus; reason?: string; attempt?: number; worker?: string }
  | { type: 'progress'; fraction?: number; stage?: string; message?: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  | { type: 'metric'; metric: MetricEmission }
  | {
      type: 'finding';
      finding: FindingEmission;
      subject?: { kind: 'MODEL_VERSION' | 'DATASET_VERSION'; id: string } | undefined;
    }
  | { type: 'artifact'; name: string; mediaType: string; bytes: Uint8Array }
  | { type: 'output'; name: string; datasetVersionId: string; digest: string }
  | { type: 'step'; stepId: string; runId: string; status: RunStatus; reason?: string };

export type RunEventRow = typeof runEvents.$inferSelect;

/** Who may append: the worker holding the run's lease (fenced by its attempt), or anyone. */
export type EventGuard = { workerId: string; attempt: number } | null;

/**
 * The run is RUNNING, held by the guard's worker at its attempt, and its lease has not run
 * out: a worker whose lease expired is fenced off even before the reaper has moved the run.
 */
export const heldBy = (guard: NonNullable<EventGuard>): SQL =>
  and(
    eq(runs.leaseOwner, guard.workerId),
    eq(runs.attempt, guard.attempt),
    eq(runs.status, 'RUNNING'),
    gt(runs.leaseExpiresAt, sql`now()`),
  )!;

/**
 * An append on condition: a worker's lease (EventGuard), or, for a run recorded from
 * outside the hub, that the run is RUNNING with `afterSeq` as its last event (a concurrent
 * append of the same batch stores nothing).
 */
export type AppendGuard = EventGuard | { afterSeq: number };

/** The worker that tried to write no longer holds the run (it was reaped, or cancelled and finished). */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** The canonical text of a slice, "" for the whole set: equal slices, equal keys. */
export const sliceKey = (slice: Record<string, string> | undefined) =>
  slice && Object.keys(slice).length ? canonicalJson(slice) : '';

/** A batch of events turned into the rows that store it. */
interface PreparedBatch {
  /** Each event's run_events type and payload, in order. */
  events: Array<{ type: string; payload: unknown }>;
  metrics: Array<typeof metrics.$inferInsert>;
  findings: Array<typeof findings.$inferInsert>;
  artifacts: Array<typeof artifacts.$inferInsert>;
  blobs: Map<string, typeof blobs.$inferInsert>;
  progress: { fraction?: number; stage?: string; message?: string } | undefined;
}

function prepare(runId: string, events: readonly NewRunEvent[]): PreparedBatch {
  const batch: PreparedBatch = {
    events: [],
    metrics: [],
    findings: [],
    artifacts: [],
    blobs: new Map(),
    progress: undefined,
  };
  // Findings and artifacts are in the run's project, which the insert reads from the run.
  const projectOfRun = sql`(select project_id from runs where id = ${runId})` as unknown as string;
  for (const event of events) {
    switch (event.type) {
      case 'metric': {
        const m = event.metric;
        batch.metrics.push({
          runId,
          key: m.key,
          value: m.value,
          step: m.step ?? 0,
          slice: m.slice ?? {},
          sliceKey: sliceKey(m.slice),
          ciLower: m.ci?.lower,
          ciUpper: m.ci?.upper,
          ciLevel: m.ci?.level,
          sampleSize: m.sampleSize,
        });
        batch.events.push({ type: 'metric', payload: m });
        break;
      }
      case 'finding': {
        const f = event.finding;
        const id = newId();
        batch.findings.push({
          id,
          projectId: projectOfRun,
          runId,
          kind: f.kind,
          severity: f.severity,
          title: f.title,
          summary: f.summary ?? '',
          evidence: f.evidence ?? {},
          requirement: f.requirement,
          subjectModelVersionId: event.subject?.kind === 'MODEL_VERSION' ? event.subject.id : null,
          subjectDatasetVersionId:
            event.subject?.kind === 'DATASET_VERSION' ? event.subject.id : null,
        });
        batch.events.push({
          type: 'finding',
          payload: { id, ...f, subject: event.subject ?? null },
        });
        break;
      }
      case 'artifact': {
        const id = newId();
        const bytes = Buffer.from(event.bytes);
        const digest = sha256Digest(bytes);
        batch.blobs.set(digest, { digest, bytes, sizeBytes: bytes.length });
        batch.artifacts.push({
          id,
          projectId: projectOfRun,
          runId,
          name: event.name,
          mediaType: event.mediaType,
          digest,
          sizeBytes: bytes.length,
        });
        batch.events.push({
          type: 'artifact',
          payload: {
            id,
            name: event.name,
            mediaType: event.mediaType,
            digest,
            sizeBytes: bytes.length,
          },
        });
        break;
      }
      default: {
        if (event.type === 'progress') {
          batch.progress = { fraction: event.fraction, stage: event.stage, message: event.message };
        }
        const { type, ...payload } = event;
        batch.events.push({ type, payload });
      }
    }
  }
  return batch;
}

/**
 * Appends `events` to the run's log, numbering them after the run's last event, and
 * notifies listeners when the change commits. With a guard, nothing is written unless that
 * worker still holds the run at that attempt (a worker that lost its lease is fenced out).
 *
 * The events, their metric rows and the notification are one statement, atomic by itself:
 * the round trips of a transaction are what a busy worker would wait on. A batch with
 * findings or artifacts writes their rows first, in a transaction (a savepoint within one).
 */
export async function appendRunEvents(
  db: Queryable,
  runId: string,
  events: readonly NewRunEvent[],
  guard: AppendGuard,
): Promise<{ lastSeq: number; projectId: string }> {
  if (events.length === 0) throw new Error('appendRunEvents needs at least one event');
  const batch = prepare(runId, events);
  if (!batch.findings.length && !batch.artifacts.length)
    return appendStatement(db, runId, batch, guard);
  return db.transaction(async (tx) => {
    if (batch.blobs.size)
      await tx
        .insert(blobs)
        .values([...batch.blobs.values()])
        .onConflictDoNothing();
    if (batch.artifacts.length) await tx.insert(artifacts).values(batch.artifacts);
    if (batch.findings.length) await tx.insert(findings).values(batch.findings);
    // Fenced out here, the transaction rolls the rows above back.
    return appendStatement(tx, runId, batch, guard);
  });
}

/**
 * The one statement: bump the run's sequence (fenced), insert the events and metric rows,
 * and notify. The events and the metric rows are each ONE parameter, a JSON array the
 * database expands (jsonb_array_elements, jsonb_to_recordset): the same text, prepared once,
 * whatever the batch size; no per-element quoting of an array literal on the way in, and
 * each payload is parsed once, as part of the array, not as a text of its own.
 */
async function appendStatement(
  db: Queryable,
  runId: string,
  batch: PreparedBatch,
  guard: AppendGuard,
): Promise<{ lastSeq: number; projectId: string }> {
  const n = batch.events.length;
  const fence = !guard
    ? sql``
    : 'afterSeq' in guard
      ? sql` and last_event_seq = ${guard.afterSeq} and status = 'RUNNING'`
      : sql` and ${heldBy(guard)}`;
  const measured = batch.metrics.map((m) => ({
    key: m.key,
    value: m.value,
    step: m.step ?? 0,
    slice: m.slice ?? {},
    slice_key: m.sliceKey ?? '',
    ci_lower: m.ciLower ?? null,
    ci_upper: m.ciUpper ?? null,
    ci_level: m.ciLevel ?? null,
    sample_size: m.sampleSize ?? null,
  }));
  const [run] = await selectRows<{ last_seq: number; project_id: string }>(
    db,
    sql`with bumped as (
          update runs set last_event_seq = last_event_seq + ${n}, updated_at = now()
            ${batch.progress ? sql`, progress = ${JSON.stringify(batch.progress)}::jsonb` : sql``}
          where id = ${runId}${fence}
          returning last_event_seq, project_id
        ), stored as (
          insert into run_events (run_id, seq, type, payload)
          select ${runId}::uuid, bumped.last_event_seq - ${n} + e.ord, e.event->>'type', e.event->'payload'
          from bumped, jsonb_array_elements(${JSON.stringify(batch.events)}::jsonb)
                       with ordinality as e(event, ord)
        )${
          measured.length
            ? sql`, measured as (
          insert into metrics (run_id, key, value, step, slice, slice_key, ci_lower, ci_upper, ci_level, sample_size)
          select ${runId}::uuid, key, value, step, slice, slice_key, ci_lower, ci_upper, ci_level, sample_size
          from bumped, jsonb_to_recordset(${JSON.stringify(measured)}::jsonb)
                       as m(key text, value float8, step int, slice jsonb, slice_key text,
                            ci_lower float8, ci_upper float8, ci_level float8, sample_size int)
        )`
            : sql``
        }
        select last_event_seq::float8 as last_seq, project_id,
               pg_notify('evalhub_run_events', ${runId} || ':' || last_event_seq)
        from bumped`,
  );
  if (!run) {
    const holder = guard && 'workerId' in guard ? guard.workerId : 'its client';
    throw new LeaseLostError(`run ${runId} is no longer held by ${holder}`);
  }
  return { lastSeq: Number(run.last_seq), projectId: run.project_id };
}

/** Stored events of a run after `afterSeq`, in order. */
export function readRunEvents(
  db: Queryable,
  runId: string,
  afterSeq: number,
  limit: number,
): Promise<RunEventRow[]> {
  return db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), gt(runEvents.seq, afterSeq)))
    .orderBy(asc(runEvents.seq))
    .limit(limit);
}
