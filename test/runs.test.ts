// Running runners through the API: the lifecycle, what is stored, reuse, cancel, retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRunner } from '../src/runners/contract.ts';
import { graphql } from './gql/index.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import {
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';
import { countRows } from './support/rows.ts';
import { CancelRun, RetryRun, StartRun, waitForStatus } from './support/run-documents.ts';

/** A runner module of the kind an ML engineer adds: it reports the inputs it was given. */
const inputProbe = defineRunner({
  id: 'input-probe',
  version: '0.1.0',
  description: 'Reports the refs and digests of its inputs.',
  inputs: [
    { role: 'model', kind: 'MODEL_VERSION', description: 'A model.', formats: ['ONNX'] },
    { role: 'dataset', kind: 'DATASET_VERSION', description: 'A dataset.' },
  ],
  config: z.object({}).strict(),
  async run({ inputs, emit }) {
    for (const [role, versions] of Object.entries(inputs)) {
      emit.log(
        'info',
        `${role}: ${versions.map((v) => `${v.ref} ${v.digest} ${v.localPath}`).join(', ')}`,
      );
    }
  },
});

/** A runner that ignores its AbortSignal: the engine must give up on it after the grace period. */
const deafRunner = defineRunner({
  id: 'deaf-runner',
  version: '0.1.0',
  description: 'Sleeps, ignoring cancellation.',
  inputs: [],
  config: z.object({ seconds: z.number().default(30) }).strict(),
  async run({ config, emit }) {
    emit.log('info', 'sleeping, deaf to cancellation');
    await new Promise((resolve) => setTimeout(resolve, config.seconds * 1000));
  },
});

const Runners = graphql(`
  query Runners { runners { id version description anyRole configSchema inputs { role kind formats optional multiple } } }
`);

const RunList = graphql(`
  query RunList($filter: SearchFilter, $first: Int) {
    runs(filter: $filter, first: $first) { totalCount edges { node { id status runnerId project { slug } } } }
  }
`);

let t: TestHub;
const files = tempFolder();
let modelVersion: string;
let datasetVersion: string;

beforeAll(async () => {
  t = await startTestHub({
    runners: [inputProbe as never, deafRunner as never],
    config: { cancelGraceMs: 500 },
  });
  writeTree(files.path, { 'm.onnx': onnxBytes('m'), 'm.json': '[]', 'd/a/1.png': 'x' });
  await t.graphql(RegisterModel, { input: { project: 'runs', name: 'm', task: 'OTHER' } });
  await t.graphql(RegisterDataset, { input: { project: 'runs', name: 'd', task: 'OTHER' } });
  const model = await t.graphql(RegisterModelVersion, {
    input: { model: 'runs/m', version: 'onnx', uri: `${files.path}/m.onnx`, format: 'ONNX' },
  });
  modelVersion = expectType(model.data.registerModelVersion, 'RegisterModelVersionPayload')
    .modelVersion.id;
  await t.graphql(RegisterModelVersion, {
    input: {
      model: 'runs/m',
      version: 'preds',
      uri: `${files.path}/m.json`,
      format: 'PREDICTIONS',
    },
  });
  const dataset = await t.graphql(RegisterDatasetVersion, {
    input: { dataset: 'runs/d', version: 'v1', uri: `${files.path}/d`, format: 'IMAGE_FOLDER' },
  });
  datasetVersion = expectType(dataset.data.registerDatasetVersion, 'RegisterDatasetVersionPayload')
    .datasetVersion.id;
});

afterAll(async () => {
  await t.close();
  files.remove();
});

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

describe('runners', () => {
  it('lists every runner with its input roles and its config as JSON Schema with defaults', async () => {
    const { data } = await t.graphql(Runners, {});
    const byId = Object.fromEntries(data.runners.map((r) => [r.id, r]));
    expect(Object.keys(byId)).toEqual(expect.arrayContaining(['event-generator', 'input-probe']));
    // Off unless the operator allowlists programs (EVALHUB_COMMAND_ALLOW).
    expect(Object.keys(byId)).not.toContain('command');
    expect(byId['input-probe']!.inputs).toEqual([
      { role: 'model', kind: 'MODEL_VERSION', formats: ['ONNX'], optional: false, multiple: false },
      { role: 'dataset', kind: 'DATASET_VERSION', formats: null, optional: false, multiple: false },
    ]);
    expect(byId['event-generator']!.configSchema).toMatchObject({
      type: 'object',
      properties: { events: { type: 'integer', default: 100 }, ratePerSecond: { default: 0 } },
      additionalProperties: false,
    });
  });
});

describe('runs', () => {
  it('lists runs filtered by project, status and runner', async () => {
    const { data } = await t.graphql(StartRun, {
      input: { project: 'listed', runner: 'event-generator', config: { events: 1 } },
    });
    const { run } = expectType(data.startRun, 'StartRunPayload');
    await waitForStatus(t, run.id, ['SUCCEEDED']);
    const listed = await t.graphql(RunList, {
      filter: { project: ['listed'], status: ['SUCCEEDED'], runner: ['event-generator'] },
    });
    expect(listed.data.runs.totalCount).toBe(1);
    expect(listed.data.runs.edges[0]!.node).toMatchObject({
      id: run.id,
      project: { slug: 'listed' },
    });
    const none = await t.graphql(RunList, { filter: { project: ['listed'], status: ['FAILED'] } });
    expect(none.data.runs.totalCount).toBe(0);
  });
});

describe('run inputs', () => {
  it('hands the runner its inputs by role, resolved to local paths and digests', async () => {
    const { data } = await t.graphql(StartRun, {
      input: {
        project: 'runs',
        runner: 'input-probe',
        inputs: [
          { role: 'model', version: 'runs/m@onnx' },
          { role: 'dataset', version: datasetVersion },
        ],
      },
    });
    const { run } = expectType(data.startRun, 'StartRunPayload');
    const done = await waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED']);
    expect(done.status).toBe('SUCCEEDED');
    expect(
      done.inputs.map((i) => [
        i.role,
        i.version?.__typename === 'ModelVersion' ? i.version.id : i.version?.id,
      ]),
    ).toEqual([
      ['dataset', datasetVersion],
      ['model', modelVersion],
    ]);
  });

  it.each([
    [
      'an unknown role',
      [{ role: 'weights', version: 'runs/m@onnx' }],
      ['input', 'inputs', '0', 'role'],
      'takes no input role weights',
    ],
    [
      'a dataset where a model goes',
      [{ role: 'model', version: 'DATASET' }],
      ['input', 'inputs', '0', 'version'],
      'expected the id of a ModelVersion',
    ],
    [
      'a format it cannot read',
      [{ role: 'model', version: 'runs/m@preds' }],
      ['input', 'inputs', '0', 'version'],
      'reads model in ONNX, not PREDICTIONS',
    ],
    [
      'a missing role',
      [{ role: 'model', version: 'runs/m@onnx' }],
      ['input', 'inputs'],
      'needs a dataset',
    ],
    [
      'a role given twice',
      [
        { role: 'model', version: 'runs/m@onnx' },
        { role: 'model', version: 'runs/m@onnx' },
      ],
      ['input', 'inputs', '1', 'role'],
      'takes one model',
    ],
    [
      'a version that does not exist',
      [{ role: 'model', version: 'runs/m@v9' }],
      null,
      'no model version',
    ],
  ])('rejects %s before anything is queued', async (_case, inputs, path, text) => {
    const before = await countRuns();
    const given = inputs.map((i) => ({
      ...i,
      version: i.version === 'DATASET' ? datasetVersion : i.version,
    }));
    const { data } = await t.graphql(StartRun, {
      input: { project: 'runs', runner: 'input-probe', inputs: given },
    });
    const result = data.startRun;
    expect(result.__typename).toBe(path ? 'ValidationError' : 'NotFoundError');
    if ('message' in result) expect(result.message).toContain(text);
    if (path && 'path' in result) expect(result.path).toEqual(path);
    expect(await countRuns()).toBe(before);
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

  it('gives up on a runner that ignores cancellation after the grace period', async () => {
    const { data } = await t.graphql(StartRun, {
      input: { project: 'runs', runner: 'deaf-runner' },
    });
    const { run } = expectType(data.startRun, 'StartRunPayload');
    await waitForStatus(t, run.id, ['RUNNING']);
    const cancelledAt = Date.now();
    await t.graphql(CancelRun, { id: run.id });
    const done = await waitForStatus(t, run.id, ['CANCELLED', 'FAILED', 'SUCCEEDED'], 10_000);
    expect(done.status).toBe('CANCELLED');
    expect(Date.now() - cancelledAt).toBeLessThan(5000);
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
