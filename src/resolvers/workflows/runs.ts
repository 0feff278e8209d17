// Running a workflow version: a parent run whose steps are child runs. Everything is
// planned and checked when the workflow starts (runners, configs, inputs); afterwards each
// step that ends advances the plan, in the same transaction: it queues the steps now
// unblocked, or ends the parent (SUCCEEDED when all steps did, FAILED when one failed).

import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Transaction } from '../../db/rows.ts';
import {
  datasetVersions,
  modelVersions,
  runInputs,
  runs,
  workflows,
  workflowVersions,
} from '../../db/schema.ts';
import type { VersionKind } from '../../runners/contract.ts';
import { visibleProjects } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { encodeGlobalId } from '../core/global-id.ts';
import { parseRef } from '../core/refs.ts';
import { requireRoleInProject } from '../registry/projects.ts';
import { cancelInTransaction } from '../runs/cancel.ts';
import { appendRunEvents, TERMINAL_STATUSES } from '../runs/events.ts';
import { type CheckedInput, checkRunInputs, resolveInputVersion } from '../runs/inputs.ts';
import { queueRun, WORKFLOW_RUNNER } from '../runs/queue.ts';
import { computeRunKey } from '../runs/run-key.ts';
import { checkRunnerConfig, checkSeed, runnerOrError } from '../runs/start.ts';
import { onStepEnded, type RunRow, transitionRun } from '../runs/status.ts';
import { checkStepRequirements, closeRequirements } from './requirements.ts';
import type { Requirement, WorkflowSpec } from './spec.ts';

/** One step as planned when the workflow started: exactly what its run will be. */
export interface PlannedStep {
  id: string;
  runner: string;
  runnerVersion: string;
  config: Record<string, unknown>;
  seed: number;
  /** The runner's roles, each bound to a workflow input. */
  inputs: Record<string, string>;
  dependsOn: string[];
}

export interface WorkflowPlan {
  steps: PlannedStep[];
  /** Checked after each step; absent in plans made before requirements were checked. */
  requirements?: Requirement[];
}

/** A step's seed: derived from the workflow's seed and the step id, so steps differ but repeat. */
export function stepSeed(seed: number, stepId: string): number {
  return createHash('sha256').update(`${seed}:${stepId}`).digest().readUInt32BE(0) >>> 1;
}

export interface StartWorkflowInput {
  workflowVersion: string;
  /** Each of the spec's inputs, by name. */
  inputs?: ReadonlyArray<{ role: string; version: string }> | null | undefined;
  seed?: number | null | undefined;
  priority?: number | null | undefined;
  name?: string | null | undefined;
}

export async function startWorkflow(
  ctx: ServiceContext,
  input: StartWorkflowInput,
): Promise<RunRow> {
  const ref = parseRef(
    input.workflowVersion,
    ['WorkflowVersion'],
    ['input', 'workflowVersion'],
    false,
  );
  if (ref.kind !== 'id')
    throw new ValidationError('a workflow version is named by its id', [
      'input',
      'workflowVersion',
    ]);
  const [found] = await ctx.db
    .select({ version: workflowVersions, projectId: workflows.projectId })
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(and(eq(workflowVersions.id, ref.id), visibleProjects(ctx.actor, workflows.projectId)));
  if (!found) throw new NotFoundError('workflow version', input.workflowVersion);
  await requireRoleInProject(
    ctx.db,
    ctx.actor,
    found.projectId,
    'contributor',
    'starting a workflow',
  );
  const spec = found.version.spec as WorkflowSpec;
  // Versions made by imports (OpenLineage jobs, checkmaite capabilities) record what ran
  // elsewhere; they have no steps to run here.
  if (!Array.isArray(spec.steps)) {
    throw new ValidationError(
      'this workflow version records runs imported from another tool; it has no steps to run',
      ['input', 'workflowVersion'],
    );
  }
  const seed = checkSeed(input.seed, ['input', 'seed']);

  // The workflow's inputs, checked by kind.
  const given = new Map((input.inputs ?? []).map((i, index) => [i.role, { ...i, index }]));
  for (const name of given.keys()) {
    if (!spec.inputs.some((declared) => declared.name === name)) {
      throw new ValidationError(`the workflow has no input ${name}`, [
        'input',
        'inputs',
        String(given.get(name)!.index),
        'role',
      ]);
    }
  }
  const bound = new Map<string, CheckedInput>();
  for (const declared of spec.inputs) {
    const value = given.get(declared.name);
    if (!value)
      throw new ValidationError(
        `the workflow needs its input ${declared.name} (${declared.kind})`,
        ['input', 'inputs'],
      );
    const version = await resolveInputVersion(
      ctx.db,
      ctx.actor,
      declared.kind as VersionKind,
      value.version,
      ['input', 'inputs', String(value.index), 'version'],
    );
    bound.set(declared.name, {
      role: declared.name,
      position: 0,
      kind: declared.kind as VersionKind,
      ...version,
    });
  }

  // Every step planned and checked before anything is queued.
  const plan: WorkflowPlan = {
    steps: spec.steps.map((step, i) => {
      const where = ['workflowVersion', 'spec', 'steps', String(i)];
      const runner = runnerOrError(ctx, step.runner, [...where, 'runner']);
      return {
        id: step.id,
        runner: runner.id,
        runnerVersion: runner.version,
        config: checkRunnerConfig(runner, step.config, [...where, 'config']),
        seed: stepSeed(seed, step.id),
        inputs: step.inputs,
        dependsOn: step.dependsOn,
      };
    }),
    requirements: spec.requirements,
  };
  for (const [i, step] of plan.steps.entries()) {
    const runner = ctx.runners.get(step.runner)!;
    await checkRunInputs(
      ctx,
      runner,
      Object.entries(step.inputs).map(([role, name]) => ({
        role,
        version: globalIdOf(bound.get(name)!),
      })),
      ['workflowVersion', 'spec', 'steps', String(i), 'inputs'],
    );
  }

  return ctx.db.transaction(async (tx) => {
    const running = await launchWorkflow(tx, ctx.actor.id, {
      projectId: found.projectId,
      workflowVersion: found.version,
      plan,
      seed,
      inputs: [...bound.values()],
      priority: input.priority ?? 0,
      name: input.name ?? null,
    });
    await recordAudit(tx, ctx.actor, {
      action: 'workflow.start',
      projectId: found.projectId,
      targetType: 'Run',
      targetId: running.id,
      details: { workflowVersion: found.version.id, seed },
    });
    return running;
  });
}

export interface WorkflowLaunch {
  projectId: string;
  workflowVersion: { id: string; digest: string };
  plan: WorkflowPlan;
  seed: number;
  inputs: CheckedInput[];
  priority: number;
  name: string | null;
  /** The workflow run this one reproduces (its steps then reproduce its steps). */
  reproducesId?: string;
}

/** Queues a workflow run of a checked plan, sets it RUNNING and queues its first steps. */
export async function launchWorkflow(
  tx: Transaction,
  createdBy: string,
  launch: WorkflowLaunch,
): Promise<RunRow> {
  const { plan, seed, inputs } = launch;
  const workflowRunner = { id: WORKFLOW_RUNNER, version: launch.workflowVersion.digest };
  const parent = await queueRun(tx, createdBy, {
    projectId: launch.projectId,
    runner: workflowRunner,
    config: plan as unknown as Record<string, unknown>,
    seed,
    inputs,
    priority: launch.priority,
    maxAttempts: 1,
    name: launch.name,
    workflowVersionId: launch.workflowVersion.id,
    reproducesId: launch.reproducesId,
  });
  const running = await transitionRun(tx, parent.id, {
    from: ['QUEUED'],
    to: 'RUNNING',
    reason: `workflow of ${plan.steps.length} step(s)`,
    set: { startedAt: new Date(), runKey: computeRunKey(workflowRunner, plan, inputs, seed) },
  });
  await queueUnblockedSteps(tx, running!, plan, []);
  return running!;
}

const globalIdOf = (input: CheckedInput) =>
  encodeGlobalId(
    input.kind === 'MODEL_VERSION' ? 'ModelVersion' : 'DatasetVersion',
    input.versionId,
  );

/** The parent's inputs (the workflow's, by name), as checked inputs for its steps. */
async function workflowInputs(
  tx: Transaction,
  parentId: string,
): Promise<Map<string, CheckedInput>> {
  const rows = await tx
    .select({ input: runInputs, model: modelVersions, dataset: datasetVersions })
    .from(runInputs)
    .leftJoin(modelVersions, eq(modelVersions.id, runInputs.modelVersionId))
    .leftJoin(datasetVersions, eq(datasetVersions.id, runInputs.datasetVersionId))
    .where(eq(runInputs.runId, parentId));
  return new Map(
    rows.map(({ input, model, dataset }) => {
      const version = (model ?? dataset)!;
      return [
        input.role,
        {
          role: input.role,
          position: 0,
          kind: model ? 'MODEL_VERSION' : 'DATASET_VERSION',
          versionId: version.id,
          digest: version.digest,
          format: version.format,
        } satisfies CheckedInput,
      ];
    }),
  );
}

async function queueUnblockedSteps(
  tx: Transaction,
  parent: RunRow,
  plan: WorkflowPlan,
  children: RunRow[],
) {
  const started = new Set(children.map((child) => child.stepId));
  const succeeded = new Set(children.filter((c) => c.status === 'SUCCEEDED').map((c) => c.stepId));
  const ready = plan.steps.filter(
    (step) => !started.has(step.id) && step.dependsOn.every((d) => succeeded.has(d)),
  );
  if (!ready.length) return;
  const bound = await workflowInputs(tx, parent.id);
  const reproduced = parent.reproducesId
    ? await tx
        .select({ id: runs.id, stepId: runs.stepId })
        .from(runs)
        .where(eq(runs.parentRunId, parent.reproducesId))
    : [];
  for (const step of ready) {
    const child = await queueRun(tx, parent.createdBy, {
      projectId: parent.projectId,
      runner: { id: step.runner, version: step.runnerVersion },
      config: step.config,
      seed: step.seed,
      inputs: Object.entries(step.inputs).map(([role, name]) => ({ ...bound.get(name)!, role })),
      priority: parent.priority,
      parentRunId: parent.id,
      stepId: step.id,
      workflowVersionId: parent.workflowVersionId!,
      reproducesId: reproduced.find((original) => original.stepId === step.id)?.id,
    });
    await appendRunEvents(
      tx,
      parent.id,
      [{ type: 'step', stepId: step.id, runId: child.id, status: 'QUEUED' }],
      null,
    );
  }
}

/**
 * Called in the transaction that ends a step: queues what the step unblocked, or ends the
 * workflow run. Locks the parent, so steps ending at once advance it one at a time.
 */
export async function advanceWorkflow(
  tx: Transaction,
  parentId: string,
  step: RunRow,
): Promise<void> {
  const [parent] = await tx.select().from(runs).where(eq(runs.id, parentId)).for('update');
  if (!parent || TERMINAL_STATUSES.includes(parent.status)) return;
  const plan = parent.config as unknown as WorkflowPlan;
  await appendRunEvents(
    tx,
    parent.id,
    [
      {
        type: 'step',
        stepId: step.stepId!,
        runId: step.id,
        status: step.status,
        ...(step.error ? { reason: (step.error as { message: string }).message } : {}),
      },
    ],
    null,
  );
  const children = await tx.select().from(runs).where(eq(runs.parentRunId, parent.id));
  const done = children.filter((child) => child.status === 'SUCCEEDED').length;
  await appendRunEvents(
    tx,
    parent.id,
    [
      {
        type: 'progress',
        fraction: done / plan.steps.length,
        stage: 'steps',
        message: `${done} of ${plan.steps.length} steps done`,
      },
    ],
    null,
  );
  if (step.status !== 'SUCCEEDED') {
    // The parent ends first, so the steps cancelled below do not advance it again.
    const why = (step.error as { message?: string } | null)?.message ?? step.status.toLowerCase();
    await transitionRun(tx, parent.id, {
      from: ['RUNNING'],
      to: 'FAILED',
      error: {
        code: 'STEP_FAILED',
        message: `step ${step.stepId} ${step.status.toLowerCase()}: ${why}`,
      },
    });
    const active = children.filter(
      (child) => child.status === 'QUEUED' || child.status === 'RUNNING',
    );
    for (const child of active)
      await cancelInTransaction(tx, child, `step ${step.stepId} ${step.status.toLowerCase()}`);
    return;
  }
  await checkStepRequirements(tx, parent.id, plan.requirements ?? [], step);
  if (done === plan.steps.length) {
    await closeRequirements(tx, parent.id, plan.requirements ?? []);
    await transitionRun(tx, parent.id, { from: ['RUNNING'], to: 'SUCCEEDED' });
    return;
  }
  await queueUnblockedSteps(tx, parent, plan, children);
}

onStepEnded(advanceWorkflow);
