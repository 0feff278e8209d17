// Starting, cancelling and retrying runs. Everything is checked before a run is queued;
// the queue is the runs table itself, which workers claim from (src/engine).
import { createHash } from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import { selectRows, type Transaction } from '../../db/rows.ts';
import { runInputs, runs } from '../../db/schema.ts';
import type { RunnerModule } from '../../runners/contract.ts';
import { visibleProjects } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import { canonicalJson } from '../core/canonical-json.ts';
import type { ServiceContext } from '../core/context.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { parseRef } from '../core/refs.ts';
import { normaliseTags } from '../registry/catalogue.ts';
import { ensureProject } from '../registry/projects.ts';
import { zodIssueToValidationError } from '../workflows/spec.ts';
import { appendRunEvents, TERMINAL_STATUSES } from './events.ts';
import { type CheckedInput, checkRunInputs, type RunInputRequest } from './inputs.ts';
import { type RunRow, transitionRun } from './status.ts';

/** Seeds fit a GraphQL Int and every common random generator (numpy, torch, Python). */
export const MAX_SEED = 2 ** 31 - 1;

/**
 * The run key: sha256 of the canonical JSON of the runner and its version, the config with
 * defaults applied, the input digests by role, and the seed. The same key, the same work.
 */
export function computeRunKey(
  runner: { id: string; version: string },
  config: unknown,
  inputs: ReadonlyArray<Pick<CheckedInput, 'role' | 'position' | 'digest'>>,
  seed: number,
): string {
  const ordered = [...inputs]
    .sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : a.position - b.position))
    .map(({ role, digest }) => ({ role, digest }));
  const document = canonicalJson({
    runner: { id: runner.id, version: runner.version },
    config,
    inputs: ordered,
    seed,
  });
  return `sha256:${createHash('sha256').update(document).digest('hex')}`;
}

export function runnerOrError(ctx: ServiceContext, id: string, path: string[]): RunnerModule {
  const runner = ctx.runners.get(id);
  if (!runner) {
    const known = ctx.runners
      .list()
      .map((r) => r.id)
      .join(', ');
    throw new ValidationError(`no runner ${JSON.stringify(id)} (known: ${known})`, path);
  }
  return runner;
}

/** The runner's config with its defaults applied; a ValidationError pointing into the config otherwise. */
export function checkRunnerConfig(
  runner: RunnerModule,
  config: unknown,
  path: string[],
): Record<string, unknown> {
  const parsed = runner.config.safeParse(config ?? {});
  if (!parsed.success) throw zodIssueToValidationError(parsed.error, path);
  return parsed.data as Record<string, unknown>;
}

export function checkSeed(seed: number | null | undefined, path: string[]): number {
  const value = seed ?? 0;
  if (!Number.isInteger(value) || value < 0 || value > MAX_SEED) {
    throw new ValidationError(`a seed is a whole number from 0 to ${MAX_SEED}`, path);
  }
  return value;
}

export interface QueueRunValues {
  projectId: string;
  runner: { id: string; version: string };
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
}

/** Inserts a QUEUED run with its inputs and first event, and wakes the workers on commit. */
export async function queueRun(
  tx: Transaction,
  createdBy: string,
  values: QueueRunValues,
): Promise<RunRow> {
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

export interface StartRunInput {
  project: string;
  runner: string;
  inputs?: readonly RunInputRequest[] | null | undefined;
  config?: unknown;
  seed?: number | null | undefined;
  priority?: number | null | undefined;
  maxAttempts?: number | null | undefined;
  reuse?: boolean | null | undefined;
  name?: string | null | undefined;
  tags?: readonly string[] | null | undefined;
}

/**
 * Queues a run after checking its runner, config and inputs. With `reuse`, a SUCCEEDED run
 * with the same run key (the same work) is returned instead.
 */
export async function startRun(
  ctx: ServiceContext,
  input: StartRunInput,
): Promise<{ run: RunRow; reused: boolean }> {
  const runner = runnerOrError(ctx, input.runner, ['input', 'runner']);
  const config = checkRunnerConfig(runner, input.config, ['input', 'config']);
  const seed = checkSeed(input.seed, ['input', 'seed']);
  const priority = input.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > 1000) {
    throw new ValidationError('priority is a whole number from -1000 to 1000', [
      'input',
      'priority',
    ]);
  }
  const maxAttempts = input.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
    throw new ValidationError('maxAttempts is a whole number from 1 to 20', [
      'input',
      'maxAttempts',
    ]);
  }
  const tags = input.tags ? normaliseTags(input.tags, ['input', 'tags']) : [];
  const inputs = await checkRunInputs(ctx.db, ctx.actor, runner, input.inputs ?? [], [
    'input',
    'inputs',
  ]);
  return ctx.db.transaction(async (tx) => {
    const project = await ensureProject(tx, ctx.actor, input.project, ['input', 'project']);
    if (input.reuse) {
      const key = computeRunKey(runner, config, inputs, seed);
      const [previous] = await tx
        .select()
        .from(runs)
        .where(
          and(
            eq(runs.runKey, key),
            eq(runs.status, 'SUCCEEDED'),
            visibleProjects(ctx.actor, runs.projectId),
          ),
        )
        .orderBy(desc(runs.finishedAt))
        .limit(1);
      if (previous) return { run: previous, reused: true };
    }
    const run = await queueRun(tx, ctx.actor.id, {
      projectId: project.id,
      runner,
      config,
      seed,
      inputs,
      priority,
      maxAttempts,
      name: input.name ?? null,
      tags,
    });
    await recordAudit(tx, ctx.actor, {
      action: 'run.start',
      projectId: project.id,
      targetType: 'Run',
      targetId: run.id,
      details: { runner: runner.id, version: runner.version, runKey: run.runKey, seed },
    });
    return { run, reused: false };
  });
}

/** The run named by `ref` (a global id), if the actor may see it. */
export async function findRun(ctx: ServiceContext, ref: string, path: string[]): Promise<RunRow> {
  const parsed = parseRef(ref, ['Run'], path, false);
  if (parsed.kind !== 'id') throw new ValidationError('a run is named by its id', path);
  const [run] = await ctx.db
    .select()
    .from(runs)
    .where(and(eq(runs.id, parsed.id), visibleProjects(ctx.actor, runs.projectId)));
  if (!run) throw new NotFoundError('run', ref);
  return run;
}

/**
 * Cancels a run: a QUEUED run at once; a RUNNING one is asked to stop (its runner's
 * AbortSignal fires) and becomes CANCELLED when it has. A workflow run cancels its steps.
 */
export async function cancelRun(ctx: ServiceContext, ref: string): Promise<RunRow> {
  const target = await findRun(ctx, ref, ['id']);
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
  if (run.status === 'QUEUED') {
    return (await transitionRun(tx, run.id, { from: ['QUEUED'], to: 'CANCELLED', reason })) ?? run;
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

/** The pseudo-runner of workflow runs: no worker executes it; its steps drive it. */
export const WORKFLOW_RUNNER = 'workflow';

/** A new run of the same work as a run that ended (same runner, config, inputs, seed). */
export async function retryRun(ctx: ServiceContext, ref: string): Promise<RunRow> {
  const previous = await findRun(ctx, ref, ['id']);
  if (!TERMINAL_STATUSES.includes(previous.status)) {
    throw new ConflictError(`the run is still ${previous.status}; cancel it first`, {
      type: 'Run',
      id: previous.id,
    });
  }
  if (previous.runnerId === WORKFLOW_RUNNER) {
    throw new ValidationError('retry a workflow run by starting the workflow again', ['id']);
  }
  const runner = ctx.runners.get(previous.runnerId);
  if (!runner || runner.version !== previous.runnerVersion) {
    throw new ValidationError(
      `runner ${previous.runnerId}@${previous.runnerVersion} is not available here${runner ? ` (this hub has ${runner.version})` : ''}`,
      ['id'],
    );
  }
  return ctx.db.transaction(async (tx) => {
    const inputs = await tx.select().from(runInputs).where(eq(runInputs.runId, previous.id));
    const digests = await inputDigests(tx, previous.id);
    const run = await queueRun(tx, ctx.actor.id, {
      projectId: previous.projectId,
      runner,
      config: previous.config as Record<string, unknown>,
      seed: previous.seed,
      inputs: inputs.map((input) => ({
        role: input.role,
        position: input.position,
        kind: input.modelVersionId ? 'MODEL_VERSION' : 'DATASET_VERSION',
        versionId: (input.modelVersionId ?? input.datasetVersionId)!,
        digest: digests.get(`${input.role}:${input.position}`)!,
        format: '',
      })),
      priority: previous.priority,
      maxAttempts: previous.maxAttempts,
      name: previous.name,
      tags: previous.tags,
      retryOfId: previous.id,
    });
    await recordAudit(tx, ctx.actor, {
      action: 'run.retry',
      projectId: run.projectId,
      targetType: 'Run',
      targetId: run.id,
      details: { retryOf: previous.id },
    });
    return run;
  });
}

async function inputDigests(tx: Transaction, runId: string): Promise<Map<string, string>> {
  const rows = await selectRows<{ key: string; digest: string }>(
    tx,
    sql`select i.role || ':' || i.position as key, coalesce(m.digest, d.digest) as digest
        from run_inputs i
        left join model_versions m on m.id = i.model_version_id
        left join dataset_versions d on d.id = i.dataset_version_id
        where i.run_id = ${runId}`,
  );
  return new Map(rows.map((row) => [row.key, row.digest]));
}
