// Hashing a registration's content in the background: the registration runs again, exactly
// as in a request (same checks, same transaction, same audit record, same dedupe), with the
// permissions of the actor who asked, hashing content of any size, its progress recorded and
// its version settled under the lease; a typed error fails it.
import type { Database } from '../../db/connect.ts';
import type { RunnerRegistry } from '../../runners/registry.ts';
import type { Actor } from '../core/actor.ts';
import type { LocalContentPolicy, ServiceContext } from '../core/context.ts';
import { requireCredentialHolds } from '../core/credential.ts';
import {
  type ContentRegistrationRow,
  failContentRegistration,
  isRecordable,
  type RegistrationGuard,
  type RegistrationJob,
  recordHashingProgress,
  settleContentRegistration,
} from './content-registrations.ts';
import { type RegisterDatasetVersionInput, registerDatasetVersion } from './datasets.ts';
import { type RegisterModelVersionInput, registerModelVersion } from './models.ts';

export interface HashingServices {
  db: Database;
  runners: RunnerRegistry;
  localContent: LocalContentPolicy;
}

/** Progress is recorded each time this share of the content more has been hashed. */
const PROGRESS_STEP = 1 / 100;
/** ...or this long after the last record, whichever comes first. */
const PROGRESS_EVERY_MS = 1000;

/**
 * Progress records, one statement at a time: values hashed while one is being written wait,
 * and only the newest of them is written next.
 */
function progressRecorder(
  db: Database,
  row: ContentRegistrationRow,
  guard: RegistrationGuard,
): { onProgress: RegistrationJob['onProgress']; flushed: () => Promise<void> } {
  let recorded = 0;
  let recordedAt = Date.now();
  let waiting: number | null = null;
  let writing: Promise<void> | null = null;
  const pump = () => {
    if (writing || waiting === null) return;
    const bytes = waiting;
    waiting = null;
    // A write that fails or finds the lease lost: the lease keeper stops the hashing.
    writing = recordHashingProgress(db, row.id, guard, bytes).then(
      () => {},
      () => {},
    );
    void writing.then(() => {
      writing = null;
      pump();
    });
  };
  return {
    onProgress(done, total) {
      if (done >= total) return; // The end is recorded with the version.
      if (done - recorded < total * PROGRESS_STEP && Date.now() - recordedAt < PROGRESS_EVERY_MS)
        return;
      recorded = done;
      recordedAt = Date.now();
      waiting = done;
      pump();
    },
    async flushed() {
      while (writing) await writing;
    },
  };
}

/**
 * Hashes and registers the claimed registration. Resolves when it is settled or failed with
 * a typed error; throws anything else (a bug, the lease lost, `signal` aborted), leaving the
 * registration to its lease.
 */
export async function hashContentRegistration(
  services: HashingServices,
  row: ContentRegistrationRow,
  guard: RegistrationGuard,
  signal: AbortSignal,
): Promise<void> {
  const ctx: ServiceContext = {
    db: services.db,
    actor: row.actor as Actor,
    runners: services.runners,
    localContent: services.localContent,
    signal,
  };
  const progress = progressRecorder(services.db, row, guard);
  const action = 'registering this version';
  const job: RegistrationJob = {
    onProgress: progress.onProgress,
    // Checked again with the version: a token revoked while hashing registers nothing.
    settle: async (tx, versionId, created) => {
      await requireCredentialHolds(tx, ctx.actor, action);
      return settleContentRegistration(tx, row, guard, versionId, created);
    },
  };
  try {
    await requireCredentialHolds(services.db, ctx.actor, action);
    const done =
      row.kind === 'MODEL_VERSION'
        ? await registerModelVersion(ctx, row.input as RegisterModelVersionInput, job)
        : await registerDatasetVersion(ctx, row.input as RegisterDatasetVersionInput, job);
    if ('pending' in done) throw new Error('a background registration was queued again');
  } catch (error) {
    if (!isRecordable(error) || signal.aborted) throw error;
    await progress.flushed();
    await failContentRegistration(services.db, row.id, guard, error);
  }
}
