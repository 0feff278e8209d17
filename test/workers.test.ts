// Workers that die, workers on other machines, and many workers on one queue.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '../src/db/rows.ts';
import { WorkerPool } from '../src/engine/worker-pool.ts';
import { decodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { appendRunEvents, LeaseLostError } from '../src/resolvers/runs/events.ts';
import { claimNextRun } from '../src/resolvers/runs/queue.ts';
import { graphql } from './gql/index.ts';
import { tempFolder } from './support/files.ts';
import { gateRunner } from './support/gate-runner.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { type HubProcess, startHubProcess } from './support/process.ts';
import { expectType } from './support/registry-documents.ts';
import { runDetails, StartRun, waitForStatus } from './support/run-documents.ts';
import { adminToken, bearer } from './support/tokens.ts';
import { subscriptionClient } from './support/ws.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);
const LEASE_MS = 1000;
// Worker processes renew their leases across processes on a machine that may be busy: a
// lease they can keep while the machine stalls.
const PROCESS_LEASE_SECONDS = 5;
// Tests that start processes take long on a busy machine: their limit is generous.
const PROCESS_TEST_MS = 300_000;

let t: TestHub;
const processes: HubProcess[] = [];

beforeAll(async () => {
  // No workers in the hub itself: each test decides who executes runs.
  t = await startTestHub({ config: { workers: 0, leaseMs: LEASE_MS }, runners: [gateRunner] });
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await t.close();
});

async function startGenerator(config: Record<string, unknown>, maxAttempts = 3) {
  const { data } = await t.graphql(StartRun, {
    input: { project: 'workers', runner: 'event-generator', config, maxAttempts },
  });
  return expectType(data.startRun, 'StartRunPayload').run.id;
}

const localId = (globalId: string) => decodeGlobalId(globalId)!.id;

/** A pool in this process, as `evalhub serve` runs one. */
function inProcessPool(concurrency = 1): WorkerPool {
  return new WorkerPool({
    db: t.database.db,
    listener: t.hub.listener,
    runners: t.hub.runners,
    concurrency,
    leaseMs: LEASE_MS,
    cancelGraceMs: 1000,
    workRoot: '/tmp/evalhub-test-work',
    storeDir: '/tmp/evalhub-test-store',
    externalRunTimeoutMs: 3_600_000,
  });
}

async function workerProcess(): Promise<HubProcess> {
  const worker = await startHubProcess(['worker'], {
    DATABASE_URL: t.database.url!,
    EVALHUB_LEASE_SECONDS: String(PROCESS_LEASE_SECONDS),
    EVALHUB_WORKERS: '1',
    EVALHUB_RUNNER_MODULES: join(import.meta.dirname, 'support', 'gate-runner.ts'),
  });
  processes.push(worker);
  return worker;
}

async function statusReasons(
  runId: string,
): Promise<Array<{ status: string; reason: string | null; at: number }>> {
  const rows = await selectRows<{ status: string; reason: string | null; at: Date }>(
    t.database.db,
    sql`select payload->>'status' as status, payload->>'reason' as reason, created_at as at
        from run_events where run_id = ${localId(runId)} and type = 'status' order by seq`,
  );
  return rows.map((row) => ({ ...row, at: new Date(row.at).getTime() }));
}

/** The run once it is RUNNING with `count` metrics stored: the attempt is under way. */
async function waitForMetrics(runId: string, count: number) {
  for (;;) {
    const run = await waitForStatus(t, runId, ['RUNNING'], PROCESS_TEST_MS);
    if (run.metrics.length >= count) return run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a worker that stops renewing its lease', () => {
  it('loses the run: it is queued again within two lease periods and another worker finishes it', async () => {
    const runId = await startGenerator({ events: 20 });
    // A worker claims the run and then dies: nothing renews its lease.
    const claimed = await claimNextRun(
      t.database.db,
      'doomed-worker',
      t.hub.runners.executable(),
      LEASE_MS,
      () => ({}),
    );
    expect(claimed?.id).toBe(localId(runId));
    const pool = inProcessPool();
    pool.start();
    try {
      const run = await waitForStatus(t, runId, ['SUCCEEDED', 'FAILED'], 15_000);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.attempt).toBe(2);
      const statuses = await statusReasons(runId);
      expect(statuses.map((s) => s.status)).toEqual([
        'QUEUED',
        'RUNNING',
        'QUEUED',
        'RUNNING',
        'SUCCEEDED',
      ]);
      expect(statuses[2]!.reason).toBe(
        'worker doomed-worker stopped renewing its lease during attempt 1; queued for attempt 2 of 3',
      );
      expect(statuses[2]!.at - statuses[1]!.at).toBeLessThan(2 * LEASE_MS + 500);
    } finally {
      await pool.stop();
    }
  });

  it('cannot write anything once it has lost the run', async () => {
    const runId = await startGenerator({ events: 5 });
    const claimed = await claimNextRun(
      t.database.db,
      'zombie-worker',
      t.hub.runners.executable(),
      LEASE_MS,
      () => ({}),
    );
    const pool = inProcessPool();
    pool.start();
    await waitForStatus(t, runId, ['SUCCEEDED'], 15_000);
    await pool.stop();
    const before = (await runDetails(t, runId)).events.totalCount;
    await expect(
      t.database.db.transaction((tx) =>
        appendRunEvents(tx, claimed!.id, [{ type: 'log', level: 'info', message: 'too late' }], {
          workerId: 'zombie-worker',
          attempt: 1,
        }),
      ),
    ).rejects.toThrow(LeaseLostError);
    expect((await runDetails(t, runId)).events.totalCount).toBe(before);
  });

  it('fails the run when it has had all its attempts', async () => {
    const runId = await startGenerator({ events: 5 }, 1);
    await claimNextRun(
      t.database.db,
      'last-worker',
      t.hub.runners.executable(),
      LEASE_MS,
      () => ({}),
    );
    const pool = inProcessPool();
    pool.start();
    try {
      const run = await waitForStatus(t, runId, ['FAILED', 'SUCCEEDED'], 15_000);
      expect(run.error).toEqual({
        code: 'LEASE_EXPIRED',
        message:
          'worker last-worker stopped renewing its lease during attempt 1, its last (1 allowed)',
      });
    } finally {
      await pool.stop();
    }
  });
});

describe.runIf(onPostgres)(
  'worker processes on a shared PostgreSQL',
  { timeout: PROCESS_TEST_MS },
  () => {
    it(
      'recovers a run whose worker process was killed with SIGKILL mid-run',
      async () => {
        // Both workers are up first; the run waits at its gate until the one running it is dead.
        const workers = await Promise.all([workerProcess(), workerProcess()]);
        const gate = tempFolder();
        try {
          const { data } = await t.graphql(StartRun, {
            input: {
              project: 'workers',
              runner: 'gate',
              config: { metrics: 5, gate: join(gate.path, 'open') },
              maxAttempts: 3,
            },
          });
          const runId = expectType(data.startRun, 'StartRunPayload').run.id;
          const running = await waitForMetrics(runId, 5);
          const holder = (running.environment as { worker: string }).worker;
          const killed = workers.find((w) => w.workerId === holder)!;
          const survivor = workers.find((w) => w !== killed)!;
          await killed.stop('SIGKILL');
          writeFileSync(join(gate.path, 'open'), '');
          const run = await waitForStatus(t, runId, ['SUCCEEDED', 'FAILED'], PROCESS_TEST_MS);
          expect(run.status).toBe('SUCCEEDED');
          expect(run.attempt).toBe(2);
          expect(run.environment).toMatchObject({ worker: survivor.workerId });
          const requeued = (await statusReasons(runId)).find(
            (s) => s.status === 'QUEUED' && s.reason,
          );
          expect(requeued?.reason).toContain(
            `worker ${killed.workerId} stopped renewing its lease during attempt 1`,
          );
          // The abandoned attempt's metrics are gone; the run's are those of attempt 2.
          expect(run.metrics.map((m) => m.value)).toEqual([1, 2, 3, 4, 5]);
          await survivor.stop();
        } finally {
          gate.remove();
        }
      },
      PROCESS_TEST_MS,
    );

    it('streams a run to a subscriber of another API process while a worker process executes it', async () => {
      const env = { DATABASE_URL: t.database.url!, EVALHUB_WORKERS: '0' };
      const apiA = await startHubProcess(['serve'], env);
      const apiB = await startHubProcess(['serve'], env);
      processes.push(apiA, apiB);
      const worker = await workerProcess();
      // Hubs on PostgreSQL require tokens.
      const token = await adminToken(t.database.db);
      const response = await fetch(`${apiA.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        body: JSON.stringify({
          query: `mutation { startRun(input: {project: "workers", runner: "event-generator", config: {events: 200, ratePerSecond: 200}}) {
          ... on StartRunPayload { run { id } } } }`,
        }),
      });
      const runId = ((await response.json()) as { data: { startRun: { run: { id: string } } } })
        .data.startRun.run.id;
      const ws = subscriptionClient(apiB.url, undefined, token);
      const seqs: number[] = [];
      for await (const result of ws.iterate(RunEventsSubscription, { runId }))
        seqs.push(result.data!.runEvents.seq);
      await ws.close();
      expect(seqs).toEqual(Array.from({ length: 203 }, (_, i) => i + 1));
      await Promise.all([apiA.stop(), apiB.stop(), worker.stop()]);
    });

    it('never gives one run to two workers: three worker processes, twelve runs', async () => {
      const workers = await Promise.all([workerProcess(), workerProcess(), workerProcess()]);
      const runIds = await Promise.all(
        Array.from({ length: 12 }, () => startGenerator({ events: 30, ratePerSecond: 100 })),
      );
      const runs = await Promise.all(
        runIds.map((id) => waitForStatus(t, id, ['SUCCEEDED', 'FAILED'], PROCESS_TEST_MS)),
      );
      expect(runs.every((run) => run.status === 'SUCCEEDED' && run.attempt === 1)).toBe(true);
      for (const id of runIds) {
        expect((await statusReasons(id)).map((s) => s.status)).toEqual([
          'QUEUED',
          'RUNNING',
          'SUCCEEDED',
        ]);
      }
      const byWorker = new Set(runs.map((run) => (run.environment as { worker: string }).worker));
      expect(byWorker.size).toBeGreaterThan(1);
      await Promise.all(workers.map((w) => w.stop()));
      // Each worker logged each run it claimed and how it finished it, and no other.
      const logs = workers.map((w) => w.log());
      for (const id of runIds) {
        const run = localId(id);
        const claimedBy = logs.filter((log) => log.includes(`claimed a run {"run":"${run}"`));
        expect(claimedBy).toHaveLength(1);
        expect(claimedBy[0]).toContain(`finished a run {"run":"${run}","status":"SUCCEEDED"`);
      }
    });
  },
);

describe.runIf(!onPostgres)('evalhub worker on the embedded database', () => {
  it('refuses to start, saying why', async () => {
    await expect(startHubProcess(['worker'], { DATABASE_URL: '' })).rejects.toThrow(
      /exited with 2 before it was ready:\nevalhub worker needs DATABASE_URL/,
    );
  });
});

const RunEventsSubscription = graphql(`
  subscription WorkersRunEvents($runId: ID!) {
    runEvents(runId: $runId) { seq }
  }
`);
