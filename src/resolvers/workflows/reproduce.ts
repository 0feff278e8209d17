// Reproducing any run the hub executed: a runner's run (runs/reproduce.ts), or a workflow
// run, which runs the plan it recorded again (each step's runner version, config and seed)
// on the same inputs, each step reproducing the original's step.
import { eq } from 'drizzle-orm';
import { workflowVersions } from '../../db/schema.ts';
import type { ServiceContext } from '../core/context.ts';
import { verifyRunInputContent } from '../runs/input-content.ts';
import { WORKFLOW_RUNNER } from '../runs/queue.ts';
import {
  installedRunner,
  recordReproduction,
  reproduceRunnerRun,
  reproducibleRun,
} from '../runs/reproduce.ts';
import type { RunRow } from '../runs/status.ts';
import { launchWorkflow, type WorkflowPlan } from './runs.ts';

/**
 * Re-executes a run that succeeded, as a new run that `reproduces` it, once its runners are
 * installed in the versions it used and its inputs hold the content they recorded; the new
 * run's verdict (REPRODUCED or NOT_REPRODUCED) is recorded when it ends.
 */
export async function reproduceRun(ctx: ServiceContext, ref: string): Promise<RunRow> {
  const original = await reproducibleRun(ctx, ref);
  if (original.runnerId !== WORKFLOW_RUNNER) return reproduceRunnerRun(ctx, original);
  const plan = original.config as unknown as WorkflowPlan;
  for (const step of plan.steps) installedRunner(ctx, step.runner, step.runnerVersion);
  const inputs = await verifyRunInputContent(ctx.db, original.id, {
    actor: ctx.actor,
    signal: ctx.signal,
    contentStore: ctx.localContent?.contentStore,
  });
  return ctx.db.transaction(async (tx) => {
    const [workflowVersion] = await tx
      .select({ id: workflowVersions.id, digest: workflowVersions.digest })
      .from(workflowVersions)
      .where(eq(workflowVersions.id, original.workflowVersionId!));
    const run = await launchWorkflow(tx, ctx.actor.id, {
      projectId: original.projectId,
      workflowVersion: workflowVersion!,
      plan,
      seed: original.seed,
      inputs,
      priority: original.priority,
      name: original.name,
      reproducesId: original.id,
    });
    await recordReproduction(tx, ctx.actor, run, original);
    return run;
  });
}
