// Workers: claim queued runs (woken by NOTIFY, and by a poll in case one is missed),
// execute up to `concurrency` at once, and reap runs whose worker died (or, for a run
// recorded from outside, whose client went quiet).

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '../db/connect.ts';
import type { Listener } from '../db/listener.ts';
import { log } from '../logger.ts';
import { expireAbandonedExternalRuns } from '../resolvers/runs/external.ts';
import { claimNextRun, reapExpiredLeases } from '../resolvers/runs/queue.ts';
import type { RunnerRegistry } from '../runners/registry.ts';
import { claimer } from './claimer.ts';
import { runEnvironment } from './environment.ts';
import { executeRun } from './execute.ts';

export interface WorkerPoolOptions {
  db: Database;
  listener: Listener;
  runners: RunnerRegistry;
  concurrency: number;
  leaseMs: number;
  cancelGraceMs: number;
  workRoot: string;
  storeDir: string;
  /** How long an external run may go without an append before it fails as abandoned. */
  externalRunTimeoutMs: number;
  /** How often to look for queued runs without being woken. */
  pollMs?: number;
}

export class WorkerPool {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly #options: WorkerPoolOptions;
  readonly #active = new Set<Promise<void>>();
  readonly #shutdown = new AbortController();
  #stopping = false;
  /** Claims runs until the pool is full or the queue is empty; one claimer at a time. */
  readonly #claim = claimer(
    () => this.#claimLoop(),
    () => this.#stopping,
    (error) => log.warn('claiming a run failed', { error: error.message }),
  );
  #timers: NodeJS.Timeout[] = [];
  #unlisten: () => void = () => {};

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  get activeRuns(): number {
    return this.#active.size;
  }

  start(): void {
    this.#unlisten = this.#options.listener.on('evalhub_runs_queued', () => this.#claim());
    this.#timers.push(setInterval(() => this.#claim(), this.#options.pollMs ?? 2000));
    this.#timers.push(
      setInterval(() => {
        reapExpiredLeases(this.#options.db).catch((error) =>
          log.warn('reaping expired leases failed', { error: (error as Error).message }),
        );
        expireAbandonedExternalRuns(this.#options.db, this.#options.externalRunTimeoutMs).catch(
          (error) =>
            log.warn('expiring abandoned external runs failed', {
              error: (error as Error).message,
            }),
        );
      }, this.#options.leaseMs / 2),
    );
    this.#claim();
  }

  async #claimLoop(): Promise<void> {
    const { db, runners, leaseMs } = this.#options;
    while (this.#active.size < this.#options.concurrency && !this.#stopping) {
      const leasedAt = performance.now();
      const run = await claimNextRun(db, this.workerId, runners.executable(), leaseMs, (runner) =>
        runEnvironment(runner, this.workerId),
      );
      if (!run) return;
      log.info('claimed a run', {
        run: run.id,
        runner: `${run.runnerId}@${run.runnerVersion}`,
        attempt: run.attempt,
        worker: this.workerId,
      });
      const execution = executeRun(
        { ...this.#options, workerId: this.workerId },
        run,
        leasedAt,
        this.#shutdown.signal,
      )
        .catch((error) =>
          log.error('executing a run failed', { run: run.id, error: (error as Error).stack }),
        )
        .finally(() => {
          this.#active.delete(execution);
          this.#claim();
        });
      this.#active.add(execution);
    }
  }

  /**
   * Stops claiming; runs still going after `waitMs` are stopped and put back in the queue
   * (without counting the attempt) for another worker.
   */
  async stop(waitMs = 0): Promise<void> {
    this.#stopping = true;
    this.#unlisten();
    for (const timer of this.#timers) clearInterval(timer);
    const finished = Promise.all([...this.#active]);
    if (waitMs > 0)
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, waitMs))]);
    this.#shutdown.abort();
    await finished;
  }
}
