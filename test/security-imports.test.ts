// What an import records is another tool's account, not content the hub has checked: a
// contributor who posts an OpenLineage event naming `file:///etc` (or content uploaded to
// another project) as a version, or describing a run of a built-in runner, cannot make the
// hub's workers read that path by starting or retrying a run on it.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRows } from '../src/db/rows.ts';
import { emitRunner } from './support/emit-runner.ts';
import { tempFolder, writeTree } from './support/files.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import {
  expectType,
  RegisterDataset,
  RegisterDatasetVersion,
} from './support/registry-documents.ts';
import { countRows } from './support/rows.ts';
import { RetryRun, StartRun, waitForStatus } from './support/run-documents.ts';

const PRODUCER = 'https://example.org/attacker';
const SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const HEADER = { _producer: PRODUCER, _schemaURL: 'urn:evalhub:openlineage-facets:1' };
const contributor = memberOf('token:imports', ['imports'], 'contributor');

/** A dataset carrying the hub's version facet, naming `uri` as its content. */
const versionDataset = (name: string, uri: string) => ({
  namespace: 'evalhub://imports',
  name,
  facets: {
    evalhub_version: {
      ...HEADER,
      kind: 'DATASET_VERSION',
      project: 'imports',
      name,
      task: 'CLASSIFICATION',
      version: 'v1',
      digest: `sha256:${'a'.repeat(64)}`,
      uri,
      format: 'IMAGE_FOLDER',
      sizeBytes: null,
      labels: null,
      itemCount: null,
      metadata: {},
      role: 'dataset',
    },
  },
});

/** A completed OpenLineage run that says it was a profile-dataset run of the hub over `uri`. */
function importedRun(runId: string, name: string, uri: string) {
  return {
    eventType: 'COMPLETE',
    eventTime: '2026-12-01T10:00:00Z',
    producer: PRODUCER,
    schemaURL: SCHEMA,
    run: {
      runId,
      facets: {
        evalhub_run: {
          ...HEADER,
          project: 'imports',
          name: null,
          runnerId: 'profile-dataset',
          runnerVersion: '1.0.0',
          config: {},
          seed: 0,
          runKey: `sha256:${'b'.repeat(64)}`,
          tags: [],
          stepId: null,
          environment: {},
          workflow: null,
        },
      },
    },
    job: { namespace: 'evalhub://imports', name: `job-${name}` },
    inputs: [versionDataset(name, uri)],
    outputs: [],
  };
}

let t: TestHub;
const files = tempFolder();

async function post(event: unknown) {
  const response = await fetch(`${t.hub.url}/api/v1/lineage?project=imports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-actor': JSON.stringify(contributor) },
    body: JSON.stringify(event),
  });
  const body = (await response.json()) as { runs: { id: string }[] };
  expect(response.status).toBe(201);
  return body;
}

/** Runs the hub itself is to execute. */
async function hubRuns() {
  const [row] = await selectRows<{ n: number }>(
    t.database.db,
    sql`select count(*)::int as n from runs where source = 'hub'`,
  );
  return row!.n;
}

beforeAll(async () => {
  t = await startTestHub({ runners: [emitRunner] });
});

afterAll(async () => {
  await t.close();
  files.remove();
});

describe('versions an import names', () => {
  it('are no input of a run where they point outside the roots', async () => {
    await post(importedRun('0191e0c0-0000-7000-8000-000000000001', 'etc', 'file:///etc'));
    const version = 'imports/etc@v1';
    const runs = await countRows(t, 'runs');
    const { data } = await t.graphql(
      StartRun,
      {
        input: {
          project: 'imports',
          runner: 'profile-dataset',
          inputs: [{ role: 'dataset', version }],
        },
      },
      { as: contributor },
    );
    expect(data.startRun).toMatchObject({
      __typename: 'ValidationError',
      message: 'the path is outside the allowed roots',
      path: ['input', 'inputs', '0', 'version', 'uri'],
    });
    expect(await countRows(t, 'runs')).toBe(runs);
  });

  it('are no input of a run as content the project never uploaded', async () => {
    await post(
      importedRun(
        '0191e0c0-0000-7000-8000-000000000002',
        'stolen',
        `content:sha256:${'c'.repeat(64)}`,
      ),
    );
    const version = 'imports/stolen@v1';
    const { data } = await t.graphql(
      StartRun,
      {
        input: {
          project: 'imports',
          runner: 'profile-dataset',
          inputs: [{ role: 'dataset', version }],
        },
      },
      { as: contributor },
    );
    expect(data.startRun).toMatchObject({ __typename: 'ValidationError' });
    expect((data.startRun as { message: string }).message).toMatch(/was uploaded to this project/);
  });
});

describe('runs an import records', () => {
  it('are not retried by the hub, whatever runner they name', async () => {
    const imported = await post(
      importedRun('0191e0c0-0000-7000-8000-000000000003', 'etc-again', 'file:///etc'),
    );
    const before = await hubRuns();
    const { data } = await t.graphql(RetryRun, { id: imported.runs[0]!.id }, { as: contributor });
    expect(data.retryRun).toMatchObject({ __typename: 'ValidationError' });
    expect(await hubRuns()).toBe(before);
  });
});

describe('a retry', () => {
  it('uses only inputs the retrier may see, as a new run would', async () => {
    writeTree(files.path, { 'secret.csv': 'label\na\n' });
    await t.graphql(RegisterDataset, {
      input: { project: 'private', name: 'secret', task: 'OTHER' },
    });
    const registered = await t.graphql(RegisterDatasetVersion, {
      input: { dataset: 'private/secret', uri: `${files.path}/secret.csv`, format: 'CSV' },
    });
    const version = expectType(
      registered.data.registerDatasetVersion,
      'RegisterDatasetVersionPayload',
    ).datasetVersion.id;
    // Someone of both projects evaluated the private data in the shared project.
    const started = await t.graphql(StartRun, {
      input: { project: 'imports', runner: 'emit', inputs: [{ role: 'dataset', version }] },
    });
    const run = expectType(started.data.startRun, 'StartRunPayload').run.id;
    await waitForStatus(t, run, ['SUCCEEDED']);
    const before = await hubRuns();
    const { data } = await t.graphql(RetryRun, { id: run }, { as: contributor });
    expect(data.retryRun).toMatchObject({ __typename: 'NotFoundError' });
    expect(await hubRuns()).toBe(before);
    // Their own retry goes through.
    const own = await t.graphql(RetryRun, { id: run });
    expect(own.data.retryRun).toMatchObject({ __typename: 'RunPayload' });
  });
});
