// Reproducing a run: executing it again with the same runner version, config, seed and
// inputs, after checking that the inputs still hold the content they recorded, as a new run
// linked to it (reproduces). When the new run ends, its verdict is recorded on it
// (reproduction-verdict.ts). Workflow runs are reproduced by workflows/reproduce.ts, which
// uses the checks here.
import type { Transaction } from '../../db/rows.ts';
import type { RunnerModule } from '../../runners/contract.ts';
import type { Actor } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { requireRoleInProject } from '../registry/projects.ts';
import { verifyRunInputContent } from './input-content.ts';
import { findRun } from './queries.ts';
import { HUB_SOURCE, queueRun } from './queue.ts';
import { RunNotReproducibleError, RunnerUnavailableError } from './reproduction-errors.ts';
import type { RunRow } from './status.ts';

/** Records in the audit log that `run` was queued to reproduce `original`. */
export async function recordReproduction(
  tx: Transaction,
  actor: Actor,
  run: RunRow,
  original: RunRow,
): Promise<void> {
  await recordAudit(tx, actor, {
    action: 'run.reproduce',
    projectId: run.projectId,
    targetType: 'Run',
    targetId: run.id,
    details: { reproduces: original.id },
  });
}

/**
 * The run `ref` names, once the actor may reproduce it (the role that starts runs in its
 * project) and it can be reproduced: executed by this hub, and succeeded. Its inputs are
 * checked by the caller, last, as the slowest check.
 */
export async function reproducibleRun(ctx: ServiceContext, ref: string): Promise<RunRow> {
  const run = await findRun(ctx, ref, ['id']);
  await requireRoleInProject(ctx.db, ctx.actor, run.projectId, 'contributor', 'reproducing a run');
  if (run.source !== HUB_SOURCE)
    throw new RunNotReproducibleError('EXTERNAL', run.status, run.source);
  if (run.status === 'QUEUED' || run.status === 'RUNNING')
    throw new RunNotReproducibleError('NOT_FINISHED', run.status, run.source);
  if (run.status !== 'SUCCEEDED')
    throw new RunNotReproducibleError('NOT_SUCCEEDED', run.status, run.source);
  return run;
}

/** The runner of this version, installed here; RunnerUnavailableError otherwise. */
export function installedRunner(ctx: ServiceContext, id: string, version: string): RunnerModule {
  const runner = ctx.runners.get(id);
  if (runner?.version !== version)
    throw new RunnerUnavailableError(id, version, runner?.version ?? null);
  return runner;
}

/** Reproduces a run of a runner (not a workflow run): checked by `reproducibleRun` first. */
export async function reproduceRunnerRun(ctx: ServiceContext, original: RunRow): Promise<RunRow> {
  const runner = installedRunner(ctx, original.runnerId, original.runnerVersion);
  const inputs = await verifyRunInputContent(ctx.db, original.id, {
    actor: ctx.actor,
    signal: ctx.signal,
    contentStore: ctx.localContent?.contentStore,
  });
  return ctx.db.transaction(async (tx) => {
    const run = await queueRun(tx, ctx.actor.id, {
      projectId: original.projectId,
      runner,
      config: original.config as Record<string, unknown>,
      seed: original.seed,
      inputs,
      priority: original.priority,
      maxAttempts: original.maxAttempts,
      name: original.name,
      tags: original.tags,
      reproducesId: original.id,
    });
    await recordReproduction(tx, ctx.actor, run, original);
    return run;
  });
}
