// Moving a run from one status to the next. A transition is conditional on the status it
// leaves (so a terminal status never changes), and writes its status event in the same
// transaction.
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { RowRead, Transaction } from '../../db/rows.ts';
import { runs } from '../../db/schema.ts';
import { lockAuditChain } from '../core/audit.ts';
import {
  appendRunEvents,
  type EventGuard,
  heldBy,
  type RunStatus,
  TERMINAL_STATUSES,
} from './events.ts';
import { recordReproductionVerdict } from './reproduction-verdict.ts';
import { sealRunEnd } from './run-seal.ts';

/** A run as services read it (rows.ts: its search vector stays in the database). */
export type RunRow = RowRead<typeof runs>;

export interface RunError {
  message: string;
  /** A short machine-readable cause: RUNNER_ERROR, LEASE_EXPIRED, TIMEOUT, STEP_FAILED... */
  code: string;
}

export interface Transition {
  from: readonly RunStatus[];
  to: RunStatus;
  reason?: string;
  error?: RunError;
  /** Only if this worker still holds the run at this attempt. */
  guard?: EventGuard;
  /** Other columns to set with the status. */
  set?: Partial<typeof runs.$inferInsert>;
  /** A further condition the run must meet (e.g. that its lease has expired). */
  where?: SQL;
  /** The run's parent, when the caller knows it (saves a lookup). */
  parentRunId?: string | null;
}

/**
 * What happens to a parent run when one of its steps ends, in the transaction that ends the
 * step. Runs only know that a step's end concerns its parent; the workflows domain, which
 * knows what a parent does about it, registers the handler (workflows/runs.ts).
 */
export type StepEndedHandler = (
  tx: Transaction,
  parentRunId: string,
  step: RunRow,
) => Promise<void>;

let stepEnded: StepEndedHandler | null = null;

/** Registers the one handler of ended steps. */
export function onStepEnded(handler: StepEndedHandler): void {
  stepEnded = handler;
}

/** Applies the transition; null when the run was not in a `from` status (or not held). */
export async function transitionRun(
  tx: Transaction,
  runId: string,
  transition: Transition,
): Promise<RunRow | null> {
  const now = new Date();
  const terminal = TERMINAL_STATUSES.includes(transition.to);
  if (terminal) {
    // An ending run is sealed in the audit chain (run-seal.ts): the chain's lock goes first,
    // before any run is locked (see lockAuditChain).
    await lockAuditChain(tx);
    // A step that ends advances its workflow run, which locks the parent. The parent is
    // locked before the step, the order every path takes (cancelling a workflow locks the
    // parent, then its steps), so that two of them cannot deadlock.
    const parentRunId =
      transition.parentRunId !== undefined
        ? transition.parentRunId
        : (
            await tx.select({ parentRunId: runs.parentRunId }).from(runs).where(eq(runs.id, runId))
          )[0]?.parentRunId;
    if (parentRunId) {
      await tx.select({ id: runs.id }).from(runs).where(eq(runs.id, parentRunId)).for('update');
    }
  }
  const guard = transition.guard ? heldBy(transition.guard) : undefined;
  const [run] = await tx
    .update(runs)
    .set({
      status: transition.to,
      updatedAt: now,
      ...(terminal ? { finishedAt: now, leaseOwner: null, leaseExpiresAt: null } : {}),
      ...(transition.error ? { error: transition.error } : {}),
      ...transition.set,
    })
    .where(
      and(eq(runs.id, runId), inArray(runs.status, [...transition.from]), guard, transition.where),
    )
    .returning();
  if (!run) return null;
  // A reproduction's verdict is part of what it concluded: recorded before its last status
  // event (which ends every stream of its events) and its seal.
  if (terminal && run.reproducesId) await recordReproductionVerdict(tx, run);
  const reason = transition.reason ?? transition.error?.message;
  await appendRunEvents(
    tx,
    runId,
    [
      {
        type: 'status',
        status: transition.to,
        attempt: run.attempt,
        ...(reason ? { reason } : {}),
      },
    ],
    null,
  );
  await tx.execute(
    sql`select pg_notify('evalhub_run_status', ${`${run.id}:${run.projectId}:${transition.to}`})`,
  );
  if (terminal) await sealRunEnd(tx, run);
  if (terminal && run.parentRunId) {
    if (!stepEnded) throw new Error('a step ended, and nothing advances its parent run');
    await stepEnded(tx, run.parentRunId, run);
  }
  return run;
}
