// Registering a version from local content too large to hash in the request: the request
// records the registration (QUEUED) and answers at once; a hub process claims it under a
// lease, as a worker claims a run (runs/queue.ts), hashes it while renewing the lease and
// reporting progress, and settles it (the version, in the version's own transaction) or fails
// it with the typed error that stopped it. Every write of the holder is fenced by the lease,
// so a process that lost it changes nothing; one that died leaves it to the next claim.
import { and, asc, count, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/connect.ts';
import { newId } from '../../db/ids.ts';
import type { Listener } from '../../db/listener.ts';
import type { Queryable, Transaction } from '../../db/rows.ts';
import { contentRegistrations, projects } from '../../db/schema.ts';
import type { VersionKind } from '../../runners/contract.ts';
import { type Actor, visibleProjects } from '../core/actor.ts';
import { AsyncQueue } from '../core/async-queue.ts';
import type { ServiceContext } from '../core/context.ts';
import {
  ConflictError,
  DigestMismatchError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../core/errors.ts';
import { UUID } from '../core/global-id.ts';
import { ModelContentError } from './model-signature.ts';
import { checkVersionLabel } from './versions.ts';

export type ContentRegistrationRow = typeof contentRegistrations.$inferSelect;
export type ContentRegistrationState = 'QUEUED' | 'HASHING' | 'DONE' | 'FAILED';

/** The channel a registration's changes are told on: `id:state:bytesHashed`. */
const CHANNEL = 'evalhub_content_registrations';

/** Claims of one registration before it fails: each ended with its hasher's death. */
const MAX_ATTEMPTS = 3;

/** What the holder of a registration's lease proves on each write. */
export interface RegistrationGuard {
  owner: string;
  attempt: number;
}

/** The hooks a registration run in the background gives the registration service. */
export interface RegistrationJob {
  /** Told the bytes hashed so far. */
  onProgress: (bytesDone: number, bytesTotal: number) => void;
  /** In the version's transaction: records the version (throws when the lease is lost). */
  settle: (tx: Transaction, versionId: string, created: boolean) => Promise<void>;
}

/** A registration answered before its content was hashed. */
export interface PendingRegistration {
  pending: ContentRegistrationRow;
}

const notify = (db: Queryable, row: Pick<ContentRegistrationRow, 'id' | 'state' | 'bytesHashed'>) =>
  db.execute(sql`select pg_notify(${CHANNEL}, ${`${row.id}:${row.state}:${row.bytesHashed}`})`);

/**
 * Registrations a project may have waiting or being hashed at once: each holds a hasher for
 * as long as its content takes, so one caller could otherwise queue work without end.
 */
export const OPEN_REGISTRATIONS_PER_PROJECT = 16;

/**
 * Records a registration of `sizeBytes` of local content to hash in the background, for the
 * actor (whose role in the project the caller has checked), and wakes the hashers. A
 * project with OPEN_REGISTRATIONS_PER_PROJECT open already is refused, and nothing queued.
 */
export async function queueContentRegistration(
  ctx: ServiceContext,
  kind: VersionKind,
  projectId: string,
  input: { version?: string | null | undefined },
  sizeBytes: number,
): Promise<PendingRegistration> {
  if (input.version) checkVersionLabel(input.version, ['input', 'version']);
  const row = await ctx.db.transaction(async (tx) => {
    // Under the project's lock, so that racing requests cannot both take the last place.
    await tx
      .select({ id: projects.id })
      .from(projects)
      .where(eq(projects.id, projectId))
      .for('update');
    const [open] = await tx
      .select({ n: count() })
      .from(contentRegistrations)
      .where(
        and(
          eq(contentRegistrations.projectId, projectId),
          inArray(contentRegistrations.state, ['QUEUED', 'HASHING']),
        ),
      );
    if (open!.n >= OPEN_REGISTRATIONS_PER_PROJECT)
      throw new ValidationError(
        `the project has ${open!.n} registrations waiting to be hashed, the most it may have: ` +
          'register this once one of them is done',
        ['input', 'uri'],
      );
    const [row] = await tx
      .insert(contentRegistrations)
      .values({
        id: newId(),
        projectId,
        kind,
        input,
        actor: ctx.actor,
        state: 'QUEUED',
        bytesTotal: sizeBytes,
        createdBy: ctx.actor.id,
      })
      .returning();
    await notify(tx, row!);
    return row!;
  });
  return { pending: row };
}

/** The registration, if the actor may see its project. */
export async function findContentRegistration(
  db: Queryable,
  actor: Actor,
  id: string,
): Promise<ContentRegistrationRow | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db
    .select()
    .from(contentRegistrations)
    .where(
      and(eq(contentRegistrations.id, id), visibleProjects(actor, contentRegistrations.projectId)),
    );
  return row ?? null;
}

const isOver = (state: string) => state === 'DONE' || state === 'FAILED';

/**
 * The registration as it is, then each change (progress, then its end) until it is done or
 * failed; nothing when the actor may not see it. Progress comes from the notifications
 * themselves (no statement each); the end is read from the table.
 */
export async function* contentRegistrationUpdates(
  db: Queryable,
  actor: Actor,
  listener: Listener,
  id: string,
): AsyncGenerator<ContentRegistrationRow> {
  const changes = new AsyncQueue<{ state: string; bytesHashed: number }>(() => {
    stop();
    stopLoss();
  });
  // Listening first: a change committed while the row is read is not missed.
  const stop = listener.on(CHANNEL, (payload) => {
    const [of, state, bytes] = payload.split(':');
    if (of === id) changes.push({ state: state!, bytesHashed: Number(bytes) });
  });
  const stopLoss = listener.onLoss(() =>
    changes.fail(new Error('the hub lost its notification connection: subscribe again')),
  );
  try {
    let row = await findContentRegistration(db, actor, id);
    if (!row) return;
    yield row;
    while (!isOver(row.state)) {
      const next = await changes.next();
      if (next.done) return;
      const change = next.value;
      if (isOver(change.state)) row = (await findContentRegistration(db, actor, id)) ?? row;
      else if (change.bytesHashed >= row.bytesHashed || change.state !== row.state)
        row = { ...row, state: change.state, bytesHashed: change.bytesHashed };
      else continue;
      yield row;
    }
  } finally {
    await changes.return();
  }
}

const leaseUntil = (leaseMs: number) =>
  sql`now() + ${leaseMs} * interval '1 millisecond'` as unknown as Date;

const heldBy = (id: string, guard: RegistrationGuard) =>
  and(
    eq(contentRegistrations.id, id),
    eq(contentRegistrations.state, 'HASHING'),
    eq(contentRegistrations.leaseOwner, guard.owner),
    eq(contentRegistrations.attempt, guard.attempt),
  );

/**
 * The oldest registration waiting to be hashed (queued, or whose hasher stopped renewing
 * its lease), now held by `owner` for `leaseMs`; null when there is none. One whose hashers
 * died MAX_ATTEMPTS times fails instead.
 */
export async function claimContentRegistration(
  db: Database,
  owner: string,
  leaseMs: number,
): Promise<ContentRegistrationRow | null> {
  for (;;) {
    const claimed = await db.transaction(async (tx) => {
      const [candidate] = await tx
        .select()
        .from(contentRegistrations)
        .where(
          or(
            eq(contentRegistrations.state, 'QUEUED'),
            and(
              eq(contentRegistrations.state, 'HASHING'),
              lt(contentRegistrations.leaseExpiresAt, sql`now()`),
            ),
          ),
        )
        .orderBy(asc(contentRegistrations.createdAt), asc(contentRegistrations.id))
        .limit(1)
        .for('update', { skipLocked: true });
      if (!candidate) return null;
      if (candidate.attempt >= MAX_ATTEMPTS) {
        const error = new ValidationError(
          `the hub processes hashing this content stopped ${candidate.attempt} times`,
          ['input', 'uri'],
        );
        const [failed] = await tx
          .update(contentRegistrations)
          .set(failure(error))
          .where(eq(contentRegistrations.id, candidate.id))
          .returning();
        await notify(tx, failed!);
        return 'again' as const;
      }
      const [row] = await tx
        .update(contentRegistrations)
        .set({
          state: 'HASHING',
          leaseOwner: owner,
          leaseExpiresAt: leaseUntil(leaseMs),
          attempt: sql`${contentRegistrations.attempt} + 1` as unknown as number,
          bytesHashed: 0,
          updatedAt: new Date(),
        })
        .where(eq(contentRegistrations.id, candidate.id))
        .returning();
      await notify(tx, row!);
      return row!;
    });
    if (claimed !== 'again') return claimed;
  }
}

/** Extends the lease; null when the holder no longer has it. */
export async function renewContentRegistration(
  db: Database,
  id: string,
  guard: RegistrationGuard,
  leaseMs: number,
): Promise<{ cancelRequested: boolean } | null> {
  const [row] = await db
    .update(contentRegistrations)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(heldBy(id, guard))
    .returning({ id: contentRegistrations.id });
  return row ? { cancelRequested: false } : null;
}

/** Records the bytes hashed so far, and tells the subscribers; false when the lease is lost. */
export async function recordHashingProgress(
  db: Database,
  id: string,
  guard: RegistrationGuard,
  bytesHashed: number,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(contentRegistrations)
      .set({ bytesHashed, updatedAt: new Date() })
      .where(heldBy(id, guard))
      .returning();
    if (row) await notify(tx, row);
    return row !== undefined;
  });
}

/** The holder lost the registration's lease: what it was doing is not recorded. */
export class RegistrationLeaseLostError extends Error {
  override name = 'RegistrationLeaseLostError';
}

/** In the version's transaction: the registration is done, with this version. */
export async function settleContentRegistration(
  tx: Transaction,
  row: ContentRegistrationRow,
  guard: RegistrationGuard,
  versionId: string,
  created: boolean,
): Promise<void> {
  const [settled] = await tx
    .update(contentRegistrations)
    .set({
      state: 'DONE',
      bytesHashed: row.bytesTotal,
      [row.kind === 'MODEL_VERSION' ? 'modelVersionId' : 'datasetVersionId']: versionId,
      created,
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: new Date(),
      finishedAt: new Date(),
    })
    .where(heldBy(row.id, guard))
    .returning();
  if (!settled) throw new RegistrationLeaseLostError(`lost the lease of registration ${row.id}`);
  await notify(tx, settled);
}

/** The errors a registration can end with, by name. */
const RECORDABLE = [
  ValidationError,
  NotFoundError,
  ConflictError,
  DigestMismatchError,
  ForbiddenError,
  ModelContentError,
];

/** Whether the error is one a registration ends with (else it is a bug, or the lease lost). */
export const isRecordable = (error: unknown): error is Error =>
  RECORDABLE.some((type) => error instanceof type);

function failure(error: Error) {
  return {
    state: 'FAILED',
    error: { ...error, message: error.message },
    leaseOwner: null,
    leaseExpiresAt: null,
    updatedAt: new Date(),
    finishedAt: new Date(),
  };
}

/** The registration failed with a typed error; nothing else was written. */
export async function failContentRegistration(
  db: Database,
  id: string,
  guard: RegistrationGuard,
  error: Error,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(contentRegistrations)
      .set(failure(error))
      .where(heldBy(id, guard))
      .returning();
    if (row) await notify(tx, row);
  });
}

/** Puts a registration back in the queue for another process (this one is stopping). */
export async function releaseContentRegistration(
  db: Database,
  id: string,
  guard: RegistrationGuard,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(contentRegistrations)
      .set({
        state: 'QUEUED',
        bytesHashed: 0,
        leaseOwner: null,
        leaseExpiresAt: null,
        attempt: sql`${contentRegistrations.attempt} - 1` as unknown as number,
        updatedAt: new Date(),
      })
      .where(heldBy(id, guard))
      .returning();
    if (row) await notify(tx, row);
  });
}

/**
 * The typed error a failed registration ended with: its class, and its fields (message
 * included) as a plain object (an Error instance returned by a resolver would be thrown).
 */
export function registrationFailure(
  row: ContentRegistrationRow,
): { type: (typeof RECORDABLE)[number]; fields: Record<string, unknown> } | null {
  const stored = row.error as ({ name: string } & Record<string, unknown>) | null;
  if (!stored) return null;
  return {
    type: RECORDABLE.find((t) => t.name === stored.name) ?? ValidationError,
    fields: stored,
  };
}
