// A worker that cannot keep its lease fences itself off the run: its runner is stopped, what
// it started is killed at once, and it writes nothing more for the run, before the reaper can
// hand the run to another worker. The lease is lost three ways: taken over in SQL, renewals
// refused by the database, renewals left unanswered (the database out of reach).
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config.ts';
import { selectRows } from '../src/db/rows.ts';
import { executeRun } from '../src/engine/execute.ts';
import { decodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { claimNextRun, reapExpiredLeases } from '../src/resolvers/runs/queue.ts';
import { defineRunner } from '../src/runners/contract.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { expectType, SetProjectSettings } from './support/registry-documents.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';

const LEASE_MS = 1500;

/** What the test sees of one attempt of a probe run. */
interface Attempt {
  /** Resolves with the signal's reason once the runner is stopped. */
  stopped: Promise<{ message: string; immediate: boolean }>;
  /** Lets the runner end, successfully. */
  finish: () => void;
}

const attempts = new Map<string, Attempt[]>();

/** Logs a tick every 20 ms until it is stopped or told to finish; logs once more when stopped. */
const probeRunner = defineRunner({
  id: 'fence-probe',
  version: '1.0.0',
  description: 'Test runner: emits until it is stopped.',
  inputs: [],
  config: z.object({}).strict(),
  async run({ runId, emit, signal }) {
    const stopped = Promise.withResolvers<{ message: string; immediate: boolean }>();
    let finished = false;
    attempts.set(runId, [
      ...(attempts.get(runId) ?? []),
      { stopped: stopped.promise, finish: () => (finished = true) },
    ]);
    signal.addEventListener('abort', () => {
      // Emitted after the worker was fenced off: it must never be stored.
      emit.log('info', 'after the fence');
      const reason = signal.reason as { message: string; immediate?: boolean };
      stopped.resolve({ message: reason.message, immediate: reason.immediate === true });
    });
    for (let tick = 1; !finished; tick += 1) {
      emit.log('info', `tick ${tick}`);
      await sleep(20, undefined, { signal });
    }
  },
});

let t: TestHub;
const files = tempFolder();

beforeAll(async () => {
  // No workers of the hub's own, no reaper: the test is the worker, and decides when to reap.
  t = await startTestHub({
    config: {
      workers: 0,
      leaseMs: LEASE_MS,
      hostConfig: {
        ...loadConfig({}).hostConfig,
        dataRoots: [tmpdir()],
        commandAllow: [{ path: '/usr/bin/python3', sha256: null }],
      },
    },
    runners: [probeRunner],
  });
});

afterAll(async () => {
  await t.close();
  files.remove();
});

const localId = (globalId: string) => decodeGlobalId(globalId)!.id;

/**
 * Starts a run; its local id (the database's). One attempt unless said: a run the test
 * leaves behind fails when reaped, rather than coming back to the queue.
 */
async function startRun(
  runner: string,
  config: Record<string, unknown>,
  maxAttempts = 1,
): Promise<string> {
  const { data } = await t.graphql(StartRun, {
    input: { project: 'fencing', runner, config, maxAttempts },
  });
  const globalId = expectType(data.startRun, 'StartRunPayload').run.id;
  globalIds.set(localId(globalId), globalId);
  return localId(globalId);
}
const globalIds = new Map<string, string>();

/** Claims the queued run as `workerId` and executes it as a worker pool would. */
async function claimAndExecute(runId: string, workerId: string) {
  const leasedAt = performance.now();
  const run = await claimNextRun(
    t.database.db,
    workerId,
    t.hub.runners.executable(),
    LEASE_MS,
    () => ({}),
  );
  expect(run?.id).toBe(runId);
  const execution = executeRun(
    {
      db: t.database.db,
      listener: t.hub.listener,
      runners: t.hub.runners,
      workerId,
      leaseMs: LEASE_MS,
      cancelGraceMs: 1000,
      workRoot: join(files.path, 'work'),
      storeDir: join(files.path, 'store'),
    },
    run!,
    leasedAt,
    new AbortController().signal,
  );
  return { run: run!, execution };
}

async function attemptOf(runId: string, index: number): Promise<Attempt> {
  while (!attempts.get(runId)?.[index]) await sleep(10);
  return attempts.get(runId)![index]!;
}

async function storedTicks(runId: string): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    t.database.db,
    sql`select count(*)::int as n from run_events
        where run_id = ${runId} and type = 'log' and payload->>'message' like 'tick %'`,
  );
  return row!.n;
}

/** Waits until the attempt has stored a few events: it is well under way. */
async function underWay(runId: string): Promise<void> {
  while ((await storedTicks(runId)) < 3) await sleep(20);
}

async function eventsOf(runId: string) {
  return selectRows<{ seq: number; type: string; status: string | null; message: string | null }>(
    t.database.db,
    sql`select seq::int, type, payload->>'status' as status, payload->>'message' as message
        from run_events where run_id = ${runId} order by seq`,
  );
}

async function runRow(runId: string) {
  const [row] = await selectRows<{
    status: string;
    lease_owner: string | null;
    attempt: number;
    last_event_seq: number;
  }>(
    t.database.db,
    sql`select status, lease_owner, attempt, last_event_seq::int from runs where id = ${runId}`,
  );
  return row!;
}

describe('a worker whose lease is taken over', () => {
  it('stops its runner and writes nothing more for the run', async () => {
    const runId = await startRun('fence-probe', {});
    const { execution } = await claimAndExecute(runId, 'robbed-worker');
    const attempt = await attemptOf(runId, 0);
    await underWay(runId);

    const [stolen] = await selectRows<{ last_event_seq: number }>(
      t.database.db,
      sql`update runs set lease_owner = 'thief' where id = ${runId} returning last_event_seq::int`,
    );
    expect(await attempt.stopped).toEqual({ message: 'the worker lost the run', immediate: true });
    await execution;

    // Not one event after the lease was taken, and the run is as the thief left it.
    const events = await eventsOf(runId);
    expect(events.at(-1)!.seq).toBe(stolen!.last_event_seq);
    expect(events.some((e) => e.message === 'after the fence')).toBe(false);
    expect(await runRow(runId)).toMatchObject({
      status: 'RUNNING',
      lease_owner: 'thief',
      last_event_seq: stolen!.last_event_seq,
    });
  });
});

describe('a worker whose lease renewals are refused', () => {
  it('stops before its lease runs out, writes nothing more, and the next worker finishes the run', async () => {
    const runId = await startRun('fence-probe', {}, 2);
    const { execution } = await claimAndExecute(runId, 'refused-worker');
    const attempt = await attemptOf(runId, 0);
    await underWay(runId);

    // From now on the database refuses to extend this run's lease (its events still go in).
    await t.database.db.execute(
      sql.raw(`create function refuse_lease_renewal() returns trigger language plpgsql as $$
        begin
          if new.id = '${runId}' and new.lease_expires_at > old.lease_expires_at then
            raise exception 'lease renewal refused by the test';
          end if;
          return new;
        end $$`),
    );
    await t.database.db.execute(
      sql.raw(`create trigger refuse_lease_renewal before update on runs
        for each row execute function refuse_lease_renewal()`),
    );
    try {
      // The worker fences itself off: nothing (no reaper, no other writer) made it stop.
      expect(await attempt.stopped).toEqual({
        message: 'the worker could not renew its lease in time',
        immediate: true,
      });
      await execution;
      const held = await runRow(runId);
      expect(held).toMatchObject({ status: 'RUNNING', lease_owner: 'refused-worker', attempt: 1 });
      const events = await eventsOf(runId);
      expect(events.some((e) => e.message === 'after the fence')).toBe(false);
      expect(events.filter((e) => e.type === 'status').map((e) => e.status)).toEqual([
        'QUEUED',
        'RUNNING',
      ]);
    } finally {
      await t.database.db.execute(sql`drop trigger refuse_lease_renewal on runs`);
      await t.database.db.execute(sql`drop function refuse_lease_renewal()`);
    }

    // Once the lease has run out the reaper hands the run on; the next attempt finishes it.
    while ((await runRow(runId)).status === 'RUNNING') {
      await reapExpiredLeases(t.database.db);
      await sleep(50);
    }
    const next = await claimAndExecute(runId, 'next-worker');
    (await attemptOf(runId, 1)).finish();
    await next.execution;
    const run = await waitForStatus(t, globalIds.get(runId)!, ['SUCCEEDED', 'FAILED']);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempt).toBe(2);
    // Attempt 1 stored nothing after it stopped: its last event precedes the reaper's.
    const statuses = (await eventsOf(runId)).filter((e) => e.type === 'status');
    expect(statuses.map((e) => e.status)).toEqual([
      'QUEUED',
      'RUNNING',
      'QUEUED',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect((await eventsOf(runId)).some((e) => e.message === 'after the fence')).toBe(false);
  });
});

describe('a worker whose lease renewals go unanswered', () => {
  it('stops its runner while the database does not answer, and writes nothing more', async () => {
    const runId = await startRun('fence-probe', {});
    const { execution } = await claimAndExecute(runId, 'stranded-worker');
    const attempt = await attemptOf(runId, 0);
    await underWay(runId);

    // The run's row is locked (on the embedded database, the whole database is taken) until
    // the worker has stopped: its renewals and writes wait, unanswered.
    let stopped: { message: string; immediate: boolean } | undefined;
    await t.database.db.transaction(async (tx) => {
      await tx.execute(sql`select id from runs where id = ${runId} for update`);
      stopped = await attempt.stopped;
    });
    expect(stopped).toEqual({
      message: 'the worker could not renew its lease in time',
      immediate: true,
    });
    await execution;
    const events = await eventsOf(runId);
    expect(events.some((e) => e.message === 'after the fence')).toBe(false);
    expect(events.filter((e) => e.type === 'status').map((e) => e.status)).toEqual([
      'QUEUED',
      'RUNNING',
    ]);
  });
});

describe('a command run whose worker is fenced off', () => {
  it('kills the program at once, even one that ignores SIGTERM with a long grace', async () => {
    await t.graphql(SetProjectSettings, {
      input: { project: 'fencing', commandRunnerEnabled: true },
    });
    const pids = join(files.path, 'pids.json');
    const program = join(
      writeTree(files.path, {
        'stubborn.py': `import json, os, signal, subprocess, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen(["/usr/bin/python3", "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
open(${JSON.stringify(pids)}, "w").write(json.dumps([os.getpid(), child.pid]))
print('{"type": "log", "message": "started"}', flush=True)
time.sleep(300)
`,
      }),
      'stubborn.py',
    );
    const runId = await startRun('command', {
      argv: ['/usr/bin/python3', program],
      killGraceSeconds: 300,
    });
    const { execution } = await claimAndExecute(runId, 'command-worker');
    while (!existsSync(pids)) await sleep(20);
    const started = JSON.parse(readFileSync(pids, 'utf8')) as number[];
    expect(started.map(alive)).toEqual([true, true]);

    await t.database.db.execute(sql`update runs set lease_owner = 'thief' where id = ${runId}`);
    await execution;
    // Both are gone long before the 300 s grace a cancel would have given them.
    await expect.poll(() => started.map(alive), { timeout: 20_000 }).toEqual([false, false]);
    expect((await runRow(runId)).lease_owner).toBe('thief');
  });
});

/** Whether a process runs (a zombie waiting to be reaped does not). */
function alive(pid: number): boolean {
  try {
    const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}
