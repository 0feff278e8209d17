// The run queue is the runs table: runs are queued as QUEUED rows; a worker claims the
// oldest QUEUED run of the highest priority with FOR UPDATE SKIP LOCKED (two workers never
// get the same run), holds it with a lease it renews, and a run whose lease ran out goes
// back to the queue or fails. The engine (src/engine) calls these; the rules are here.
import { and, asc, desc, eq, lt, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/connect.ts';
import { newId } from '../../db/ids.ts';
import type { Transaction } from '../../db/rows.ts';
import {
  artifacts,
  findings,
  metrics,
  projects,
  runInputs,
  runOutputs,
  runs,
} from '../../db/schema.ts';
import { ValidationError } from '../core/errors.ts';
import { appendRunEvents, type EventGuard, heldBy } from './events.ts';
import type { CheckedInput } from './inputs.ts';
import { computeRunKey } from './run-key.ts';
import { type RunRow, transitionRun } from './status.ts';

/** The pseudo-runner of workflow runs: no worker executes it; its steps drive it. */
export const WORKFLOW_RUNNER = 'workflow';

/** The source of runs recorded from outside the hub (external.ts): no worker executes them. */
export const EXTERNAL_SOURCE = 'external';

export interface QueueRunValues {
  projectId: string;
  /** `hostPrograms`: the runner runs programs of the host, only where the project allows it. */
  runner: { id: string; version: string; hostPrograms?: boolean | undefined };
  config: Record<string, unknown>;
  seed: number;
  inputs: readonly CheckedInput[];
  priority?: number;
  maxAttempts?: number;
  name?: string | null;
  tags?: string[];
  parentRunId?: string;
  stepId?: string;
  workflowVersionId?: string;
  retryOfId?: string;
  /** The finished run this one reproduces (reproduce.ts). */
  reproducesId?: string;
  /** Where the record comes from, when not the hub itself. */
  source?: string;
}

/** Inserts a QUEUED run with its inputs and first event, and wakes the workers on commit. */
export async function queueRun(
  tx: Transaction,
  createdBy: string,
  values: QueueRunValues,
): Promise<RunRow> {
  if (values.runner.hostPrograms) {
    const [project] = await tx
      .select({ slug: projects.slug, enabled: projects.commandRunnerEnabled })
      .from(projects)
      .where(eq(projects.id, values.projectId));
    if (!project?.enabled)
      throw new ValidationError(
        `project ${project?.slug} does not allow the ${values.runner.id} runner (a maintainer enables it with setProjectSettings)`,
        ['input', 'runner'],
      );
  }
  const id = newId();
  const [run] = await tx
    .insert(runs)
    .values({
      id,
      projectId: values.projectId,
      name: values.name ?? null,
      runnerId: values.runner.id,
      runnerVersion: values.runner.version,
      status: 'QUEUED',
      runKey: computeRunKey(values.runner, values.config, values.inputs, values.seed),
      config: values.config,
      seed: values.seed,
      priority: values.priority ?? 0,
      maxAttempts: values.maxAttempts ?? 3,
      tags: values.tags ?? [],
      parentRunId: values.parentRunId,
      stepId: values.stepId,
      workflowVersionId: values.workflowVersionId,
      retryOfId: values.retryOfId,
      reproducesId: values.reproducesId,
      source: values.source,
      createdBy,
    })
    .returning();
  if (values.inputs.length) {
    await tx.insert(runInputs).values(
      values.inputs.map((input) => ({
        runId: id,
        role: input.role,
        position: input.position,
        modelVersionId: input.kind === 'MODEL_VERSION' ? input.versionId : null,
        datasetVersionId: input.kind === 'DATASET_VERSION' ? input.versionId : null,
      })),
    );
  }
  await appendRunEvents(tx, id, [{ type: 'status', status: 'QUEUED' }], null);
  await tx.execute(sql`select pg_notify('evalhub_runs_queued', ${id})`);
  await tx.execute(
    sql`select pg_notify('evalhub_run_status', ${`${id}:${values.projectId}:QUEUED`})`,
  );
  return run!;
}

const leaseUntil = (leaseMs: number) => sql`now() + ${leaseMs} * interval '1 millisecond'`;

export async function claimNextRun(
  db: Database,
  workerId: string,
  executable: ReadonlyArray<{ id: string; version: string }>,
  leaseMs: number,
  environment: (runner: { id: string; version: string }) => Record<string, unknown>,
): Promise<RunRow | null> {
  if (!executable.length) return null;
  return db.transaction(async (tx) => {
    const [candidate] = await tx
      .select({ id: runs.id, runnerId: runs.runnerId, runnerVersion: runs.runnerVersion })
      .from(runs)
      .where(
        and(
          eq(runs.status, 'QUEUED'),
          or(
            ...executable.map((r) =>
              and(eq(runs.runnerId, r.id), eq(runs.runnerVersion, r.version)),
            ),
          ),
        ),
      )
      .orderBy(desc(runs.priority), asc(runs.createdAt), asc(runs.id))
      .limit(1)
      .for('update', { skipLocked: true });
    if (!candidate) return null;
    return transitionRun(tx, candidate.id, {
      from: ['QUEUED'],
      to: 'RUNNING',
      reason: `claimed by ${workerId}`,
      set: {
        leaseOwner: workerId,
        leaseExpiresAt: leaseUntil(leaseMs) as unknown as Date,
        attempt: sql`${runs.attempt} + 1` as unknown as number,
        startedAt: sql`coalesce(${runs.startedAt}, now())` as unknown as Date,
        environment: environment({ id: candidate.runnerId, version: candidate.runnerVersion }),
        cancelRequestedAt: null,
      },
    });
  });
}

/** Extends the lease; null when the worker no longer holds the run (or its lease ran out). */
export async function renewLease(
  db: Database,
  runId: string,
  guard: NonNullable<EventGuard>,
  leaseMs: number,
): Promise<{ cancelRequested: boolean } | null> {
  const [row] = await db
    .update(runs)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) as unknown as Date })
    .where(and(eq(runs.id, runId), heldBy(guard)))
    .returning({ cancelRequestedAt: runs.cancelRequestedAt });
  return row ? { cancelRequested: row.cancelRequestedAt !== null } : null;
}

/**
 * Runs whose worker stopped renewing its lease (it died, or lost the database): each goes
 * back to the queue for another attempt, or fails when it has had all its attempts. What
 * the abandoned attempt stored (metrics, findings, artifacts) is removed; its events stay.
 * Each run is handled in a transaction of its own, conditional on its lease still being
 * expired, so a worker renewing at that moment keeps its run.
 */
export async function reapExpiredLeases(db: Database): Promise<number> {
  const expiredNow = and(eq(runs.status, 'RUNNING'), lt(runs.leaseExpiresAt, sql`now()`));
  const expired = await db
    .select()
    .from(runs)
    .where(and(expiredNow, ne(runs.runnerId, WORKFLOW_RUNNER)))
    .limit(50);
  let reaped = 0;
  for (const run of expired) {
    const lost = `worker ${run.leaseOwner} stopped renewing its lease during attempt ${run.attempt}`;
    const cancelled = run.cancelRequestedAt !== null;
    const retry = run.attempt < run.maxAttempts && !cancelled;
    const done = await db.transaction(async (tx) => {
      const moved = await transitionRun(tx, run.id, {
        from: ['RUNNING'],
        where: and(expiredNow, eq(runs.attempt, run.attempt)),
        parentRunId: run.parentRunId,
        ...(retry
          ? {
              to: 'QUEUED',
              reason: `${lost}; queued for attempt ${run.attempt + 1} of ${run.maxAttempts}`,
              set: { leaseOwner: null, leaseExpiresAt: null },
            }
          : cancelled
            ? { to: 'CANCELLED', reason: `${lost} after cancel was requested` }
            : {
                to: 'FAILED',
                error: {
                  code: 'LEASE_EXPIRED',
                  message: `${lost}, its last (${run.maxAttempts} allowed)`,
                },
              }),
      });
      if (moved && retry) {
        await discardAttemptResults(tx, run.id);
        await tx.execute(sql`select pg_notify('evalhub_runs_queued', ${run.id})`);
      }
      return moved !== null;
    });
    if (done) reaped += 1;
  }
  return reaped;
}

/**
 * Removes what an abandoned attempt concluded, so that the next attempt starts clean and
 * nothing is counted twice. (Its events stay: they are the record of what happened. Dataset
 * versions it made stay too: they are content-addressed and the next attempt finds them.)
 */
async function discardAttemptResults(tx: Transaction, runId: string): Promise<void> {
  await tx.delete(metrics).where(eq(metrics.runId, runId));
  await tx.delete(findings).where(eq(findings.runId, runId));
  await tx.delete(artifacts).where(eq(artifacts.runId, runId));
  await tx.delete(runOutputs).where(eq(runOutputs.runId, runId));
}

/** Puts a run this worker holds back in the queue without counting the attempt (worker stopping). */
export async function releaseRun(
  db: Database,
  runId: string,
  guard: NonNullable<EventGuard>,
  why: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const released = await transitionRun(tx, runId, {
      from: ['RUNNING'],
      to: 'QUEUED',
      reason: why,
      guard,
      set: {
        leaseOwner: null,
        leaseExpiresAt: null,
        attempt: sql`${runs.attempt} - 1` as unknown as number,
      },
    });
    if (released) {
      await discardAttemptResults(tx, runId);
      await tx.execute(sql`select pg_notify('evalhub_runs_queued', ${runId})`);
    }
  });
}
