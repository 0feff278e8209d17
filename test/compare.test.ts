// compareRuns and compareModels over runs with known metrics, intervals and per-item scores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { graphql } from './gql/index.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { onnxBytes } from './support/onnx-models.ts';
import {
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';
import { StartRun, waitForStatus } from './support/run-documents.ts';

const CompareRuns = graphql(`
  query CompareRuns($ids: [ID!]!, $metrics: [String!]) {
    compareRuns(ids: $ids, metrics: $metrics) {
      runs { id }
      metrics {
        key slice
        values { run { id } value ciLower ciUpper delta deltaLower deltaUpper significant pValue method }
      }
    }
  }
`);

const CompareModels = graphql(`
  query CompareModels($models: [ID!]!, $datasetVersion: ID!, $metric: String!, $higherIsBetter: Boolean) {
    compareModels(models: $models, datasetVersion: $datasetVersion, metric: $metric, higherIsBetter: $higherIsBetter) {
      rank value ciLower ciUpper modelVersion { id version } run { id }
    }
  }
`);

let t: TestHub;
const files = tempFolder();
const ids: Record<string, string> = {};

/** 200 items; item i scores 1 unless `wrong(i)`. */
const perItem = (wrong: (i: number) => boolean) =>
  Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`img-${i}.png`, wrong(i) ? 0 : 1]));

async function run(
  name: string,
  config: z.input<typeof emitRunner.config>,
  inputs: Record<string, string> = {},
  expected = 'SUCCEEDED',
) {
  const { data } = await t.graphql(StartRun, {
    input: {
      project: 'cmp',
      runner: 'emit',
      config,
      inputs: Object.entries(inputs).map(([role, version]) => ({ role, version: ids[version]! })),
    },
  });
  const started = expectType(data.startRun, 'StartRunPayload').run;
  const done = await waitForStatus(t, started.id, ['SUCCEEDED', 'FAILED']);
  expect(done.status).toBe(expected);
  ids[name] = done.id;
}

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner] });
  await t.graphql(RegisterModel, {
    input: { project: 'cmp', name: 'net', task: 'IMAGE_CLASSIFICATION' },
  });
  await t.graphql(RegisterDataset, {
    input: { project: 'cmp', name: 'data', task: 'IMAGE_CLASSIFICATION' },
  });
  for (const v of ['v1', 'v2', 'v3']) {
    writeTree(files.path, { [`${v}.onnx`]: onnxBytes(`weights ${v}`) });
    const { data } = await t.graphql(RegisterModelVersion, {
      input: { model: 'cmp/net', uri: `${files.path}/${v}.onnx`, format: 'ONNX', version: v },
    });
    ids[v] = expectType(data.registerModelVersion, 'RegisterModelVersionPayload').modelVersion.id;
  }
  for (const d of ['test', 'other']) {
    writeTree(files.path, { [`${d}.jsonl`]: `{"d": "${d}"}\n` });
    const { data } = await t.graphql(RegisterDatasetVersion, {
      input: { dataset: 'cmp/data', uri: `${files.path}/${d}.jsonl`, format: 'JSONL', version: d },
    });
    ids[d] = expectType(
      data.registerDatasetVersion,
      'RegisterDatasetVersionPayload',
    ).datasetVersion.id;
  }
  // Baseline: 80% of 200 items right (every fifth wrong).
  await run(
    'base',
    {
      metrics: [
        { key: 'accuracy', value: 0.8, ci: { lower: 0.745, upper: 0.855, level: 0.95 } },
        {
          key: 'accuracy',
          value: 0.7,
          slice: { class: 'cat' },
          ci: { lower: 0.6, upper: 0.8, level: 0.95 },
        },
      ],
      artifacts: [{ name: 'per-item/accuracy.json', json: perItem((i) => i % 5 === 0) }],
    },
    { model: 'v1', dataset: 'test' },
  );
  // Better on the same items: every tenth wrong (the baseline's mistakes, halved).
  await run(
    'better',
    {
      metrics: [
        { key: 'accuracy', value: 0.9, ci: { lower: 0.86, upper: 0.94, level: 0.95 } },
        {
          key: 'accuracy',
          value: 0.72,
          slice: { class: 'cat' },
          ci: { lower: 0.62, upper: 0.82, level: 0.95 },
        },
      ],
      artifacts: [{ name: 'per-item/accuracy.json', json: perItem((i) => i % 10 === 0) }],
    },
    { model: 'v2', dataset: 'test' },
  );
  // About the same, no per-item scores: judged by its interval.
  await run('same', {
    metrics: [{ key: 'accuracy', value: 0.81, ci: { lower: 0.755, upper: 0.865, level: 0.95 } }],
  });
  await run('other-metric', { metrics: [{ key: 'f1', value: 0.5 }] });
  // Model v1 again on the test data, later: its latest evaluation.
  await run(
    'v1-later',
    { metrics: [{ key: 'accuracy', value: 0.82 }] },
    { model: 'v1', dataset: 'test' },
  );
  // Ignored by compareModels: other data; a failed run.
  await run(
    'v3-other',
    { metrics: [{ key: 'accuracy', value: 0.99 }] },
    { model: 'v3', dataset: 'other' },
  );
  await run(
    'v2-failed',
    { metrics: [{ key: 'accuracy', value: 0.99 }], fail: 'crashed' },
    { model: 'v2', dataset: 'test' },
    'FAILED',
  );
});

afterAll(async () => {
  await t.close();
  files.remove();
});

describe('compareRuns', () => {
  it('aligns each metric across the runs, with intervals, deltas and significance', async () => {
    const { data, errors } = await t.graphql(CompareRuns, {
      ids: [ids.base!, ids.better!, ids.same!, ids['other-metric']!],
    });
    expect(errors).toBeUndefined();
    const comparison = data.compareRuns;
    expect(comparison.runs.map((r) => r.id)).toEqual([
      ids.base,
      ids.better,
      ids.same,
      ids['other-metric'],
    ]);
    expect(comparison.metrics.map((m) => [m.key, m.slice])).toEqual([
      ['accuracy', {}],
      ['accuracy', { class: 'cat' }],
      ['f1', {}],
    ]);
    const [base, better, same, other] = comparison.metrics[0]!.values;
    expect(base).toMatchObject({ value: 0.8, delta: null, significant: null, method: 'NONE' });
    // Paired over the 200 items: 20 items better, none worse -> +0.1, clearly significant.
    expect(better).toMatchObject({ value: 0.9, method: 'PAIRED_BOOTSTRAP', significant: true });
    expect(better!.delta).toBeCloseTo(0.1, 12);
    expect(better!.deltaLower!).toBeGreaterThan(0.05);
    expect(better!.deltaUpper!).toBeLessThan(0.15);
    expect(better!.pValue!).toBeLessThan(0.001);
    // Overlapping intervals: not shown to differ.
    expect(same).toMatchObject({ value: 0.81, method: 'INTERVAL_OVERLAP', significant: false });
    expect(same!.delta).toBeCloseTo(0.01, 12);
    expect(other).toMatchObject({ value: null, delta: null, method: 'NONE', significant: null });
    // A slice has no per-item scores: its intervals overlap.
    expect(comparison.metrics[1]!.values[1]).toMatchObject({
      method: 'INTERVAL_OVERLAP',
      significant: false,
    });
  });

  it('keeps to the metrics asked for, and answers the same twice', async () => {
    const first = await t.graphql(CompareRuns, {
      ids: [ids.base!, ids.better!],
      metrics: ['f1', 'accuracy'],
    });
    expect(first.data.compareRuns.metrics.map((m) => m.key)).toEqual(['accuracy', 'accuracy']);
    const again = await t.graphql(CompareRuns, {
      ids: [ids.base!, ids.better!],
      metrics: ['f1', 'accuracy'],
    });
    expect(again.data).toEqual(first.data);
  });

  it('refuses fewer than two runs, non-run ids and runs out of sight', async () => {
    const one = await t.graphql(CompareRuns, { ids: [ids.base!] });
    expect(one.errors?.[0]?.message).toMatch(/compare from 2 to 50 runs/);
    const notRuns = await t.graphql(CompareRuns, { ids: [ids.base!, ids.v1!] });
    expect(notRuns.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const hidden = await t.graphql(
      CompareRuns,
      { ids: [ids.base!, ids.better!] },
      { as: memberOf('local:elsewhere', ['elsewhere']) },
    );
    expect(hidden.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('compareModels', () => {
  it('ranks each version by its latest successful evaluation on the data', async () => {
    const { data, errors } = await t.graphql(CompareModels, {
      models: [ids.v1!, ids.v2!, ids.v3!],
      datasetVersion: ids.test!,
      metric: 'accuracy',
    });
    expect(errors).toBeUndefined();
    expect(
      data.compareModels.map((r) => [r.rank, r.modelVersion.version, r.value, r.run?.id ?? null]),
    ).toEqual([
      [1, 'v2', 0.9, ids.better],
      // v1's later run (0.82) replaces its first (0.8).
      [2, 'v1', 0.82, ids['v1-later']],
      // v3 was evaluated only on other data.
      [null, 'v3', null, null],
    ]);
    expect(data.compareModels[0]).toMatchObject({ ciLower: 0.86, ciUpper: 0.94 });
  });

  it('takes a model for all its versions, and lower-is-better metrics', async () => {
    const { data: model } = await t.graphql(
      graphql(`query ModelOf($id: ID!) { node(id: $id) { ... on ModelVersion { model { id } } } }`),
      { id: ids.v1! },
    );
    const modelId = (model.node as { model: { id: string } }).model.id;
    const { data } = await t.graphql(CompareModels, {
      models: [modelId],
      datasetVersion: ids.test!,
      metric: 'accuracy',
      higherIsBetter: false,
    });
    expect(data.compareModels.map((r) => [r.rank, r.modelVersion.version])).toEqual([
      [1, 'v1'],
      [2, 'v2'],
      [null, 'v3'],
    ]);
  });

  it('takes "project/name" and "project/name@version" as startRun does', async () => {
    const byPath = await t.graphql(CompareModels, {
      models: ['cmp/net@v1', 'cmp/net@v2'],
      datasetVersion: 'cmp/data@test',
      metric: 'accuracy',
    });
    expect(byPath.errors).toBeUndefined();
    expect(byPath.data.compareModels.map((r) => [r.rank, r.modelVersion.version])).toEqual([
      [1, 'v2'],
      [2, 'v1'],
    ]);
    const wholeModel = await t.graphql(CompareModels, {
      models: ['cmp/net'],
      datasetVersion: 'cmp/data@test',
      metric: 'accuracy',
    });
    expect(wholeModel.data.compareModels.map((r) => r.modelVersion.version)).toEqual([
      'v2',
      'v1',
      'v3',
    ]);
    const missing = await t.graphql(CompareModels, {
      models: ['cmp/net@v7'],
      datasetVersion: 'cmp/data@test',
      metric: 'accuracy',
    });
    expect(missing.errors?.[0]?.message).toContain('no model version "cmp/net@v7"');
  });
});
