// Lineage: trace, impact and lineagePath over a graph made through the API, with a
// diamond, a derivation chain that crosses into a project some actors may not see, and a
// workflow run whose step produced a finding.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Actor } from '../src/resolvers/core/actor.ts';
import { defineRunner } from '../src/runners/contract.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import {
  Impact,
  LineagePathQuery,
  Trace,
  TraceProv,
  TraceWithDetails,
} from './support/lineage-documents.ts';
import { onnxBytes } from './support/onnx-models.ts';
import {
  DefineWorkflow,
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
  RegisterModel,
  RegisterModelVersion,
} from './support/registry-documents.ts';
import { StartRun, StartWorkflow, waitForStatus } from './support/run-documents.ts';

/** Judges a dataset (and optionally a model): one metric, one finding about the dataset, one artifact. */
const judge = defineRunner({
  id: 'judge',
  version: '2.1.0',
  description: 'Test runner: reports one finding about its dataset.',
  inputs: [
    { role: 'model', kind: 'MODEL_VERSION', description: 'A model.', optional: true },
    { role: 'dataset', kind: 'DATASET_VERSION', description: 'A dataset.' },
  ],
  config: z.object({ title: z.string().default('suspicious labels') }).strict(),
  async run({ config, emit }) {
    emit.metric({ key: 'accuracy', value: 0.8 });
    emit.finding({
      kind: 'LABEL_PROBLEM',
      severity: 'HIGH',
      title: config.title,
      subjectRole: 'dataset',
    });
    emit.artifact({
      name: 'report.txt',
      mediaType: 'text/plain',
      bytes: Buffer.from(config.title),
    });
  },
});

let t: TestHub;
const files = tempFolder();
/** Global ids of the graph's nodes, by a short name. */
const ids: Record<string, string> = {};
const digests: Record<string, string> = {};
const labOnly = memberOf('local:lab-analyst', ['lab']);
const secretOnly = memberOf('local:secret-keeper', ['secret']);

async function datasetVersion(
  name: string,
  dataset: string,
  content: string,
  derivedFrom?: string,
) {
  writeTree(files.path, { [`${name}.jsonl`]: content });
  const { data } = await t.graphql(RegisterDatasetVersion, {
    input: {
      dataset,
      uri: `${files.path}/${name}.jsonl`,
      format: 'JSONL',
      ...(derivedFrom
        ? { derivedFrom: { datasetVersion: ids[derivedFrom]!, transform: { name: 'relabel' } } }
        : {}),
    },
  });
  const version = expectType(
    data.registerDatasetVersion,
    'RegisterDatasetVersionPayload',
  ).datasetVersion;
  ids[name] = version.id;
  digests[name] = version.digest;
}

async function judged(name: string, inputs: { role: string; version: string }[], title: string) {
  const { data } = await t.graphql(StartRun, {
    input: { project: 'lab', runner: 'judge', inputs, config: { title } },
  });
  const { run } = expectType(data.startRun, 'StartRunPayload');
  const done = await waitForStatus(t, run.id, ['SUCCEEDED', 'FAILED']);
  expect(done.status).toBe('SUCCEEDED');
  ids[`run-${name}`] = run.id;
  ids[`finding-${name}`] = done.findings[0]!.id;
  ids[`artifact-${name}`] = done.artifacts[0]!.id;
}

beforeAll(async () => {
  t = await startTestHub({ runners: [judge] });
  await t.graphql(RegisterDataset, { input: { project: 'secret', name: 'raw', task: 'OTHER' } });
  await t.graphql(RegisterDataset, { input: { project: 'lab', name: 'images', task: 'OTHER' } });
  await datasetVersion('raw', 'secret/raw', '{"x": 0}\n');
  await datasetVersion('dv1', 'lab/images', '{"x": 1}\n', 'raw');
  await datasetVersion('dv2', 'lab/images', '{"x": 2}\n', 'dv1');
  await datasetVersion('dv3', 'lab/images', '{"x": 3}\n', 'dv2');
  await t.graphql(RegisterModel, {
    input: { project: 'lab', name: 'net', task: 'IMAGE_CLASSIFICATION' },
  });
  writeTree(files.path, { 'net.onnx': onnxBytes('net') });
  const { data } = await t.graphql(RegisterModelVersion, {
    input: {
      model: 'lab/net',
      uri: `${files.path}/net.onnx`,
      format: 'ONNX',
      trainedOn: [ids.dv1!],
    },
  });
  const model = expectType(data.registerModelVersion, 'RegisterModelVersionPayload').modelVersion;
  ids.mv1 = model.id;
  digests.mv1 = model.digest;
  // A diamond: the run's model was trained on dv1, and its dataset dv3 derives from dv1.
  await judged(
    'a',
    [
      { role: 'model', version: ids.mv1 },
      { role: 'dataset', version: ids.dv3! },
    ],
    'finding a',
  );
  await judged('b', [{ role: 'dataset', version: ids.dv1! }], 'finding b');
  // A workflow run whose one step judges dv2.
  const defined = await t.graphql(DefineWorkflow, {
    input: {
      project: 'lab',
      name: 'acceptance',
      spec: {
        inputs: [{ name: 'data', kind: 'DATASET_VERSION' }],
        steps: [
          {
            id: 'check',
            runner: 'judge',
            inputs: { dataset: 'data' },
            config: { title: 'finding c' },
          },
        ],
      },
    },
  });
  ids.wv = expectType(defined.data.defineWorkflow, 'DefineWorkflowPayload').workflowVersion.id;
  const started = await t.graphql(StartWorkflow, {
    input: { workflowVersion: ids.wv, inputs: [{ role: 'data', version: ids.dv2! }] },
  });
  const parent = expectType(started.data.startWorkflow, 'RunPayload').run;
  const done = await waitForStatus(t, parent.id, ['SUCCEEDED', 'FAILED']);
  expect(done.status).toBe('SUCCEEDED');
  ids['run-parent'] = parent.id;
  const step = await waitForStatus(t, done.children[0]!.id, ['SUCCEEDED']);
  ids['run-c'] = step.id;
  ids['finding-c'] = step.findings[0]!.id;
  ids['artifact-c'] = step.artifacts[0]!.id;
});

afterAll(async () => {
  await t.close();
  files.remove();
});

/** The short names of global ids, so expectations read as the graph above. */
const named = (id: string) => Object.entries(ids).find(([, value]) => value === id)?.[0] ?? id;

async function trace(
  id: string,
  options: {
    direction?: 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';
    depth?: number;
    maxNodes?: number;
  } = {},
  as?: Actor,
) {
  const response = await t.graphql(Trace, { id, ...options }, as ? { as } : undefined);
  expect(response.errors).toBeUndefined();
  const graph = response.data.trace;
  if (!graph) return null;
  return {
    ...graph,
    nodes: Object.fromEntries(graph.nodes.map((n) => [named(n.id), n.depth])),
    edges: graph.edges
      .map((e) => `${named(e.from)} ${e.relation}${e.role ? `(${e.role})` : ''} ${named(e.to)}`)
      .sort(),
    statements: response.statements,
  };
}

describe('trace', () => {
  it('walks upstream from a finding to every version it rests on, each at its shortest distance', async () => {
    const graph = await trace(ids['finding-a']!);
    expect(graph?.nodes).toEqual({
      'finding-a': 0,
      'run-a': 1,
      mv1: 2,
      dv3: 2,
      dv2: 3,
      // Reached by two paths (the diamond): via the model's training data, and via dv3 and dv2.
      dv1: 3,
      raw: 4,
    });
    expect(graph?.edges).toEqual(
      [
        'run-a GENERATED finding-a',
        'run-a USED(model) mv1',
        'run-a USED(dataset) dv3',
        'mv1 TRAINED_ON dv1',
        'dv3 WAS_DERIVED_FROM dv2',
        'dv2 WAS_DERIVED_FROM dv1',
        'dv1 WAS_DERIVED_FROM raw',
      ].sort(),
    );
    expect(graph).toMatchObject({
      isPartial: false,
      truncatedAt: null,
      hiddenNodes: false,
      hiddenNodeCount: 0,
    });
    expect(graph?.start).toBe(ids['finding-a']);
    // One statement finds the start; one walks the graph, whatever its depth.
    expect(graph?.statements).toHaveLength(2);
    expect(graph?.statements.filter((s) => /with recursive/i.test(s))).toHaveLength(1);
  });

  it('gives each node’s facts: the runner and its version, config, seed and the digests', async () => {
    const { data } = await t.graphql(TraceWithDetails, { id: ids['finding-a']! });
    const nodes = data.trace!.nodes.map((n) => n.node);
    expect(nodes).toContainEqual({
      __typename: 'Run',
      id: ids['run-a'],
      runnerId: 'judge',
      runnerVersion: '2.1.0',
      config: { title: 'finding a' },
      seed: 0,
      workflowVersion: null,
    });
    expect(nodes).toContainEqual({ __typename: 'ModelVersion', id: ids.mv1, digest: digests.mv1 });
    for (const name of ['dv1', 'dv2', 'dv3', 'raw'])
      expect(nodes).toContainEqual({
        __typename: 'DatasetVersion',
        id: ids[name],
        digest: digests[name],
      });
  });

  it('stops at the depth asked for and says the graph is partial', async () => {
    const graph = await trace(ids['finding-a']!, { depth: 2 });
    expect(graph?.nodes).toEqual({ 'finding-a': 0, 'run-a': 1, mv1: 2, dv3: 2 });
    expect(graph?.edges).toEqual(
      ['run-a GENERATED finding-a', 'run-a USED(model) mv1', 'run-a USED(dataset) dv3'].sort(),
    );
    expect(graph).toMatchObject({ isPartial: true, truncatedAt: 2 });
    // Deep enough to reach everything: not partial.
    expect(await trace(ids['finding-a']!, { depth: 4 })).toMatchObject({ isPartial: false });
    expect(await trace(ids['finding-a']!, { depth: 0 })).toMatchObject({
      nodes: { 'finding-a': 0 },
      isPartial: true,
      truncatedAt: 0,
    });
  });

  it('stops at maxNodes, nearest nodes first, and says so', async () => {
    const graph = await trace(ids['finding-a']!, { maxNodes: 3 });
    expect(Object.keys(graph!.nodes)).toHaveLength(3);
    expect(graph?.nodes).toMatchObject({ 'finding-a': 0, 'run-a': 1 });
    expect(graph).toMatchObject({ isPartial: true, truncatedAt: 2 });
  });

  it('walks downstream, and both ways', async () => {
    const down = await trace(ids.dv2!, { direction: 'DOWNSTREAM' });
    expect(down?.nodes).toEqual({
      dv2: 0,
      dv3: 1,
      'run-c': 1,
      'run-a': 2,
      // The workflow run used dv2 itself, and its step is PART_OF it.
      'run-parent': 1,
      'finding-c': 2,
      'artifact-c': 2,
      'finding-a': 3,
      'artifact-a': 3,
    });
    expect(down?.edges).toContain('run-c PART_OF(check) run-parent');
    const both = await trace(ids.dv2!, { direction: 'BOTH' });
    expect(both?.nodes).toEqual({ ...down?.nodes, dv1: 1, raw: 2 });
  });

  it('reaches a step’s workflow version, and a workflow run’s steps', async () => {
    const graph = await trace(ids['finding-c']!);
    expect(graph?.nodes).toEqual({ 'finding-c': 0, 'run-c': 1, wv: 2, dv2: 2, dv1: 3, raw: 4 });
    expect(graph?.edges).toContain('run-c EXECUTED(check) wv');
    const parent = await trace(ids['run-parent']!, { depth: 1 });
    expect(parent?.nodes).toEqual({ 'run-parent': 0, wv: 1, 'run-c': 1, dv2: 1 });
  });

  it('starts from every version of a model or dataset', async () => {
    const datasetId = await datasetOf(ids.dv1!);
    const graph = await trace(datasetId, { direction: 'DOWNSTREAM', depth: 0 });
    expect(graph?.nodes).toEqual({ [datasetId]: 0, dv1: 0, dv2: 0, dv3: 0 });
    expect(graph?.edges).toEqual(
      [
        `dv1 VERSION_OF ${datasetId}`,
        `dv2 VERSION_OF ${datasetId}`,
        `dv3 VERSION_OF ${datasetId}`,
        'dv2 WAS_DERIVED_FROM dv1',
        'dv3 WAS_DERIVED_FROM dv2',
      ].sort(),
    );
  });

  it('never shows a node of a project the actor may not see, nor walks through it', async () => {
    const graph = await trace(ids['finding-a']!, {}, labOnly);
    expect(Object.keys(graph!.nodes)).not.toContain('raw');
    expect(graph?.edges.join('\n')).not.toContain('raw');
    expect(graph).toMatchObject({ hiddenNodes: true, hiddenNodeCount: 1, isPartial: false });
    // From the hidden side, the lab's nodes are hidden in turn; and a hidden start is null.
    expect(await trace(ids['finding-a']!, {}, secretOnly)).toBeNull();
    const fromRaw = await trace(ids.raw!, { direction: 'DOWNSTREAM' }, secretOnly);
    expect(fromRaw?.nodes).toEqual({ raw: 0 });
    expect(fromRaw).toMatchObject({ hiddenNodes: true, hiddenNodeCount: 1 });
  });

  it('answers null for an unknown id and a typed error for limits out of range', async () => {
    expect(await trace('not-an-id')).toBeNull();
    const response = await t.graphql(Trace, { id: ids['finding-a']!, depth: -1 });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/depth must be from 0 to 1000/);
    const tooMany = await t.graphql(Trace, { id: ids['finding-a']!, maxNodes: 1_000_000 });
    expect(tooMany.errors?.[0]?.message).toMatch(/maxNodes must be from 1 to 10000/);
  });

  it('exports the trace as a W3C PROV-JSON document', async () => {
    const { data } = await t.graphql(TraceProv, { id: ids['finding-a']! });
    const prov = data.trace!.prov as Record<string, Record<string, Record<string, unknown>>>;
    const key = (type: string, globalId: string) =>
      `evalhub:${type}/${Buffer.from(globalId, 'base64url').toString().split(':')[1]}`;
    expect(prov.prefix).toMatchObject({ evalhub: 'urn:evalhub:' });
    expect(prov.entity![key('DatasetVersion', ids.dv1!)]).toMatchObject({
      'prov:type': 'evalhub:DatasetVersion',
      'prov:label': 'lab/images@v1',
      'evalhub:digest': digests.dv1,
    });
    expect(prov.activity![key('Run', ids['run-a']!)]).toMatchObject({
      'evalhub:seed': 0,
      'evalhub:config': '{"title":"finding a"}',
      'prov:startTime': { type: 'xsd:dateTime' },
    });
    expect(Object.values(prov.used!)).toContainEqual({
      'prov:activity': key('Run', ids['run-a']!),
      'prov:entity': key('DatasetVersion', ids.dv3!),
      'prov:role': 'dataset',
    });
    expect(Object.values(prov.wasGeneratedBy!)).toContainEqual({
      'prov:entity': key('Finding', ids['finding-a']!),
      'prov:activity': key('Run', ids['run-a']!),
    });
    expect(Object.values(prov.wasDerivedFrom!)).toContainEqual({
      'prov:generatedEntity': key('DatasetVersion', ids.dv3!),
      'prov:usedEntity': key('DatasetVersion', ids.dv2!),
    });
    expect(Object.values(prov.wasAssociatedWith!)).toContainEqual({
      'prov:activity': key('Run', ids['run-a']!),
      'prov:agent': 'evalhub:runner/judge@2.1.0',
    });
  });
});

async function datasetOf(versionId: string): Promise<string> {
  const { data } = await t.graphql(RegisterDatasetVersion, {
    input: { dataset: 'lab/images', uri: `${files.path}/dv1.jsonl`, format: 'JSONL' },
  });
  // Registering the same content again answers the existing version, with its dataset.
  const version = expectType(data.registerDatasetVersion, 'RegisterDatasetVersionPayload');
  expect(version.created).toBe(false);
  expect(version.datasetVersion.id).toBe(versionId);
  return version.datasetVersion.dataset.id;
}

describe('impact', () => {
  it('lists everything downstream of a version: runs, findings (most severe first), derived versions', async () => {
    const { data, errors } = await t.graphql(Impact, { id: ids.dv1! });
    expect(errors).toBeUndefined();
    const impact = data.impact!;
    expect(impact.isPartial).toBe(false);
    expect(impact.findings.map((f) => named(f.id)).sort()).toEqual([
      'finding-a',
      'finding-b',
      'finding-c',
    ]);
    expect(impact.runs.map((r) => named(r.id)).sort()).toEqual([
      'run-a',
      'run-b',
      'run-c',
      'run-parent',
    ]);
    expect(impact.datasetVersions.map((v) => named(v.id)).sort()).toEqual(['dv2', 'dv3']);
    expect(impact.modelVersions.map((v) => named(v.id))).toEqual(['mv1']);
    expect(impact.artifacts.map((a) => named(a.id)).sort()).toEqual([
      'artifact-a',
      'artifact-b',
      'artifact-c',
    ]);
  });

  it('is cut short by maxNodes, and hides what the actor may not see', async () => {
    const { data } = await t.graphql(Impact, { id: ids.dv1!, maxNodes: 2 });
    expect(data.impact?.isPartial).toBe(true);
    expect(data.impact?.graph.nodes).toHaveLength(2);
    const hidden = await t.graphql(Impact, { id: ids.raw! }, { as: labOnly });
    expect(hidden.data.impact).toBeNull();
  });
});

describe('lineagePath', () => {
  async function path(from: string, to: string) {
    const { data, errors } = await t.graphql(LineagePathQuery, { from, to });
    expect(errors).toBeUndefined();
    const found = data.lineagePath;
    return (
      found && {
        direction: found.direction,
        nodes: found.nodes.map((n) => named(n.id)),
        edges: found.edges.map((e) => `${named(e.from)} ${e.relation} ${named(e.to)}`),
      }
    );
  }

  it('finds a shortest path upstream, and the same path downstream the other way', async () => {
    // Through the model's training data (4 edges), not the derivation chain (5 edges).
    expect(await path(ids['finding-a']!, ids.raw!)).toEqual({
      direction: 'UPSTREAM',
      nodes: ['finding-a', 'run-a', 'mv1', 'dv1', 'raw'],
      edges: [
        'run-a GENERATED finding-a',
        'run-a USED mv1',
        'mv1 TRAINED_ON dv1',
        'dv1 WAS_DERIVED_FROM raw',
      ],
    });
    const back = await path(ids.raw!, ids['finding-a']!);
    expect(back?.direction).toBe('DOWNSTREAM');
    expect(back?.nodes).toEqual(['raw', 'dv1', 'mv1', 'run-a', 'finding-a']);
  });

  it('is null between nodes that neither came from the other', async () => {
    expect(await path(ids['finding-a']!, ids['finding-b']!)).toBeNull();
  });
});
