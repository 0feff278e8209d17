import { tmpdir } from 'node:os';
// Workflow runs: steps as child runs, in dependency order; a failed step fails the workflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import {
  DefineWorkflow,
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  SetProjectSettings,
} from './support/registry-documents.ts';
import { CancelRun, runDetails, StartWorkflow, waitForStatus } from './support/run-documents.ts';

let t: TestHub;
const files = tempFolder();
let datasetVersion: string;

beforeAll(async () => {
  t = await startTestHub({
    config: {
      hostConfig: {
        ...loadConfig({}).hostConfig,
        dataRoots: [tmpdir()],
        commandAllow: [{ path: '/usr/bin/python3', sha256: null }],
      },
    },
  });
  writeTree(files.path, { 'rows.jsonl': '{"label": "a"}\n{"label": "b"}\n' });
  await t.graphql(RegisterDataset, { input: { project: 'flows', name: 'rows', task: 'OTHER' } });
  await t.graphql(SetProjectSettings, {
    input: { project: 'flows', commandRunnerEnabled: true },
  });
  const { data } = await t.graphql(RegisterDatasetVersion, {
    input: { dataset: 'flows/rows', uri: `${files.path}/rows.jsonl`, format: 'JSONL' },
  });
  datasetVersion = expectType(data.registerDatasetVersion, 'RegisterDatasetVersionPayload')
    .datasetVersion.id;
});

afterAll(async () => {
  await t.close();
  files.remove();
});

async function defineWorkflow(name: string, spec: unknown) {
  const { data } = await t.graphql(DefineWorkflow, { input: { project: 'flows', name, spec } });
  return expectType(data.defineWorkflow, 'DefineWorkflowPayload').workflowVersion.id;
}

const countLines = {
  id: 'count',
  runner: 'command',
  inputs: { data: 'rows' },
  config: {
    argv: [
      'python3',
      '-c',
      'import json,sys; run=json.load(sys.stdin); n=sum(1 for _ in open(run["inputs"]["data"][0]["path"])); print(json.dumps({"type":"metric","key":"lines","value":n}))',
    ],
  },
};

describe('startWorkflow', () => {
  it('runs the steps as child runs in dependency order, then succeeds', async () => {
    const version = await defineWorkflow('three-steps', {
      inputs: [{ name: 'rows', kind: 'DATASET_VERSION' }],
      steps: [
        { id: 'first', runner: 'event-generator', config: { events: 20, ratePerSecond: 200 } },
        { id: 'second', runner: 'event-generator', config: { events: 3 }, dependsOn: ['first'] },
        countLines,
      ],
    });
    const { data } = await t.graphql(StartWorkflow, {
      input: {
        workflowVersion: version,
        inputs: [{ role: 'rows', version: datasetVersion }],
        seed: 42,
      },
    });
    const { run } = expectType(data.startWorkflow, 'RunPayload');
    expect(run.status).toBe('RUNNING');
    const done = await waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED']);
    expect(done.status).toBe('SUCCEEDED');
    const steps = Object.fromEntries(done.children.map((child) => [child.stepId, child]));
    expect(Object.keys(steps).sort()).toEqual(['count', 'first', 'second']);
    expect(new Set(done.children.map((c) => c.status))).toEqual(new Set(['SUCCEEDED']));
    // Each step's seed derives from the workflow's seed and the step id.
    expect(new Set(done.children.map((c) => c.seed)).size).toBe(3);
    const first = await runDetails(t, steps.first!.id);
    const second = await runDetails(t, steps.second!.id);
    expect(new Date(second.startedAt!).getTime()).toBeGreaterThanOrEqual(
      new Date(first.finishedAt!).getTime(),
    );
    expect(second.parent?.id).toBe(run.id);
    const count = await runDetails(t, steps.count!.id);
    expect(count.metrics).toEqual([expect.objectContaining({ key: 'lines', value: 2 })]);
    expect(count.inputs).toEqual([
      {
        role: 'data',
        position: 0,
        version: { __typename: 'DatasetVersion', id: datasetVersion, digest: expect.any(String) },
      },
    ]);
  });

  it('fails the workflow when a step fails, and cancels the steps still going', async () => {
    const version = await defineWorkflow('failing', {
      steps: [
        { id: 'slow', runner: 'event-generator', config: { events: 10_000, ratePerSecond: 50 } },
        { id: 'broken', runner: 'event-generator', config: { events: 10, failAt: 2 } },
        { id: 'after', runner: 'event-generator', dependsOn: ['broken'] },
      ],
    });
    const { data } = await t.graphql(StartWorkflow, { input: { workflowVersion: version } });
    const { run } = expectType(data.startWorkflow, 'RunPayload');
    const done = await waitForStatus(t, run.id, ['FAILED', 'SUCCEEDED']);
    expect(done.error).toEqual({
      code: 'STEP_FAILED',
      message: 'step broken failed: failing at event 2, as configured',
    });
    await waitForStatus(t, done.children.find((c) => c.stepId === 'slow')!.id, ['CANCELLED']);
    // The step after the broken one never started.
    expect(done.children.map((c) => c.stepId).sort()).toEqual(['broken', 'slow']);
  });

  it('cancels a workflow run and its steps', async () => {
    const version = await defineWorkflow('long', {
      steps: [
        { id: 'long', runner: 'event-generator', config: { events: 10_000, ratePerSecond: 50 } },
      ],
    });
    const { data } = await t.graphql(StartWorkflow, { input: { workflowVersion: version } });
    const { run } = expectType(data.startWorkflow, 'RunPayload');
    const running = await waitForStatus(t, run.id, ['RUNNING']);
    await waitForStatus(t, running.children[0]!.id, ['RUNNING']);
    expectType((await t.graphql(CancelRun, { id: run.id })).data.cancelRun, 'RunPayload');
    expect((await waitForStatus(t, run.id, ['CANCELLED'])).status).toBe('CANCELLED');
    expect((await waitForStatus(t, running.children[0]!.id, ['CANCELLED'])).status).toBe(
      'CANCELLED',
    );
  });

  it.each([
    ['a missing workflow input', [], ['input', 'inputs'], 'needs its input rows'],
    [
      'an unknown input',
      [{ role: 'nope', version: 'x' }],
      ['input', 'inputs', '0', 'role'],
      'no input nope',
    ],
  ])('rejects %s', async (_case, inputs, path, text) => {
    const version = await defineWorkflow('needs-rows', {
      inputs: [{ name: 'rows', kind: 'DATASET_VERSION' }],
      steps: [{ ...countLines }],
    });
    const { data } = await t.graphql(StartWorkflow, {
      input: { workflowVersion: version, inputs },
    });
    const error = expectType(data.startWorkflow, 'ValidationError');
    expect(error.path).toEqual(path);
    expect(error.message).toContain(text);
  });

  it('rejects an input of the wrong kind', async () => {
    const version = await defineWorkflow('needs-a-model', {
      inputs: [{ name: 'rows', kind: 'MODEL_VERSION' }],
      steps: [{ ...countLines }],
    });
    const { data } = await t.graphql(StartWorkflow, {
      input: { workflowVersion: version, inputs: [{ role: 'rows', version: datasetVersion }] },
    });
    const error = expectType(data.startWorkflow, 'ValidationError');
    expect(error.path).toEqual(['input', 'inputs', '0', 'version']);
    expect(error.message).toBe('expected the id of a ModelVersion, got a DatasetVersion id');
  });

  it('rejects a spec whose runner or step config this hub does not accept', async () => {
    const unknown = await defineWorkflow('unknown-runner', {
      steps: [{ id: 'x', runner: 'no-such-runner' }],
    });
    const first = await t.graphql(StartWorkflow, { input: { workflowVersion: unknown } });
    expect(expectType(first.data.startWorkflow, 'ValidationError').path).toEqual([
      'workflowVersion',
      'spec',
      'steps',
      '0',
      'runner',
    ]);
    const badConfig = await defineWorkflow('bad-config', {
      steps: [{ id: 'x', runner: 'event-generator', config: { events: 'many' } }],
    });
    const second = await t.graphql(StartWorkflow, { input: { workflowVersion: badConfig } });
    expect(expectType(second.data.startWorkflow, 'ValidationError').path).toEqual([
      'workflowVersion',
      'spec',
      'steps',
      '0',
      'config',
      'events',
    ]);
  });
});
