// Starting and retrying runs. Everything is checked before a run is queued (queue.ts).

import { and, asc, desc, eq } from 'drizzle-orm';
import { runInputs, runs } from '../../db/schema.ts';
import type { RunnerModule } from '../../runners/contract.ts';
import { visibleProjects } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { ConflictError, ValidationError, zodIssueToValidationError } from '../core/errors.ts';
import { encodeGlobalId } from '../core/global-id.ts';
import { normaliseTags } from '../registry/catalogue.ts';
import { ensureProject, requireRoleInProject } from '../registry/projects.ts';
import { TERMINAL_STATUSES } from './events.ts';
import { checkRunInputs, type RunInputRequest } from './inputs.ts';
import { findRun } from './queries.ts';
import { HUB_SOURCE, queueRun, WORKFLOW_RUNNER } from './queue.ts';
import { computeRunKey } from './run-key.ts';
import type { RunRow } from './status.ts';

/** Seeds fit a GraphQL Int and every common random generator (numpy, torch, Python). */
export const MAX_SEED = 2 ** 31 - 1;

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
  const inputs = await checkRunInputs(ctx, runner, input.inputs ?? [], ['input', 'inputs']);
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

/** A new run of the same work as a run that ended (same runner, config, inputs, seed). */
export async function retryRun(ctx: ServiceContext, ref: string): Promise<RunRow> {
  const previous = await findRun(ctx, ref, ['id']);
  await requireRoleInProject(
    ctx.db,
    ctx.actor,
    previous.projectId,
    'contributor',
    'retrying a run',
  );
  if (!TERMINAL_STATUSES.includes(previous.status)) {
    throw new ConflictError(`the run is still ${previous.status}; cancel it first`, {
      type: 'Run',
      id: previous.id,
    });
  }
  // Only what the hub executed is retried here: a record of another tool's run (an external
  // run, an OpenLineage or checkmaite import) names whatever runner, config and inputs it said.
  if (previous.source !== HUB_SOURCE) {
    throw new ValidationError('a run recorded outside the hub is retried where it ran', ['id']);
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
  // Checked as a new run's: the retrier must see each input, and the hub may read it for them.
  const given = await ctx.db
    .select()
    .from(runInputs)
    .where(eq(runInputs.runId, previous.id))
    .orderBy(asc(runInputs.role), asc(runInputs.position));
  const inputs = await checkRunInputs(
    ctx,
    runner,
    given.map((input) => ({
      role: input.role,
      version: input.modelVersionId
        ? encodeGlobalId('ModelVersion', input.modelVersionId)
        : encodeGlobalId('DatasetVersion', input.datasetVersionId!),
    })),
    ['id', 'inputs'],
  );
  return ctx.db.transaction(async (tx) => {
    const run = await queueRun(tx, ctx.actor.id, {
      projectId: previous.projectId,
      runner,
      config: previous.config as Record<string, unknown>,
      seed: previous.seed,
      inputs,
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
