// A hub's runs exported as OpenLineage and imported into an empty hub give the same graph:
// the same versions (by digest) with their derivations and training data, the same runs
// (runner, config, seed, status) with their inputs, outputs, metrics, findings and
// artifacts, and the same workflow runs and steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { graphql } from './gql/index.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
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

const AllRuns = graphql(`
  query AllRuns {
    runs(first: 100) { edges { node { id externalId } } }
  }
`);

const Graph = graphql(`
  query Graph($id: ID!) {
    trace(id: $id, direction: BOTH, depth: 1000) {
      nodes {
        id
        node {
          __typename
          ... on Run {
            id externalId runnerId runnerVersion config seed runStatus: status runKey stepId
            metrics(first: 500) { edges { node { key value step slice ciLower ciUpper ciLevel sampleSize } } }
          }
          ... on ModelVersion { digest version model { name project { slug } } }
          ... on DatasetVersion { digest version transform itemCount dataset { name project { slug } } }
          ... on WorkflowVersion { digest number workflow { name } }
          ... on Finding { kind severity status title summary evidence subject { __typename ... on DatasetVersion { digest } ... on ModelVersion { digest } } run { id externalId } }
          ... on Artifact { name mediaType digest sizeBytes run { id externalId } }
        }
      }
      edges { from to relation role }
    }
  }
`);

let a: TestHub;
let b: TestHub;
const files = tempFolder();

async function register(t: TestHub) {
  writeTree(files.path, {
    'raw.jsonl': '{"raw": 1}\n',
    'images.jsonl': '{"img": 1}\n',
    'net.onnx': onnxBytes('net'),
  });
  await t.graphql(RegisterDataset, { input: { project: 'lab', name: 'raw', task: 'OTHER' } });
  await t.graphql(RegisterDataset, {
    input: { project: 'lab', name: 'images', task: 'IMAGE_CLASSIFICATION' },
  });
  const raw = await t.graphql(RegisterDatasetVersion, {
    input: { dataset: 'lab/raw', uri: `${files.path}/raw.jsonl`, format: 'JSONL' },
  });
  const rawId = expectType(raw.data.registerDatasetVersion, 'RegisterDatasetVersionPayload')
    .datasetVersion.id;
  const images = await t.graphql(RegisterDatasetVersion, {
    input: {
      dataset: 'lab/images',
      uri: `${files.path}/images.jsonl`,
      format: 'JSONL',
      derivedFrom: { datasetVersion: rawId, transform: { name: 'clean', threshold: 0.5 } },
    },
  });
  const imagesId = expectType(images.data.registerDatasetVersion, 'RegisterDatasetVersionPayload')
    .datasetVersion.id;
  await t.graphql(RegisterModel, {
    input: { project: 'lab', name: 'net', task: 'IMAGE_CLASSIFICATION' },
  });
  const model = await t.graphql(RegisterModelVersion, {
    input: {
      model: 'lab/net',
      uri: `${files.path}/net.onnx`,
      format: 'ONNX',
      trainedOn: [imagesId],
    },
  });
  const modelId = expectType(model.data.registerModelVersion, 'RegisterModelVersionPayload')
    .modelVersion.id;
  return { imagesId, modelId };
}

async function finished(t: TestHub, id: string) {
  return waitForStatus(t, id, ['SUCCEEDED', 'FAILED', 'CANCELLED']);
}

beforeAll(async () => {
  a = await startTestHub({ runners: [emitRunner] });
  b = await startTestHub({ runners: [emitRunner] });
  const { imagesId, modelId } = await register(a);
  const evaluation = await a.graphql(StartRun, {
    input: {
      project: 'lab',
      runner: 'emit',
      name: 'evaluation',
      seed: 7,
      tags: ['nightly'],
      inputs: [
        { role: 'model', version: modelId },
        { role: 'dataset', version: imagesId },
      ],
      config: {
        metrics: [
          { key: 'accuracy', value: 0.91, ci: { lower: 0.88, upper: 0.94, level: 0.95 } },
          { key: 'loss', value: 0.4, step: 1 },
          { key: 'loss', value: 0.3, step: 2 },
          { key: 'recall', value: 0.8, slice: { class: 'cat' } },
        ],
        findings: [
          {
            kind: 'LABEL_PROBLEM',
            severity: 'HIGH',
            title: 'Mislabelled cats',
            summary: '3 of 40',
          },
        ],
        artifacts: [{ name: 'report.json', json: { ok: true } }],
        outputs: [{ name: 'relabelled', content: 'fixed labels' }],
      },
    },
  });
  await finished(a, expectType(evaluation.data.startRun, 'StartRunPayload').run.id);
  const failing = await a.graphql(StartRun, {
    input: {
      project: 'lab',
      runner: 'emit',
      inputs: [{ role: 'dataset', version: imagesId }],
      config: { fail: 'broken' },
    },
  });
  await finished(a, expectType(failing.data.startRun, 'StartRunPayload').run.id);
  const workflow = await a.graphql(DefineWorkflow, {
    input: {
      project: 'lab',
      name: 'acceptance',
      description: 'Checks before release',
      spec: {
        inputs: [{ name: 'data', kind: 'DATASET_VERSION' }],
        steps: [
          {
            id: 'check',
            runner: 'emit',
            inputs: { dataset: 'data' },
            config: { findings: [{ kind: 'NOTE', severity: 'INFO', title: 'checked' }] },
          },
        ],
      },
    },
  });
  const version = expectType(workflow.data.defineWorkflow, 'DefineWorkflowPayload').workflowVersion
    .id;
  const started = await a.graphql(StartWorkflow, {
    input: { workflowVersion: version, inputs: [{ role: 'data', version: imagesId }] },
  });
  const parent = await finished(a, expectType(started.data.startWorkflow, 'RunPayload').run.id);
  for (const child of parent.children) await finished(a, child.id);
});

afterAll(async () => {
  await a.close();
  await b.close();
  files.remove();
});

const localId = (globalId: string) => decodeGlobalId(globalId)!.id;

/** A node as a label both hubs agree on: versions by digest, runs by their id in hub A. */
type GraphNode = NonNullable<Awaited<ReturnType<typeof graphOf>>>['nodes'][number]['node'];

function label(node: GraphNode): string {
  const runOf = (run: { id: string; externalId: string | null }) =>
    run.externalId ?? localId(run.id);
  switch (node.__typename) {
    case 'Run':
      return `Run ${runOf(node)}`;
    case 'ModelVersion':
      return `ModelVersion ${node.model.project.slug}/${node.model.name}@${node.version} ${node.digest}`;
    case 'DatasetVersion':
      return `DatasetVersion ${node.dataset.project.slug}/${node.dataset.name}@${node.version} ${node.digest}`;
    case 'WorkflowVersion':
      return `WorkflowVersion ${node.workflow.name}#${node.number} ${node.digest}`;
    case 'Finding':
      return `Finding ${runOf(node.run)} ${node.title}`;
    case 'Artifact':
      return `Artifact ${runOf(node.run)} ${node.name}`;
    default:
      return node.__typename;
  }
}

async function graphOf(t: TestHub, id: string) {
  const { data, errors } = await t.graphql(Graph, { id });
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data.trace!;
}

/** The graph around a run as comparable text: every node with its facts, every edge. */
async function normalised(t: TestHub, id: string) {
  const graph = await graphOf(t, id);
  const labels = new Map(graph.nodes.map((n) => [n.id, label(n.node)]));
  const nodes = graph.nodes
    .map(({ node }) => {
      const { id: _id, externalId: _ext, run: _run, ...facts } = node as Record<string, unknown>;
      return `${label(node)} ${JSON.stringify(facts)}`;
    })
    .sort();
  const edges = graph.edges
    .map((e) => `${labels.get(e.from)} ${e.relation}(${e.role}) ${labels.get(e.to)}`)
    .sort();
  return { nodes, edges };
}

describe('OpenLineage export and import', () => {
  it('gives the same graph when a hub’s runs are imported into an empty hub', async () => {
    const runs = (await a.graphql(AllRuns)).data.runs.edges.map((e) => e.node.id);
    expect(runs).toHaveLength(4);
    // Children first, so the import meets a parent before its own events come.
    const exported = [];
    for (const id of [...runs].reverse()) {
      const response = await fetch(`${a.hub.url}/api/v1/runs/${id}/openlineage`);
      expect(response.status).toBe(200);
      exported.push(...((await response.json()) as unknown[]));
    }
    const imported = await fetch(`${b.hub.url}/api/v1/lineage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(exported),
    });
    expect(imported.status).toBe(201);
    const inB = new Map(
      (await b.graphql(AllRuns)).data.runs.edges.map((e) => [e.node.externalId, e.node.id]),
    );
    for (const id of runs) {
      const original = await normalised(a, id);
      const copy = await normalised(b, inB.get(localId(id))!);
      expect(copy.nodes).toEqual(original.nodes);
      expect(copy.edges).toEqual(original.edges);
    }
    // The graph has what the test is about.
    const evaluation = await normalised(a, runs.at(-1)!);
    const edges = evaluation.edges.join('\n');
    for (const relation of [
      'USED(model)',
      'USED(dataset)',
      'GENERATED(relabelled)',
      'TRAINED_ON',
      'WAS_DERIVED_FROM',
    ])
      expect(edges).toContain(relation);
  });

  it('exports a hub run as START and COMPLETE events that pass the spec', async () => {
    const [run] = (await a.graphql(AllRuns)).data.runs.edges.map((e) => e.node.id);
    const events = (await (await fetch(`${a.hub.url}/api/v1/runs/${run}/openlineage`)).json()) as {
      eventType: string;
    }[];
    expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    const missing = await fetch(`${a.hub.url}/api/v1/runs/nope/openlineage`);
    expect(missing.status).toBe(404);
  });

  it('leaves out of an export what the reader may not see: a version of another project', async () => {
    writeTree(files.path, { 'vault.jsonl': '{"secret": 1}\n' });
    await a.graphql(RegisterDataset, { input: { project: 'vault', name: 'kept', task: 'OTHER' } });
    const kept = await a.graphql(RegisterDatasetVersion, {
      input: { dataset: 'vault/kept', uri: `${files.path}/vault.jsonl`, format: 'JSONL' },
    });
    const keptId = expectType(kept.data.registerDatasetVersion, 'RegisterDatasetVersionPayload')
      .datasetVersion.id;
    const started = await a.graphql(StartRun, {
      input: { project: 'lab', runner: 'emit', inputs: [{ role: 'dataset', version: keptId }] },
    });
    const run = expectType(started.data.startRun, 'StartRunPayload').run.id;
    await finished(a, run);
    const exportAs = async (projects: string[]) => {
      const response = await fetch(`${a.hub.url}/api/v1/runs/${run}/openlineage`, {
        headers: { 'x-test-actor': JSON.stringify(memberOf('token:reader', projects)) },
      });
      return JSON.stringify(await response.json());
    };
    expect(await exportAs(['lab', 'vault'])).toContain('vault.jsonl');
    const labOnly = await exportAs(['lab']);
    expect(labOnly).toContain('"eventType":"COMPLETE"');
    expect(labOnly).not.toContain('vault');
  });
});
