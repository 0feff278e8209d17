// Executing one claimed run: hand the runner its context, store what it emits, renew the
// lease, honour cancellation, and record how it ended.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db/connect.ts';
import type { Listener } from '../db/listener.ts';
import { log } from '../logger.ts';
import { LeaseLostError, type NewRunEvent } from '../resolvers/runs/events.ts';
import { verifyRunInputContent } from '../resolvers/runs/input-content.ts';
import { loadResolvedInputs } from '../resolvers/runs/inputs.ts';
import { recordDatasetOutput } from '../resolvers/runs/outputs.ts';
import { releaseRun, renewLease } from '../resolvers/runs/queue.ts';
import { InputContentError } from '../resolvers/runs/reproduction-errors.ts';
import { type RunRow, transitionRun } from '../resolvers/runs/status.ts';
import type { Emitter, ResolvedInput, RunContext } from '../runners/contract.ts';
import type { RunnerRegistry } from '../runners/registry.ts';
import { EventWriter } from './event-writer.ts';
import { keepLease } from './lease-keeper.ts';

export interface ExecutionSettings {
  db: Database;
  listener: Listener;
  runners: RunnerRegistry;
  workerId: string;
  leaseMs: number;
  /** How long a runner has to stop after its AbortSignal fires before it is given up on. */
  cancelGraceMs: number;
  /** Scratch folders of runs are made in here. */
  workRoot: string;
  /** Datasets runs make are kept in here. */
  storeDir: string;
}

/** Why a run's AbortSignal fired. */
export type StopReason =
  | 'cancelled'
  | 'lease-lost'
  | 'lease-unrenewed'
  | 'shutdown'
  | 'store-failed';

/** The worker no longer holds the run, or cannot be sure it does: it is fenced off it. */
const FENCED: readonly StopReason[] = ['lease-lost', 'lease-unrenewed'];

export class RunStopped extends Error {
  readonly reason: StopReason;
  /** What the run started must end at once (runners/contract.ts): another attempt may follow. */
  readonly immediate: boolean;
  constructor(reason: StopReason) {
    super(
      {
        cancelled: 'cancelled',
        'lease-lost': 'the worker lost the run',
        'lease-unrenewed': 'the worker could not renew its lease in time',
        shutdown: 'the worker is stopping',
        'store-failed': 'storing what the run emitted failed',
      }[reason],
    );
    this.reason = reason;
    this.immediate = FENCED.includes(reason);
  }
}

interface OutputSettings {
  db: Database;
  runId: string;
  guard: { workerId: string; attempt: number };
  storeDir: string;
}

function emitterFor(
  writer: EventWriter,
  inputs: Record<string, ResolvedInput[]>,
  outputs: OutputSettings,
): Emitter {
  const push = (event: NewRunEvent) => writer.push(event);
  const artifactNames = new Set<string>();
  const outputNames = new Set<string>();
  return {
    progress: (progress) => push({ type: 'progress', ...progress }),
    log: (level, message) => push({ type: 'log', level, message }),
    metric: (metric) => {
      if (!Number.isFinite(metric.value))
        throw new Error(`metric ${metric.key} is not a finite number: ${metric.value}`);
      push({ type: 'metric', metric });
    },
    finding: (finding) => {
      const subject = finding.subjectRole ? inputs[finding.subjectRole]?.[0] : undefined;
      push({
        type: 'finding',
        finding,
        subject: subject && { kind: subject.kind, id: subject.id },
      });
    },
    artifact: (artifact) => {
      if (artifactNames.has(artifact.name))
        throw new Error(`an artifact named ${artifact.name} was already emitted`);
      artifactNames.add(artifact.name);
      push({ type: 'artifact', ...artifact });
    },
    datasetOutput: async (output) => {
      const source = inputs[output.derivedFrom]?.[0];
      if (source?.kind !== 'DATASET_VERSION')
        throw new Error(
          `dataset output ${output.name}: no dataset input ${output.derivedFrom} to derive from`,
        );
      if (outputNames.has(output.name))
        throw new Error(`a dataset output named ${output.name} was already emitted`);
      outputNames.add(output.name);
      if (writer.error) throw writer.error;
      const stored = await recordDatasetOutput(
        outputs.db,
        {
          runId: outputs.runId,
          guard: outputs.guard,
          name: output.name,
          path: output.path,
          format: output.format,
          sourceVersionId: source.id,
          transform: output.transform,
          labels: output.labels,
          itemCount: output.itemCount,
          metadata: output.metadata,
        },
        outputs.storeDir,
      );
      push({
        type: 'output',
        name: output.name,
        datasetVersionId: stored.id,
        digest: stored.digest,
      });
      return stored;
    },
    flushed: () => writer.flushed(),
  };
}

/**
 * Runs `run` (already claimed by this worker, with a claim sent at `leasedAt`, a
 * `performance.now()` time) to its end; `stop` aborts it from outside.
 */
export async function executeRun(
  settings: ExecutionSettings,
  run: RunRow,
  leasedAt: number,
  stopSignal: AbortSignal,
): Promise<void> {
  const { db, workerId } = settings;
  const guard = { workerId, attempt: run.attempt };
  const writer = new EventWriter(db, run.id, guard);
  const controller = new AbortController();
  const stop = (reason: StopReason) => {
    if (controller.signal.aborted) return;
    // A worker fenced off its run writes nothing more for it, not even what was emitted.
    if (FENCED.includes(reason))
      writer.fence(new LeaseLostError(`run ${run.id} is no longer held by ${workerId}`));
    controller.abort(new RunStopped(reason));
  };
  writer.onError = (error) => stop(error instanceof LeaseLostError ? 'lease-lost' : 'store-failed');

  const lease = keepLease({
    renew: () => renewLease(db, run.id, guard, settings.leaseMs),
    holding: { run: run.id, worker: guard.workerId },
    leaseMs: settings.leaseMs,
    leasedAt,
    onLost: (why) => stop(why === 'lost' ? 'lease-lost' : 'lease-unrenewed'),
    onCancelRequested: () => stop('cancelled'),
  });
  const stopOnCancel = settings.listener.on('evalhub_run_cancel', (payload) => {
    if (payload === run.id) stop('cancelled');
  });
  const onShutdown = () => stop('shutdown');
  stopSignal.addEventListener('abort', onShutdown);
  if (run.cancelRequestedAt) stop('cancelled');

  await mkdir(settings.workRoot, { recursive: true });
  const workDir = await mkdtemp(join(settings.workRoot, `${run.id}-`));
  let failure: Error | null = null;
  try {
    const runner = settings.runners.get(run.runnerId);
    if (!runner || runner.version !== run.runnerVersion) {
      throw new Error(`this worker has no runner ${run.runnerId}@${run.runnerVersion}`);
    }
    // A reproduction runs only on inputs that still hold what the original recorded.
    if (run.reproducesId)
      await verifyRunInputContent(db, run.id, {
        signal: controller.signal,
        contentStore: settings.storeDir,
      });
    const inputs = await loadResolvedInputs(db, run.id, settings.storeDir);
    const context: RunContext<unknown> = {
      runId: run.id,
      inputs,
      config: runner.config.parse(run.config),
      seed: run.seed,
      signal: controller.signal,
      workDir,
      lease,
      emit: emitterFor(writer, inputs, {
        db,
        runId: run.id,
        guard,
        storeDir: settings.storeDir,
      }),
    };
    // A runner that ignores its AbortSignal is given up on after the grace period, counted
    // from the abort even when that came before the runner started.
    const gaveUp = new Promise<never>((_, reject) => {
      const giveUp = () =>
        setTimeout(() => reject(controller.signal.reason), settings.cancelGraceMs).unref();
      if (controller.signal.aborted) giveUp();
      else controller.signal.addEventListener('abort', giveUp, { once: true });
    });
    gaveUp.catch(() => {}); // rejected after the runner has ended, it matters to no one
    await Promise.race([runner.run(context), gaveUp]);
    await writer.drain();
  } catch (error) {
    failure = error as Error;
  } finally {
    lease.end();
    stopOnCancel();
    stopSignal.removeEventListener('abort', onShutdown);
    await rm(workDir, { recursive: true, force: true }).catch(() => {});
  }

  const stopped = controller.signal.aborted
    ? (controller.signal.reason as RunStopped).reason
    : null;
  if (stopped && FENCED.includes(stopped)) {
    log.warn('gave up a run whose lease was lost', { run: run.id, worker: workerId });
    return;
  }
  if (stopped === 'shutdown') {
    await writer.drain().catch(() => {});
    await releaseRun(db, run.id, guard, `worker ${workerId} stopped; queued again`);
    log.info('gave a run back to the queue, stopping', { run: run.id, worker: workerId });
    return;
  }
  // Store what was emitted before the run ended; then end it (only if still ours).
  await writer.drain().catch((error: Error) => {
    failure ??= error;
  });
  if (writer.error instanceof LeaseLostError) {
    log.warn('gave up a run whose lease was lost', { run: run.id, worker: workerId });
    return;
  }
  const ending = { from: ['RUNNING'] as const, guard, parentRunId: run.parentRunId };
  const ended = await db.transaction((tx) =>
    transitionRun(
      tx,
      run.id,
      stopped === 'cancelled'
        ? { ...ending, to: 'CANCELLED', reason: 'cancelled' }
        : writer.error
          ? {
              ...ending,
              to: 'FAILED',
              error: { code: 'STORE_FAILED', message: writer.error.message },
            }
          : failure
            ? {
                ...ending,
                to: 'FAILED',
                error: {
                  code: failure instanceof InputContentError ? 'INPUT_CHANGED' : 'RUNNER_ERROR',
                  message: failure.message,
                },
              }
            : { ...ending, to: 'SUCCEEDED' },
    ),
  );
  if (ended) {
    const error = ended.error as { code: string; message: string } | null;
    log.info('finished a run', {
      run: run.id,
      status: ended.status,
      worker: workerId,
      ...(error ? { error: `${error.code}: ${error.message}` } : {}),
    });
  } else log.warn('gave up a run that was no longer its own', { run: run.id, worker: workerId });
}
