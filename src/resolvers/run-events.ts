// The append-only log of what runs emit. Every event gets the next sequence number of its
// run and is stored, with the metric, finding or artifact rows it carries, before anyone
// is notified of it.
import { createHash } from 'node:crypto';
import { and, asc, eq, gt, type SQL, sql } from 'drizzle-orm';
import { newId } from '../db/ids.ts';
import type { Queryable, Transaction } from '../db/rows.ts';
import { artifacts, blobs, findings, metrics, runEvents, runs } from '../db/schema.ts';
import type { FindingEmission, MetricEmission } from '../runners/contract.ts';
import { canonicalJson } from './canonical-json.ts';

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

/** The worker that tried to write no longer holds the run (it was reaped, or cancelled and finished). */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** The canonical text of a slice, "" for the whole set: equal slices, equal keys. */
export const sliceKey = (slice: Record<string, string> | undefined) =>
  slice && Object.keys(slice).length ? canonicalJson(slice) : '';

const digestOf = (bytes: Uint8Array) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * Appends `events` to the run's log inside `tx`, numbering them after the run's last event,
 * and notifies listeners when `tx` commits. With a guard, nothing is written unless that
 * worker still holds the run at that attempt (a worker that lost its lease is fenced out).
 */
export async function appendRunEvents(
  tx: Transaction,
  runId: string,
  events: readonly NewRunEvent[],
  guard: EventGuard,
): Promise<{ lastSeq: number; projectId: string }> {
  if (events.length === 0) throw new Error('appendRunEvents needs at least one event');
  const lastProgress = events.findLast((e) => e.type === 'progress');
  const progress = lastProgress && {
    fraction: lastProgress.fraction,
    stage: lastProgress.stage,
    message: lastProgress.message,
  };
  const fence: SQL | undefined = guard
    ? and(
        eq(runs.leaseOwner, guard.workerId),
        eq(runs.attempt, guard.attempt),
        eq(runs.status, 'RUNNING'),
      )
    : undefined;
  const [run] = await tx
    .update(runs)
    .set({
      lastEventSeq: sql`${runs.lastEventSeq} + ${events.length}`,
      updatedAt: new Date(),
      ...(progress ? { progress } : {}),
    })
    .where(and(eq(runs.id, runId), fence))
    .returning({ lastSeq: runs.lastEventSeq, projectId: runs.projectId });
  if (!run) throw new LeaseLostError(`run ${runId} is no longer held by ${guard?.workerId}`);
  const firstSeq = run.lastSeq - events.length + 1;

  const metricRows: Array<typeof metrics.$inferInsert> = [];
  const findingRows: Array<typeof findings.$inferInsert> = [];
  const artifactRows: Array<typeof artifacts.$inferInsert> = [];
  const blobRows = new Map<string, typeof blobs.$inferInsert>();
  const eventRows = events.map((event, i): typeof runEvents.$inferInsert => {
    const seq = firstSeq + i;
    switch (event.type) {
      case 'metric': {
        const m = event.metric;
        metricRows.push({
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
        return { runId, seq, type: 'metric', payload: m };
      }
      case 'finding': {
        const f = event.finding;
        const id = newId();
        findingRows.push({
          id,
          projectId: run.projectId,
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
        return {
          runId,
          seq,
          type: 'finding',
          payload: { id, ...f, subject: event.subject ?? null },
        };
      }
      case 'artifact': {
        const id = newId();
        const digest = digestOf(event.bytes);
        const bytes = Buffer.from(event.bytes);
        blobRows.set(digest, { digest, bytes, sizeBytes: bytes.length });
        artifactRows.push({
          id,
          projectId: run.projectId,
          runId,
          name: event.name,
          mediaType: event.mediaType,
          digest,
          sizeBytes: bytes.length,
        });
        return {
          runId,
          seq,
          type: 'artifact',
          payload: {
            id,
            name: event.name,
            mediaType: event.mediaType,
            digest,
            sizeBytes: bytes.length,
          },
        };
      }
      default: {
        const { type, ...payload } = event;
        return { runId, seq, type, payload };
      }
    }
  });
  if (blobRows.size)
    await tx
      .insert(blobs)
      .values([...blobRows.values()])
      .onConflictDoNothing();
  if (artifactRows.length) await tx.insert(artifacts).values(artifactRows);
  if (metricRows.length) await tx.insert(metrics).values(metricRows);
  if (findingRows.length) await tx.insert(findings).values(findingRows);
  await tx.insert(runEvents).values(eventRows);
  await tx.execute(sql`select pg_notify('evalhub_run_events', ${`${runId}:${run.lastSeq}`})`);
  return { lastSeq: run.lastSeq, projectId: run.projectId };
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
