// Running runners through the API: the lifecycle, what is stored, reuse, cancel, retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './support/hub.ts';
import { expectType } from './support/registry-documents.ts';
import { countRows } from './support/rows.ts';
import { CancelRun, RetryRun, StartRun, waitForStatus } from './support/run-documents.ts';

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(() => t.close());

describe('a run', () => {
  it('goes QUEUED -> RUNNING -> SUCCEEDED and stores every event it emitted, in order', async () => {
    const { data } = await t.graphql(StartRun, {
      input: { project: 'runs', runner: 'event-generator', config: { events: 30 } },
    });
    const { run } = expectType(data.startRun, 'StartRunPayload');
    expect(run.status).toBe('QUEUED');
    expect(run.config).toEqual({ events: 30, ratePerSecond: 0 });
    const done = await waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED']);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.attempt).toBe(1);
    expect(done.metrics.map((m) => m.value)).toEqual([1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
    expect(done.progress).toEqual({ fraction: 29 / 30, stage: 'emitting', message: '29 of 30' });
    const events = done.events.edges.map((e) => e.node);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const statuses = events
      .filter((e) => e.__typename === 'RunStatusEvent')
      .map((e) => ('status' in e ? e.status : null));
    expect(statuses).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    // 30 emitted events between RUNNING and SUCCEEDED.
    expect(done.events.totalCount).toBe(33);
    expect(done.environment).toMatchObject({
      runner: { id: 'event-generator', version: '1.0.0' },
      node: process.version,
      hub: { version: expect.any(String) },
    });
  });

  it('fails with the runner error', async () => {
    const { data } = await t.graphql(StartRun, {
      input: { project: 'runs', runner: 'event-generator', config: { events: 10, failAt: 4 } },
    });
    const { run } = expectType(data.startRun, 'StartRunPayload');
    const done = await waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED']);
    expect(done.status).toBe('FAILED');
    expect(done.error).toEqual({
      code: 'RUNNER_ERROR',
      message: 'failing at event 4, as configured',
    });
    // What it emitted before failing is kept.
    expect(done.metrics.map((m) => m.value)).toEqual([1]);
  });
});

describe('startRun', () => {
  it.each([
    ['an unknown runner', { runner: 'nope' }, ['input', 'runner'], 'no runner "nope"'],
    [
      'a config that fails its schema',
      { config: { events: -1 } },
      ['input', 'config', 'events'],
      'events',
    ],
    ['an unknown config key', { config: { evnts: 3 } }, ['input', 'config'], 'evnts'],
    ['a seed out of range', { seed: -5 }, ['input', 'seed'], 'seed'],
  ])('rejects %s and queues nothing', async (_case, change, path, text) => {
    const before = await countRuns();
    const { data } = await t.graphql(StartRun, {
      input: { project: 'runs', runner: 'event-generator', ...change },
    });
    const error = expectType(data.startRun, 'ValidationError');
    expect(error.path).toEqual(path);
    expect(error.message).toContain(text);
    expect(await countRuns()).toBe(before);
  });

  it('reuses a SUCCEEDED run of the same key when asked, and only then', async () => {
    const input = { project: 'runs', runner: 'event-generator', config: { events: 5 }, seed: 7 };
    const first = expectType(
      (await t.graphql(StartRun, { input })).data.startRun,
      'StartRunPayload',
    );
    await waitForStatus(t, first.run.id, ['SUCCEEDED']);
    const reused = expectType(
      (
        await t.graphql(StartRun, {
          input: { ...input, config: { events: 5, ratePerSecond: 0 }, reuse: true },
        })
      ).data.startRun,
      'StartRunPayload',
    );
    expect(reused).toMatchObject({
      reused: true,
      run: { id: first.run.id, runKey: first.run.runKey },
    });
    const fresh = expectType(
      (await t.graphql(StartRun, { input })).data.startRun,
      'StartRunPayload',
    );
    expect(fresh.reused).toBe(false);
    expect(fresh.run.id).not.toBe(first.run.id);
    expect(fresh.run.runKey).toBe(first.run.runKey);
    const otherSeed = expectType(
      (await t.graphql(StartRun, { input: { ...input, seed: 8, reuse: true } })).data.startRun,
      'StartRunPayload',
    );
    expect(otherSeed.reused).toBe(false);
    expect(otherSeed.run.runKey).not.toBe(first.run.runKey);
  });
});

describe('cancelRun and retryRun', () => {
  it('cancels a running run; retry starts a new run of the same work', async () => {
    const { data } = await t.graphql(StartRun, {
      input: {
        project: 'runs',
        runner: 'event-generator',
        config: { events: 1000, ratePerSecond: 20 },
      },
    });
    const { run } = expectType(data.startRun, 'StartRunPayload');
    await waitForStatus(t, run.id, ['RUNNING']);
    const cancelled = await t.graphql(CancelRun, { id: run.id });
    expectType(cancelled.data.cancelRun, 'RunPayload');
    const done = await waitForStatus(t, run.id, ['CANCELLED', 'SUCCEEDED', 'FAILED'], 10_000);
    expect(done.status).toBe('CANCELLED');
    const again = await t.graphql(CancelRun, { id: run.id });
    expect(expectType(again.data.cancelRun, 'RunPayload').run.status).toBe('CANCELLED');
    const retried = expectType(
      (await t.graphql(RetryRun, { id: run.id })).data.retryRun,
      'RunPayload',
    );
    expect(retried.run).toMatchObject({ status: 'QUEUED', retryOf: { id: run.id } });
    const retriedDone = await waitForStatus(t, retried.run.id, ['RUNNING']);
    expect(retriedDone.runKey).toBe(done.runKey);
    await t.graphql(CancelRun, { id: retried.run.id });
    await waitForStatus(t, retried.run.id, ['CANCELLED']);
  });

  it('refuses to cancel a run that already ended otherwise, or to retry one still going', async () => {
    const { data } = await t.graphql(StartRun, {
      input: { project: 'runs', runner: 'event-generator', config: { events: 2 } },
    });
    const { run } = expectType(data.startRun, 'StartRunPayload');
    await waitForStatus(t, run.id, ['SUCCEEDED']);
    expectType((await t.graphql(CancelRun, { id: run.id })).data.cancelRun, 'ConflictError');
    const slow = expectType(
      (
        await t.graphql(StartRun, {
          input: {
            project: 'runs',
            runner: 'event-generator',
            config: { events: 500, ratePerSecond: 10 },
          },
        })
      ).data.startRun,
      'StartRunPayload',
    );
    expectType((await t.graphql(RetryRun, { id: slow.run.id })).data.retryRun, 'ConflictError');
    await t.graphql(CancelRun, { id: slow.run.id });
  });
});

const countRuns = () => countRows(t, 'runs');
