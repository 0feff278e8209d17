// OpenLineage in and out: the spec's own example event, every event type, events out of
// order, malformed events, data-quality facets, cycles from bad producers, and a hub's
// runs exported and imported into an empty hub.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/resolvers/core/actor.ts';
import { graphql } from './gql/index.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { Trace } from './support/lineage-documents.ts';
import { countRows } from './support/rows.ts';

const example = JSON.parse(
  readFileSync(new URL('./fixtures/openlineage/example_full_event.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const ImportedRun = graphql(`
  query ImportedRun($filter: SearchFilter) {
    runs(filter: $filter, first: 50) {
      edges {
        node {
          id status source externalId runnerId name startedAt finishedAt environment
          error { code message }
          project { slug }
          parent { id externalId status }
          workflowVersion { spec workflow { name } }
          inputs { role version { __typename ... on ModelVersion { id } ... on DatasetVersion { id version digest dataset { name } } } }
          metrics(first: 500) { edges { node { key value slice } } }
          findings { kind severity title subject { __typename } }
          artifacts { name }
        }
      }
    }
  }
`);

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(async () => {
  await t.close();
});

async function post(body: unknown, query = '', as?: Actor) {
  const response = await fetch(`${t.hub.url}/api/v1/lineage${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(as ? { 'x-test-actor': JSON.stringify(as) } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function runOf(externalId: string) {
  const { data } = await t.graphql(ImportedRun, { filter: { project: null } });
  return data.runs.edges.map((e) => e.node).find((run) => run.externalId === externalId);
}

/** An event of run `runId` of job `job`, at `time`. */
function event(
  runId: string,
  eventType: string,
  eventTime: string,
  extra: Record<string, unknown> = {},
  job = 'nightly.train',
) {
  return {
    eventType,
    eventTime,
    producer: 'https://example.com/test-producer',
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId, facets: {} },
    job: { namespace: 'pipelines', name: job },
    inputs: [],
    outputs: [],
    ...extra,
  };
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('POST /api/v1/lineage', () => {
  it('takes the spec’s example event: run, parent, job, datasets, facets kept as they came', async () => {
    const response = await post(example);
    expect(response.status).toBe(201);
    const run = await runOf('ea041791-68bc-4ae1-bd89-4c8106a157e4');
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      source: 'openlineage',
      runnerId: 'openlineage',
      finishedAt: '2020-12-28T19:51:01.641Z',
      project: { slug: 'my-scheduler-namespace' },
      parent: { externalId: '3f5e83fa-3480-44ff-99c5-ff943904e5e8', status: 'RUNNING' },
      workflowVersion: {
        workflow: { name: 'myjob.mytask' },
        spec: { openlineage: { namespace: 'my-scheduler-namespace', name: 'myjob.mytask' } },
      },
    });
    expect(run?.inputs).toEqual([
      {
        role: 'input',
        version: {
          __typename: 'DatasetVersion',
          id: expect.any(String),
          version: 'current',
          digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
          dataset: { name: 'my-datasource-namespace.instance.schema.table' },
        },
      },
    ]);
    const facets = (run!.environment as { openlineage: { runFacets: Record<string, unknown> } })
      .openlineage.runFacets;
    expect(facets.nominalTime).toEqual(
      (example.run as { facets: Record<string, unknown> }).facets.nominalTime,
    );
    // Given back exactly as it came.
    const exported = await fetch(`${t.hub.url}/api/v1/runs/${run!.id}/openlineage`);
    expect(await exported.json()).toEqual([example]);
  });

  it('follows a run through every event type, and a failure with its error message', async () => {
    const runId = uuid(1);
    const steps: [string, string][] = [
      ['START', 'RUNNING'],
      ['RUNNING', 'RUNNING'],
      ['OTHER', 'RUNNING'],
      ['COMPLETE', 'SUCCEEDED'],
      ['OTHER', 'SUCCEEDED'],
    ];
    for (const [i, [type, status]] of steps.entries()) {
      const response = await post(event(runId, type, `2026-01-01T10:0${i}:00Z`));
      expect(response.body).toMatchObject({ runs: [{ runId, status }] });
    }
    const failed = uuid(2);
    await post(event(failed, 'START', '2026-01-01T10:00:00Z'));
    await post(
      event(failed, 'FAIL', '2026-01-01T10:05:00Z', {
        run: {
          runId: failed,
          facets: {
            errorMessage: {
              _producer: 'https://example.com/test-producer',
              _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json',
              message: 'out of memory',
              programmingLanguage: 'PYTHON',
            },
          },
        },
      }),
    );
    expect(await runOf(failed)).toMatchObject({
      status: 'FAILED',
      error: { code: 'EXTERNAL_FAILURE', message: 'out of memory' },
    });
    const aborted = uuid(3);
    await post(event(aborted, 'ABORT', '2026-01-01T10:00:00Z'));
    expect(await runOf(aborted)).toMatchObject({ status: 'CANCELLED' });
  });

  it('takes events in any order', async () => {
    const runId = uuid(4);
    await post(event(runId, 'COMPLETE', '2026-01-02T12:00:00Z'));
    await post(event(runId, 'RUNNING', '2026-01-02T11:30:00Z'));
    await post(event(runId, 'START', '2026-01-02T11:00:00Z'));
    expect(await runOf(runId)).toMatchObject({
      status: 'SUCCEEDED',
      startedAt: '2026-01-02T11:00:00.000Z',
      finishedAt: '2026-01-02T12:00:00.000Z',
    });
    // A child reported before its parent: the parent is a placeholder until its own events come.
    const parent = uuid(5);
    const child = uuid(6);
    await post(
      event(child, 'COMPLETE', '2026-01-02T12:00:00Z', {
        run: {
          runId: child,
          facets: {
            parent: {
              _producer: 'https://example.com/test-producer',
              _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json',
              run: { runId: parent },
              job: { namespace: 'pipelines', name: 'nightly' },
            },
          },
        },
      }),
    );
    await post(event(parent, 'START', '2026-01-02T10:00:00Z', {}, 'nightly'));
    await post(event(parent, 'COMPLETE', '2026-01-02T13:00:00Z', {}, 'nightly'));
    expect(await runOf(child)).toMatchObject({
      parent: { externalId: parent, status: 'SUCCEEDED' },
    });
  });

  it('takes concurrent events of one job, on shared datasets, losing none', async () => {
    const ids = [40, 41, 42, 43].map(uuid);
    const dataset = { namespace: 'warehouse', name: 'shared.frames', facets: {} };
    const posted = await Promise.all(
      ids.flatMap((runId, i) =>
        ['START', 'RUNNING', 'COMPLETE'].map((type, j) =>
          post(event(runId, type, `2026-01-03T1${i}:0${j}:00Z`, { inputs: [dataset] }, 'busy.job')),
        ),
      ),
    );
    expect(posted.map((p) => p.status).filter((status) => status >= 300)).toEqual([]);
    for (const runId of ids) expect(await runOf(runId)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('honours dataset version facets, and turns data-quality facets into metrics and findings', async () => {
    const runId = uuid(7);
    const dataset = (version: string, inputFacets: Record<string, unknown> = {}) => ({
      namespace: 's3://lake',
      name: 'images/train',
      facets: {
        version: {
          _producer: 'https://example.com/test-producer',
          _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json',
          datasetVersion: version,
        },
      },
      inputFacets,
    });
    const producer = {
      _producer: 'https://example.com/test-producer',
      _schemaURL: 'https://example.com/facet',
    };
    await post(
      event(runId, 'COMPLETE', '2026-01-03T00:00:00Z', {
        inputs: [
          dataset('41'),
          dataset('42', {
            dataQualityMetrics: {
              ...producer,
              rowCount: 1000,
              columnMetrics: { label: { nullCount: 3, distinctCount: 10 } },
            },
            dataQualityAssertions: {
              ...producer,
              assertions: [
                { assertion: 'no_null_values', success: false, column: 'label' },
                { assertion: 'row_count_above_100', success: true },
              ],
            },
          }),
        ],
      }),
    );
    const run = await runOf(runId);
    expect(
      run?.inputs.map((i) => i.version && 'version' in i.version && i.version.version),
    ).toEqual(['41', '42']);
    const name = 's3_lake.images_train';
    expect(run?.inputs[0]?.version).toMatchObject({
      dataset: { name: expect.stringContaining(name) },
    });
    expect(run?.metrics.edges.map((e) => e.node)).toEqual(
      expect.arrayContaining([
        { key: 'row_count', value: 1000, slice: { dataset: expect.stringContaining('@42') } },
        {
          key: 'null_count',
          value: 3,
          slice: { dataset: expect.stringContaining('@42'), column: 'label' },
        },
        {
          key: 'distinct_count',
          value: 10,
          slice: { dataset: expect.stringContaining('@42'), column: 'label' },
        },
      ]),
    );
    expect(run?.findings).toEqual([
      {
        kind: 'DATA_QUALITY_ASSERTION',
        severity: 'MEDIUM',
        title: expect.stringMatching(/^no_null_values failed on .*@42 \(column label\)$/),
        subject: null,
      },
    ]);
    // The same event again adds nothing.
    const before = await countRows(t, 'metrics');
    await post(
      event(runId, 'OTHER', '2026-01-03T00:01:00Z', {
        inputs: [
          dataset('42', { dataQualityMetrics: { ...producer, rowCount: 1000, columnMetrics: {} } }),
        ],
      }),
    );
    expect(await countRows(t, 'metrics')).toBe(before);
  });

  it('accepts two common loosenesses, on purpose: no time zone, no _schemaURL', async () => {
    const runId = uuid(8);
    const loose = event(runId, 'START', '2026-01-04T08:00:00', {
      run: {
        runId,
        facets: { custom: { _producer: 'https://example.com/test-producer', value: 1 } },
      },
    });
    expect((await post(loose)).status).toBe(201);
    expect(await runOf(runId)).toMatchObject({ startedAt: '2026-01-04T08:00:00.000Z' });
  });

  it('refuses malformed events with the schema’s complaint, and stores nothing', async () => {
    const counts = async () =>
      Promise.all(
        ['openlineage_events', 'runs', 'datasets', 'workflows'].map((table) => countRows(t, table)),
      );
    const before = await counts();
    const noRunId = event(uuid(9), 'START', '2026-01-05T00:00:00Z', { run: { facets: {} } });
    const response = await post(noRunId);
    expect(response.status).toBe(400);
    expect(response.body.problems).toContainEqual({
      path: '/run',
      message: "must have required property 'runId'",
    });
    const badType = await post(event(uuid(9), 'FINISHED', '2026-01-05T00:00:00Z'));
    expect(badType.body.error).toMatch(/\/eventType must be equal to one of the allowed values/);
    // A batch with one bad event stores none of it.
    const batch = await post([
      event(uuid(10), 'START', '2026-01-05T00:00:00Z'),
      { ...event(uuid(11), 'START', 'yesterday') },
    ]);
    expect(batch.status).toBe(400);
    expect(batch.body.index).toBe(1);
    expect((await post('{not json')).status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('answers a path id that is not valid percent-encoding with a 400', async () => {
    for (const path of ['/api/v1/runs/%E0%A4%A/openlineage', '/api/v1/lineage/%E0%A4%A/prov']) {
      const response = await fetch(`${t.hub.url}${path}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: expect.stringMatching(/percent-encoding/),
      });
    }
  });

  it('keeps one project’s runs and artifact bytes out of another’s reach', async () => {
    const bob = memberOf('token:bob', ['beta']);
    const runId = uuid(50);
    expect(
      (await post(event(runId, 'COMPLETE', '2026-02-01T00:00:00Z'), '?project=alpha')).status,
    ).toBe(201);
    const alphaRun = (await runOf(runId))!;
    // Bob, of beta only, sends a FAIL event with alpha's runId: a run of beta's own, which
    // neither changes alpha's run nor tells bob of it.
    const own = await post(event(runId, 'FAIL', '2026-02-01T01:00:00Z'), '?project=beta', bob);
    expect(own.status).toBe(201);
    expect(JSON.stringify(own.body)).not.toContain(alphaRun.id);
    const { data } = await t.graphql(ImportedRun, { filter: { project: null } });
    const withRunId = data.runs.edges
      .map((e) => e.node)
      .filter((run) => run.externalId === runId)
      .map((run) => ({ project: run.project.slug, status: run.status }));
    expect(withRunId.sort((a, b) => a.project.localeCompare(b.project))).toEqual([
      { project: 'alpha', status: 'SUCCEEDED' },
      { project: 'beta', status: 'FAILED' },
    ]);

    const results = (name: string, digest: string, content: string | null, sizeBytes: number) => ({
      run: {
        runId: uuid(51 + Number(content === null) + (name === 'forged.txt' ? 2 : 0)),
        facets: {
          evalhub_results: {
            _producer: 'https://example.com/test-producer',
            _schemaURL: 'urn:evalhub:openlineage-facets:1#/$defs/ResultsRunFacet',
            metrics: [],
            findings: [],
            artifacts: [{ name, mediaType: 'text/plain', digest, sizeBytes, content }],
          },
        },
      },
    });
    const secret = Buffer.from('alpha secret bytes');
    const secretDigest = `sha256:${createHash('sha256').update(secret).digest('hex')}`;
    const honest = results('secret.txt', secretDigest, secret.toString('base64'), secret.length);
    expect(
      (
        await post(
          event(honest.run.runId, 'COMPLETE', '2026-02-01T00:00:00Z', honest),
          '?project=alpha',
        )
      ).status,
    ).toBe(201);
    // Naming alpha's digest without the bytes does not make them bob's to read.
    const stolen = results('stolen.txt', secretDigest, null, secret.length);
    const taken = await post(
      event(stolen.run.runId, 'COMPLETE', '2026-02-01T00:00:00Z', stolen),
      '?project=beta',
      bob,
    );
    expect(taken.status).toBe(201);
    expect((await runOf(stolen.run.runId))!.artifacts).toEqual([]);
    // Bytes that are not what their digest says are refused.
    const forged = results('forged.txt', secretDigest, Buffer.from('EVIL').toString('base64'), 4);
    const refused = await post(
      event(forged.run.runId, 'COMPLETE', '2026-02-01T00:00:00Z', forged),
      '?project=beta',
      bob,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/its content is 4 bytes with digest sha256:/);
  });

  it('keeps raw events append-only', async () => {
    const refused = async (statement: ReturnType<typeof sql>) => {
      const error = (await t.database.db.execute(statement).then(
        () => null,
        (e: Error & { cause?: Error }) => e,
      )) as (Error & { cause?: Error }) | null;
      return error?.cause?.message ?? error?.message;
    };
    expect(await refused(sql`update openlineage_events set event_type = 'X'`)).toMatch(
      /append-only/,
    );
    expect(await refused(sql`delete from openlineage_events`)).toMatch(/append-only/);
    expect(await countRows(t, 'openlineage_events')).toBeGreaterThan(0);
  });

  it('survives a cycle made by a bad producer (a run writes what its reader read)', async () => {
    const ds = (name: string) => ({ namespace: 'loop', name });
    await post(
      event(
        uuid(20),
        'COMPLETE',
        '2026-01-06T00:00:00Z',
        { inputs: [ds('x')], outputs: [ds('y')] },
        'a',
      ),
    );
    await post(
      event(
        uuid(21),
        'COMPLETE',
        '2026-01-06T01:00:00Z',
        { inputs: [ds('y')], outputs: [ds('x')] },
        'b',
      ),
    );
    const run = await runOf(uuid(20));
    const x = run!.inputs[0]!.version!.id;
    const { data } = await t.graphql(Trace, { id: x, depth: 1000 });
    // x <- run b <- y <- run a <- x again: every node once, and the walk ends.
    expect(data.trace?.nodes.map((n) => n.type).sort()).toEqual([
      'DatasetVersion',
      'DatasetVersion',
      'Run',
      'Run',
      'WorkflowVersion',
      'WorkflowVersion',
    ]);
    expect(data.trace?.isPartial).toBe(false);
  });
});
