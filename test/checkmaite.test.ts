// checkmaite run records in: an evaluation with accuracy per class, a drift (shift) run over
// two datasets, links to versions registered with the MAITE id, placeholders for the ids the
// hub does not know, the run_uid kept and searchable, the same record twice, malformed
// records, and the rules that turn outputs into metrics.
//
// The fixtures' run_uids are checkmaite's own (capability_core.CapabilityRunBase.compute_uid,
// checkmaite 0.3.0), computed with Python 3:
//   hashlib.sha256(json.dumps({"capability_id": r["capability_id"], "config": r["config"],
//     "dataset_ids": [d["id"] for d in r["dataset_metadata"]],
//     "model_ids": [d["id"] for d in r["model_metadata"]],
//     "metric_id": [d["id"] for d in r["metric_metadata"]]}).encode("utf-8")).hexdigest()
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_METRICS, readCheckmaiteOutputs } from '../src/resolvers/interop/checkmaite/outputs.ts';
import { parseCheckmaiteRecord } from '../src/resolvers/interop/checkmaite/record.ts';
import type { SearchFilter } from './gql/graphql.ts';
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
import { StartWorkflow } from './support/run-documents.ts';

type Json = { [key: string]: unknown };

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`./fixtures/checkmaite/${name}`, import.meta.url), 'utf8'),
  ) as Json;
const evaluation = fixture('maite-evaluation.json');
const shift = fixture('dataeval-shift.json');

const EVALUATION_UID = 'a13287ef6398bc4f44949a10eb0ea228c8838753b289d4160f14bec942a3ad85';
const SHIFT_UID = '7f82cffe5e224a2a9653bf9c280f77d0c297f6f62d62e1afa3abd1e0181d4b6d';
const EVALUATION_ID =
  'checkmaite.core.image_classification.maite_evaluation_capability.MaiteEvaluation';

/** A run_uid for a variant of a fixture: the hub takes run_uids as given, never recomputes them. */
const uidOf = (text: string) => createHash('sha256').update(text).digest('hex');

/** The placeholder digest docs/interop.md gives: sha256 of the canonical JSON {id, kind, source}. */
const placeholderDigest = (kind: string, id: string) =>
  `sha256:${createHash('sha256')
    .update(`{"id":${JSON.stringify(id)},"kind":"${kind}","source":"checkmaite"}`)
    .digest('hex')}`;

const ImportCheckmaiteRun = graphql(`
  mutation ImportCheckmaiteRun($input: ImportCheckmaiteRunInput!) {
    importCheckmaiteRun(input: $input) {
      __typename
      ... on ImportCheckmaiteRunPayload { created run { id externalId status } }
      ... on Error { message }
      ... on ValidationError { path }
      ... on ConflictError { existingId }
    }
  }
`);

const CheckmaiteRuns = graphql(`
  query CheckmaiteRuns($filter: SearchFilter) {
    runs(filter: $filter, first: 50) {
      edges {
        node {
          id name status source externalId runnerId runnerVersion config seed tags environment
          startedAt finishedAt
          error { code message }
          project { slug }
          workflowVersion { id number spec workflow { name } }
          inputs {
            role position
            version {
              __typename
              ... on ModelVersion { id version digest labels metadata model { name } }
              ... on DatasetVersion { id version digest uri format labels metadata dataset { name task } }
            }
          }
          metrics(first: 500) { edges { node { key value slice } } }
          findings { kind severity title evidence subject { __typename ... on DatasetVersion { id } } }
          artifacts { name mediaType url }
        }
      }
    }
  }
`);

const Search = graphql(`
  query SearchCheckmaite($query: String) {
    search(query: $query) { edges { node { node { __typename ... on Run { externalId } } } } }
  }
`);

let t: TestHub;
const files = tempFolder();

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(async () => {
  await t.close();
  files.remove();
});

/** An object `depth` levels deep. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { level: value };
  return value;
}

async function importRecord(record: unknown, project = 'pets') {
  const { data, errors } = await t.graphql(ImportCheckmaiteRun, { input: { project, record } });
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data.importCheckmaiteRun;
}

async function runsWhere(filter: SearchFilter) {
  const { data } = await t.graphql(CheckmaiteRuns, { filter });
  return data.runs.edges.map((e) => e.node);
}

async function runOf(runUid: string) {
  const [run] = await runsWhere({ tags: [runUid] });
  return run!;
}

/** A MAITE model version registered with its MAITE metadata, id and all. */
async function registerModelWithMaiteId() {
  writeTree(files.path, { 'resnet18-pets.onnx': onnxBytes('resnet18-pets') });
  await t.graphql(RegisterModel, {
    input: { project: 'pets', name: 'resnet18', task: 'IMAGE_CLASSIFICATION' },
  });
  const registered = await t.graphql(RegisterModelVersion, {
    input: {
      model: 'pets/resnet18',
      version: 'v3',
      uri: `${files.path}/resnet18-pets.onnx`,
      format: 'ONNX',
      metadata: (evaluation.model_metadata as unknown[])[0],
    },
  });
  return expectType(registered.data.registerModelVersion, 'RegisterModelVersionPayload')
    .modelVersion.id;
}

describe('importCheckmaiteRun', () => {
  let modelVersionId: string;
  let petsTestPlaceholder: string;

  it('imports an evaluation: the run, its inputs, accuracy per class, the record as an artifact', async () => {
    modelVersionId = await registerModelWithMaiteId();
    const result = expectType(await importRecord(evaluation), 'ImportCheckmaiteRunPayload');
    expect(result).toMatchObject({
      created: true,
      run: { externalId: EVALUATION_UID, status: 'SUCCEEDED' },
    });
    const run = await runOf(EVALUATION_UID);
    expect(run).toMatchObject({
      id: result.run.id,
      name: 'MaiteEvaluation',
      source: 'checkmaite',
      runnerId: `checkmaite:${EVALUATION_ID}`,
      runnerVersion: '',
      config: { batch_size: 16 },
      seed: 0,
      startedAt: null,
      finishedAt: null,
      error: null,
      project: { slug: 'pets' },
      workflowVersion: {
        number: 1,
        spec: { checkmaite: { capabilityId: EVALUATION_ID } },
        workflow: { name: EVALUATION_ID },
      },
    });
    // The model was registered with the MAITE id; the dataset was not, so a placeholder
    // stands in for it, known by its id alone.
    expect(run.inputs).toEqual([
      {
        role: 'dataset',
        position: 0,
        version: {
          __typename: 'DatasetVersion',
          id: expect.any(String),
          version: 'maite',
          digest: placeholderDigest('dataset', 'pets-test'),
          uri: 'urn:maite:dataset:pets-test',
          format: 'OTHER',
          labels: ['cat', 'dog', 'bird', 'rabbit'],
          metadata: {
            id: 'pets-test',
            index2label: { 0: 'cat', 1: 'dog', 2: 'bird', 3: 'rabbit' },
            checkmaite: { placeholder: true },
          },
          dataset: { name: 'pets-test', task: 'IMAGE_CLASSIFICATION' },
        },
      },
      {
        role: 'model',
        position: 0,
        version: expect.objectContaining({ id: modelVersionId, version: 'v3' }),
      },
    ]);
    petsTestPlaceholder = run.inputs[0]!.version!.id;
    expect(run.metrics.edges.map((e) => e.node)).toEqual([
      { key: 'accuracy', value: 0.8625, slice: {} },
      { key: 'accuracy', value: 0.71, slice: { class: 'bird' } },
      { key: 'accuracy', value: 0.93, slice: { class: 'cat' } },
      { key: 'accuracy', value: 0.89, slice: { class: 'dog' } },
    ]);
    // checkmaite's report lists model classes the test data lacks; so does the hub.
    expect(run.findings).toEqual([
      {
        kind: 'MISSING_CLASSES',
        severity: 'LOW',
        title: '1 of 4 classes of resnet18-pets do not occur in pets-test (rabbit)',
        evidence: { metric: 'accuracy', missingClasses: ['rabbit'], classesEvaluated: 3 },
        subject: { __typename: 'DatasetVersion', id: petsTestPlaceholder },
      },
    ]);
    expect(run.environment).toEqual({
      checkmaite: {
        runUid: EVALUATION_UID,
        capabilityId: EVALUATION_ID,
        recordDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        metricMetadata: [{ id: 'torch_ic_accuracy_de20f7b9' }],
        inputs: [
          {
            role: 'model',
            position: 0,
            maiteId: 'resnet18-pets',
            version: 'resnet18@v3',
            match: 'registered',
          },
          {
            role: 'dataset',
            position: 0,
            maiteId: 'pets-test',
            version: 'pets-test@maite',
            match: 'placeholder',
          },
        ],
      },
    });
    expect(run.artifacts).toMatchObject([
      { name: 'checkmaite-record.json', mediaType: 'application/json' },
    ]);
    const kept = await fetch(new URL(run.artifacts[0]!.url, t.hub.url));
    expect(await kept.json()).toEqual(evaluation);
  });

  it('keeps the run_uid: runs(filter) and search find the run by it, runs(filter) by its capability', async () => {
    expect((await runsWhere({ tags: [EVALUATION_UID] })).map((r) => r.externalId)).toEqual([
      EVALUATION_UID,
    ]);
    expect(
      (await runsWhere({ runner: [`checkmaite:${EVALUATION_ID}`] })).map((r) => r.externalId),
    ).toEqual([EVALUATION_UID]);
    expect(await runsWhere({ tags: [uidOf('no such run')] })).toEqual([]);
    const { data } = await t.graphql(Search, { query: EVALUATION_UID });
    expect(data.search.edges.map((e) => e.node.node)).toEqual([
      { __typename: 'Run', externalId: EVALUATION_UID },
    ]);
  });

  it('imports a drift run over HTTP: both datasets in checkmaite’s order, the drift as a finding', async () => {
    const post = (record: unknown, query = '?project=pets') =>
      fetch(`${t.hub.url}/api/v1/checkmaite/runs${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(record),
      });
    const response = await post(shift);
    expect(response.status).toBe(201);
    const body = (await response.json()) as { run: { id: string }; created: boolean };
    expect(body).toMatchObject({
      created: true,
      run: { runUid: SHIFT_UID, status: 'SUCCEEDED', project: 'pets' },
    });
    const run = await runOf(SHIFT_UID);
    expect(run.id).toBe(body.run.id);
    const datasets = run.inputs.map((i) => [
      i.role,
      i.position,
      i.version?.__typename === 'DatasetVersion' && i.version.dataset.name,
    ]);
    expect(datasets).toEqual([
      ['dataset', 0, 'pets-test'],
      ['dataset', 1, 'pets-test-fog'],
    ]);
    // The same MAITE id, the same placeholder: linked by id, as checkmaite identifies data.
    expect(run.inputs[0]!.version!.id).toBe(petsTestPlaceholder);
    const fog = run.inputs[1]!.version!.id;
    // Numbers only: drifted flags, metric names and binary references stay in the record.
    expect(run.metrics.edges.map((e) => e.node)).toEqual([
      { key: 'drift_cvm_details_feature_threshold', value: 0.05, slice: {} },
      { key: 'drift_cvm_details_p_val', value: 0.011, slice: {} },
      { key: 'drift_cvm_distance', value: 0.142, slice: {} },
      { key: 'drift_cvm_threshold', value: 0.05, slice: {} },
      { key: 'drift_ks_details_feature_threshold', value: 0.05, slice: {} },
      { key: 'drift_ks_details_p_val', value: 0.214, slice: {} },
      { key: 'drift_ks_distance', value: 0.081, slice: {} },
      { key: 'drift_ks_threshold', value: 0.05, slice: {} },
      { key: 'drift_mmd_details_distance_threshold', value: 0.0121, slice: {} },
      { key: 'drift_mmd_details_p_val', value: 0.002, slice: {} },
      { key: 'drift_mmd_distance', value: 0.0213, slice: {} },
      { key: 'drift_mmd_threshold', value: 0.05, slice: {} },
    ]);
    expect(run.findings).toEqual([
      {
        kind: 'DRIFT',
        severity: 'MEDIUM',
        title: 'pets-test-fog drifted from pets-test: mmd2, cvm detected drift (ks did not)',
        evidence: expect.objectContaining({ reference: 'pets-test', dataset: 'pets-test-fog' }),
        subject: { __typename: 'DatasetVersion', id: fog },
      },
    ]);
    const again = await post(shift);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ created: false, run: { id: body.run.id } });
    expect((await post(shift, '')).status).toBe(400);
    expect((await fetch(`${t.hub.url}/api/v1/checkmaite/runs?project=pets`)).status).toBe(405);
  });

  it('links a MAITE id to a version registered with it, in preference to the placeholder', async () => {
    writeTree(files.path, { 'pets/cat/1.png': 'a cat', 'pets/dog/1.png': 'a dog' });
    await t.graphql(RegisterDataset, {
      input: { project: 'pets', name: 'pets', task: 'IMAGE_CLASSIFICATION' },
    });
    const registered = await t.graphql(RegisterDatasetVersion, {
      input: {
        dataset: 'pets/pets',
        version: 'v1',
        uri: `${files.path}/pets`,
        format: 'IMAGE_FOLDER',
        metadata: { id: 'pets-test' },
      },
    });
    const v1 = expectType(registered.data.registerDatasetVersion, 'RegisterDatasetVersionPayload')
      .datasetVersion.id;
    const rerun = {
      ...evaluation,
      run_uid: uidOf('evaluation with batch_size 32'),
      config: { batch_size: 32 },
    };
    expectType(await importRecord(rerun), 'ImportCheckmaiteRunPayload');
    const run = await runOf(rerun.run_uid);
    expect(run.inputs.map((i) => i.version?.id)).toEqual([v1, modelVersionId]);
    // The capability is one workflow, whatever the config.
    expect(run.workflowVersion).toMatchObject({ number: 1, workflow: { name: EVALUATION_ID } });
  });

  it('returns the run an earlier import made for the same record, and refuses another record under its run_uid', async () => {
    const counts = () =>
      Promise.all(['runs', 'metrics', 'findings', 'artifacts'].map((table) => countRows(t, table)));
    const before = await counts();
    const [run] = await runsWhere({ tags: [EVALUATION_UID] });
    const again = expectType(await importRecord(evaluation), 'ImportCheckmaiteRunPayload');
    expect(again).toMatchObject({ created: false, run: { id: run!.id } });
    const changed = {
      ...evaluation,
      outputs: { ...(evaluation.outputs as Json), result: { accuracy: 0.9 } },
    };
    expect(await importRecord(changed)).toMatchObject({
      __typename: 'ConflictError',
      existingId: run!.id,
      message: expect.stringContaining('from a different record'),
    });
    expect(await counts()).toEqual(before);
  });

  it('makes one run of one record imported twice at once, with its placeholders once', async () => {
    const record = {
      ...shift,
      run_uid: uidOf('shift against a new dataset'),
      dataset_metadata: [
        (shift.dataset_metadata as unknown[])[0],
        { id: 'pets-test-snow', index2label: { 0: 'cat', 1: 'dog', 2: 'bird', 3: 'rabbit' } },
      ],
    };
    const both = await Promise.all([importRecord(record), importRecord(record)]);
    const [first, second] = both.map((r) => expectType(r, 'ImportCheckmaiteRunPayload'));
    expect([first!.created, second!.created].sort()).toEqual([false, true]);
    expect(second!.run.id).toBe(first!.run.id);
    expect(await runsWhere({ tags: [record.run_uid] })).toHaveLength(1);
  });

  it('records a failed run as FAILED, with the error the record gives', async () => {
    const { outputs: _outputs, ...rest } = evaluation;
    const failed = {
      ...rest,
      run_uid: uidOf('failed evaluation'),
      status: 'failed',
      error: 'CUDA out of memory',
    };
    expectType(await importRecord(failed), 'ImportCheckmaiteRunPayload');
    expect(await runOf(failed.run_uid)).toMatchObject({
      status: 'FAILED',
      error: { code: 'EXTERNAL_FAILURE', message: 'CUDA out of memory' },
      metrics: { edges: [] },
      findings: [],
      artifacts: [{ name: 'checkmaite-record.json' }],
    });
  });

  it('refuses a malformed record with a typed error naming the field, and stores nothing', async () => {
    const tables = [
      'projects',
      'runs',
      'run_events',
      'datasets',
      'dataset_versions',
      'models',
      'workflows',
      'metrics',
      'artifacts',
      'audit_log',
    ];
    const counts = () => Promise.all(tables.map((table) => countRows(t, table)));
    const before = await counts();
    const fresh = { ...evaluation, run_uid: uidOf('malformed') };
    const cases: [unknown, string[], RegExp][] = [
      [
        { ...fresh, run_uid: 'ABC' },
        ['input', 'record', 'run_uid'],
        /run_uid must be checkmaite's run_uid: a SHA-256 hex digest/,
      ],
      [
        { ...fresh, dataset_metadata: [{ index2label: { 0: 'cat' } }] },
        ['input', 'record', 'dataset_metadata', '0', 'id'],
        /dataset_metadata\[0\]\.id is required/,
      ],
      [
        { ...fresh, model_metadata: [{ id: 'm', index2label: { first: 'cat' } }] },
        ['input', 'record', 'model_metadata', '0', 'index2label', 'first'],
        /whole-number keys/,
      ],
      [
        { ...fresh, config: ['batch_size', 16] },
        ['input', 'record', 'config'],
        /config must be an object/,
      ],
      [{ ...fresh, outputs: undefined }, ['input', 'record', 'outputs'], /required of a completed/],
      [{ ...fresh, status: 'running' }, ['input', 'record', 'status'], /"completed", "failed"/],
      [[fresh], ['input', 'record'], /is a JSON object/],
      [{ ...fresh, outputs: { deep: nested(100) } }, ['input', 'record'], /nests deeper than 64/],
    ];
    for (const [record, path, message] of cases) {
      const result = await importRecord(record, 'fresh-project');
      expect(result).toMatchObject({ __typename: 'ValidationError', path });
      expect('message' in result && result.message).toMatch(message);
    }
    expect(await importRecord(fresh, 'Not A Slug')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'project'],
    });
    const http = await fetch(`${t.hub.url}/api/v1/checkmaite/runs?project=pets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...fresh, dataset_metadata: [{ id: '' }] }),
    });
    expect(http.status).toBe(400);
    expect(await http.json()).toMatchObject({ pointer: '/dataset_metadata/0/id' });
    expect(await counts()).toEqual(before);
  });

  it('refuses to start a capability’s workflow version: it records runs, it has no steps', async () => {
    const { workflowVersion } = await runOf(EVALUATION_UID);
    const { data } = await t.graphql(StartWorkflow, {
      input: { workflowVersion: workflowVersion!.id },
    });
    expect(data.startWorkflow).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringMatching(/records runs imported from another tool/),
    });
  });

  it('exports an imported run as OpenLineage like any other run', async () => {
    const run = await runOf(SHIFT_UID);
    const response = await fetch(`${t.hub.url}/api/v1/runs/${run.id}/openlineage`);
    const events = (await response.json()) as {
      eventType: string;
      run: { facets: { evalhub_run: { runnerId: string } } };
      inputs: unknown[];
    }[];
    expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    expect(events[1]!.run.facets.evalhub_run.runnerId).toBe(run.runnerId);
    expect(events[1]!.inputs).toHaveLength(2);
  });
});

describe('outputs as metrics', () => {
  const recordWith = (outputs: Json) =>
    parseCheckmaiteRecord(
      {
        run_uid: uidOf('rules'),
        capability_id: 'example.Capability',
        config: {},
        dataset_metadata: [{ id: 'd', index2label: { 0: 'cat', 1: 'dog', 2: 'bird' } }],
        model_metadata: [],
        metric_metadata: [],
        outputs,
      },
      [],
    );

  it('keys numbers by their path in snake_case, and slices arrays by class or index', () => {
    const { metrics, findings } = readCheckmaiteOutputs(
      recordWith({
        summary: { meanIoU: 0.5, 'p value': 0.04 },
        recall: [0.9, 0.8, 0.7],
        sweep: [{ accuracy: 0.9 }, { accuracy: 0.6, perClass: { cat: 0.5, dog: 0.7 } }],
        scores: [1, 2],
        duplicates: [
          [0, 3],
          [5, 9],
        ],
        flags: { drifted: false, note: 'fine', cached: 'binary+numpy://abc', missing: null },
        summary_p_value: 1,
      }),
    );
    expect(metrics).toEqual([
      { key: 'summary_mean_io_u', value: 0.5 },
      { key: 'summary_p_value', value: 0.04 },
      { key: 'recall', value: 0.9, slice: { class: 'cat' } },
      { key: 'recall', value: 0.8, slice: { class: 'dog' } },
      { key: 'recall', value: 0.7, slice: { class: 'bird' } },
      { key: 'sweep_accuracy', value: 0.9, slice: { index: '0' } },
      { key: 'sweep_accuracy', value: 0.6, slice: { index: '1' } },
      { key: 'sweep_per_class', value: 0.5, slice: { index: '1', class: 'cat' } },
      { key: 'sweep_per_class', value: 0.7, slice: { index: '1', class: 'dog' } },
      { key: 'scores', value: 1, slice: { index: '0' } },
      { key: 'scores', value: 2, slice: { index: '1' } },
    ]);
    // A verdict that drift did not happen is no finding.
    expect(findings).toEqual([]);
  });

  it('refuses outputs with more numbers than a run’s metrics', () => {
    expect(() =>
      readCheckmaiteOutputs(
        recordWith({ perItem: Array.from({ length: MAX_METRICS + 1 }, () => 0.5) }),
      ),
    ).toThrow(/more than 10000 numbers/);
  });
});
