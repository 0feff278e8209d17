// Cancelling runs: a queued run at once, a running one by asking its worker to stop.

import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Transaction } from '../../db/rows.ts';
import { runs } from '../../db/schema.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { ConflictError } from '../core/errors.ts';
import { requireRoleInProject } from '../registry/projects.ts';
import { appendRunEvents, TERMINAL_STATUSES } from './events.ts';
import { findRun } from './queries.ts';
import { EXTERNAL_SOURCE, WORKFLOW_RUNNER } from './queue.ts';
import { type RunRow, transitionRun } from './status.ts';

/**
 * Cancels a run: a QUEUED run at once; a RUNNING one is asked to stop (its runner's
 * AbortSignal fires) and becomes CANCELLED when it has. A workflow run cancels its steps.
 */
export async function cancelRun(ctx: ServiceContext, ref: string): Promise<RunRow> {
  const target = await findRun(ctx, ref, ['id']);
  await requireRoleInProject(
    ctx.db,
    ctx.actor,
    target.projectId,
    'contributor',
    'cancelling a run',
  );
  return ctx.db.transaction(async (tx) => {
    // Not locked here: every change below is conditional on the status it leaves, and
    // locking the run before its parent would invert the order transitions take.
    const [run] = await tx.select().from(runs).where(eq(runs.id, target.id));
    if (run!.status === 'CANCELLED') return run!;
    if (TERMINAL_STATUSES.includes(run!.status)) {
      throw new ConflictError(`the run already ended ${run!.status}`, { type: 'Run', id: run!.id });
    }
    await recordAudit(tx, ctx.actor, {
      action: 'run.cancel',
      projectId: run!.projectId,
      targetType: 'Run',
      targetId: run!.id,
      details: { status: run!.status },
    });
    return cancelInTransaction(tx, run!, `cancelled by ${ctx.actor.id}`);
  });
}

/** Cancels `run` and, for a workflow run, its active steps. */
export async function cancelInTransaction(
  tx: Transaction,
  run: RunRow,
  reason: string,
): Promise<RunRow> {
  if (run.runnerId === WORKFLOW_RUNNER) {
    // The workflow ends first, so its steps ending below do not advance it.
    const cancelled = await transitionRun(tx, run.id, {
      from: ['QUEUED', 'RUNNING'],
      to: 'CANCELLED',
      reason,
    });
    const steps = await tx
      .select()
      .from(runs)
      .where(and(eq(runs.parentRunId, run.id), inArray(runs.status, ['QUEUED', 'RUNNING'])));
    for (const step of steps)
      await cancelInTransaction(tx, step, `${reason} (the workflow was cancelled)`);
    return cancelled ?? run;
  }
  // A queued run, and one recorded from outside the hub (no worker holds it), end at once.
  if (run.status === 'QUEUED' || run.source === EXTERNAL_SOURCE) {
    return (
      (await transitionRun(tx, run.id, { from: ['QUEUED', 'RUNNING'], to: 'CANCELLED', reason })) ??
      run
    );
  }
  // A running step ends when its worker has stopped the runner (its AbortSignal fires).
  const [requested] = await tx
    .update(runs)
    .set({ cancelRequestedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(runs.id, run.id), eq(runs.status, 'RUNNING')))
    .returning();
  if (!requested) return run;
  await appendRunEvents(
    tx,
    run.id,
    [{ type: 'log', level: 'warn', message: `cancel requested: ${reason}` }],
    null,
  );
  await tx.execute(sql`select pg_notify('evalhub_run_cancel', ${run.id})`);
  return requested;
}
