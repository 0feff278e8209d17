// OpenLineage as the ecosystem sends it, written from the spec (2-0-2): every event type,
// RunEvents without eventType (metadata updates), DatasetEvents and JobEvents (static
// lineage), each optional field absent, no schemaURL, facets failing their own schema,
// nanosecond timestamps, no time zone, unicode names, a 200 KB event, parent and child
// runs; search and trace find what they made, and a run's events each cost the same SQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordStatements } from '../src/db/statements.ts';
import { type Actor, localOperator } from '../src/resolvers/core/actor.ts';
import { importOpenLineageEvents } from '../src/resolvers/interop/openlineage/import.ts';
import { RunnerRegistry } from '../src/runners/registry.ts';
import { graphql } from './gql/index.ts';
import { memberOf, startTestHub, type TestHub } from './support/hub.ts';
import { countRows } from './support/rows.ts';

const RunWarnings = graphql(`
  query RunWarnings($id: ID!) {
    node(id: $id) {
      ... on Run {
        status externalId name startedAt finishedAt environment
        parent { externalId }
        workflowVersion { spec workflow { name description } }
        inputs { version { __typename ... on DatasetVersion { id dataset { name } } } }
        openLineageWarnings { facet path message eventTime eventType occurrences }
      }
    }
  }
`);

const Search = graphql(`
  query OpenLineageSearch($query: String!) {
    search(query: $query, first: 50) {
      edges { node { node { __typename ... on Dataset { name } ... on Workflow { name } ... on Run { externalId } } } }
    }
  }
`);

const VersionMetadata = graphql(`
  query OpenLineageVersion($id: ID!) {
    node(id: $id) { ... on DatasetVersion { version metadata } }
  }
`);

const Trace = graphql(`
  query OpenLineageTrace($id: ID!, $direction: LineageDirection!) {
    trace(id: $id, direction: $direction) { nodes { id type } edges { from to relation } }
  }
`);

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.23.0/client/python';
const SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/';
const facet = (name: string, body: Record<string, unknown>) => ({
  _producer: PRODUCER,
  _schemaURL: `https://openlineage.io/spec/facets/1-0-0/${name}.json#/$defs/${name}`,
  ...body,
});
const uuid = (n: number) => `0191e0c0-0000-7000-8000-${String(n).padStart(12, '0')}`;

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});

afterAll(async () => {
  await t.close();
});

async function post(body: unknown, as?: Actor) {
  const response = await fetch(`${t.hub.url}/api/v1/lineage`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(as ? { 'x-test-actor': JSON.stringify(as) } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      runs: { id: string; runId: string; status: string }[];
      events: { kind: string; id?: string; workflowVersion?: string; versions: string[] }[];
      warnings: { facet: string | null; path: string; message: string; index?: number }[];
      problems?: unknown[];
    },
  };
}

async function run(id: string) {
  const { data } = await t.graphql(RunWarnings, { id });
  return data.node as {
    status: string;
    startedAt: string;
    finishedAt: string | null;
    environment: { openlineage: { runFacets: Record<string, unknown> } };
    parent: { externalId: string | null } | null;
    inputs: { version: unknown }[];
    openLineageWarnings: { facet: string | null }[];
  };
}

describe('OpenLineage events as the ecosystem sends them', () => {
  it('takes every RunEvent type, and one without eventType as a metadata update', async () => {
    const runId = uuid(1);
    const job = { namespace: 'airflow://prod', name: 'etl.daily_orders' };
    const base = (eventType: string | undefined, eventTime: string) => ({
      ...(eventType ? { eventType } : {}),
      eventTime,
      producer: PRODUCER,
      schemaURL: `${SCHEMA}RunEvent`,
      run: { runId },
      job,
    });
    const started = await post(base('START', '2026-03-01T10:00:00.123456789Z'));
    expect(started.status).toBe(201);
    expect(started.body.warnings).toEqual([]);
    const id = started.body.runs[0]!.id;
    expect((await post(base('RUNNING', '2026-03-01T10:00:01Z'))).body.runs[0]!.status).toBe(
      'RUNNING',
    );
    // Spec 2: no eventType is a metadata update; it changes nothing of the status.
    const update = await post({
      ...base(undefined, '2026-03-01T10:00:02Z'),
      run: {
        runId,
        facets: {
          nominalTime: facet('NominalTimeRunFacet', { nominalStartTime: '2026-03-01T10:00:00Z' }),
        },
      },
    });
    expect(update.status).toBe(201);
    expect(update.body.runs[0]!.status).toBe('RUNNING');
    expect((await post(base('OTHER', '2026-03-01T10:00:03Z'))).body.runs[0]!.status).toBe(
      'RUNNING',
    );
    expect((await post(base('COMPLETE', '2026-03-01T10:05:00Z'))).body.runs[0]!.status).toBe(
      'SUCCEEDED',
    );
    const found = await run(id);
    expect(found.status).toBe('SUCCEEDED');
    expect(found.startedAt).toBe('2026-03-01T10:00:00.123Z');
    expect(found.finishedAt).toBe('2026-03-01T10:05:00.000Z');
    expect(found.environment.openlineage.runFacets.nominalTime).toMatchObject({
      nominalStartTime: '2026-03-01T10:00:00Z',
    });
    for (const [n, type] of [
      [2, 'FAIL'],
      [3, 'ABORT'],
    ] as const) {
      const ended = await post({
        ...base(type, '2026-03-01T11:00:00+02:00'),
        run: { runId: uuid(n) },
      });
      expect(ended.body.runs[0]!.status).toBe(type === 'FAIL' ? 'FAILED' : 'CANCELLED');
    }
  });

  it('takes the least event the spec allows, without schemaURL or time zone, with a warning', async () => {
    const minimal = {
      eventTime: '2026-03-02T08:30:00.987654321',
      producer: PRODUCER,
      run: { runId: uuid(4) },
      job: { namespace: 'spark', name: 'minimal' },
    };
    const response = await post(minimal);
    expect(response.status).toBe(201);
    expect(response.body.warnings).toEqual([
      expect.objectContaining({ facet: null, path: '/schemaURL' }),
    ]);
    // The same mistake again is counted, not recorded twice.
    await post({ ...minimal, eventTime: '2026-03-02T08:31:00' });
    const found = await run(response.body.runs[0]!.id);
    expect(found.status).toBe('RUNNING');
    expect(found.startedAt).toBe('2026-03-02T08:30:00.987Z');
    expect(found.openLineageWarnings).toEqual([
      {
        facet: null,
        path: '/schemaURL',
        message: expect.stringMatching(/missing/),
        eventTime: minimal.eventTime,
        eventType: null,
        occurrences: 2,
      },
    ]);
  });

  it('keeps a facet that fails its own schema as it came, with a warning naming it', async () => {
    const runId = uuid(5);
    const badParent = facet('ParentRunFacet', {
      run: { runId: 'not-a-uuid' },
      job: { namespace: 'a', name: 'b' },
    });
    const custom = { _producer: PRODUCER, anything: { goes: [1, 'two', null] } };
    const response = await post({
      eventType: 'FAIL',
      eventTime: '2026-03-03T00:00:00Z',
      producer: PRODUCER,
      schemaURL: `${SCHEMA}RunEvent`,
      run: {
        runId,
        facets: {
          parent: badParent,
          errorMessage: facet('ErrorMessageRunFacet', { message: 42 }),
          acme_custom: custom,
        },
      },
      job: { namespace: 'spark', name: 'lenient' },
    });
    expect(response.status).toBe(201);
    expect(response.body.warnings).toEqual(
      expect.arrayContaining([
        {
          facet: 'parent',
          path: '/run/facets/parent/run/runId',
          message: 'must match format "uuid"',
        },
        expect.objectContaining({ facet: 'errorMessage', path: '/run/facets/errorMessage' }),
        expect.objectContaining({
          facet: 'errorMessage',
          path: '/run/facets/errorMessage/message',
        }),
      ]),
    );
    const found = await run(response.body.runs[0]!.id);
    // Mapped without the facets that failed: no parent, the default error message.
    expect(found.parent).toBeNull();
    expect(found.status).toBe('FAILED');
    expect(found.openLineageWarnings.map((w) => w.facet)).toContain('parent');
    // Kept as they came, the failing ones and the unknown one.
    expect(found.environment.openlineage.runFacets).toMatchObject({
      parent: badParent,
      acme_custom: custom,
    });
    // The core schema still binds.
    const bad = await post({ eventTime: 'soon', producer: PRODUCER, run: { runId }, job: {} });
    expect(bad.status).toBe(400);
  });

  it('makes datasets and workflows of DatasetEvents and JobEvents, the same on repeat', async () => {
    const dataset = {
      namespace: 'postgres://db.example:5432',
      name: 'sales.public.orders_nightly',
      facets: {
        schema: facet('SchemaDatasetFacet', {
          fields: [
            { name: 'id', type: 'bigint' },
            { name: 'total', type: 'numeric' },
          ],
        }),
        acme_owner: { _producer: PRODUCER, team: 'revenue' },
        // A facet the hub does not read (and does not check): kept as it came.
        columnLineage: facet('ColumnLineageDatasetFacet', { fields: 'id <- orders.id' }),
        // Fails its own schema: a warning, kept as it came, mapped without.
        version: facet('DatasetVersionDatasetFacet', { datasetVersion: 7 }),
      },
    };
    const datasetEvent = {
      eventTime: '2026-03-04T00:00:00Z',
      producer: PRODUCER,
      schemaURL: `${SCHEMA}DatasetEvent`,
      dataset,
    };
    const jobEvent = {
      eventTime: '2026-03-04T00:00:00Z',
      producer: PRODUCER,
      schemaURL: `${SCHEMA}JobEvent`,
      job: {
        namespace: 'dbt://analytics',
        name: 'models.orders_rollup',
        facets: {
          documentation: facet('DocumentationJobFacet', { description: 'Rolls orders up nightly' }),
          sql: facet('SQLJobFacet', { query: 'select sum(total) from orders' }),
        },
      },
      inputs: [{ namespace: dataset.namespace, name: dataset.name }],
      outputs: [{ namespace: dataset.namespace, name: 'sales.public.orders_rollup' }],
    };
    const first = await post([datasetEvent, jobEvent]);
    expect(first.status).toBe(201);
    expect(first.body.runs).toEqual([]);
    expect(first.body.events.map((e) => e.kind)).toEqual(['DatasetEvent', 'JobEvent']);
    // The version facet failed its schema: mapped without it, and kept as it came.
    expect(first.body.warnings).toEqual([
      {
        index: 0,
        facet: 'version',
        path: '/dataset/facets/version/datasetVersion',
        message: 'must be string',
      },
    ]);
    const { data } = await t.graphql(VersionMetadata, { id: first.body.events[0]!.versions[0]! });
    const version = data.node as { version: string; metadata: { openlineage: { facets: object } } };
    expect(version.version).toBe('current');
    expect(version.metadata.openlineage.facets).toEqual(dataset.facets);
    const counts = () =>
      Promise.all(
        ['datasets', 'dataset_versions', 'workflows', 'workflow_versions', 'runs'].map((table) =>
          countRows(t, table),
        ),
      );
    const before = await counts();
    const again = await post([datasetEvent, jobEvent]);
    expect(again.body.events).toEqual(first.body.events);
    expect(await counts()).toEqual(before);
    // A JobEvent without schemaURL: accepted, the warning in the answer.
    const { schemaURL: _, ...older } = jobEvent;
    expect((await post(older)).body.warnings).toEqual([
      expect.objectContaining({ facet: null, path: '/schemaURL' }),
    ]);
    const hits = await t.graphql(Search, { query: 'sales' });
    expect(hits.data.search.edges.map((e) => e.node.node.__typename)).toContain('Dataset');
    const workflows = await t.graphql(Search, { query: 'rollup' });
    expect(workflows.data.search.edges.map((e) => e.node.node.__typename)).toContain('Workflow');
  });

  it('lets only contributors of the project declare datasets and jobs', async () => {
    const dataset = { namespace: 'guarded', name: 'secret_table' };
    const as = (role: 'viewer' | 'contributor') =>
      post(
        [
          { eventTime: '2026-03-04T00:00:00Z', producer: PRODUCER, dataset },
          { eventTime: '2026-03-04T00:00:00Z', producer: PRODUCER, job: dataset },
        ],
        memberOf(`token:${role}`, ['guarded'], role),
      );
    const before = await countRows(t, 'datasets');
    expect((await as('viewer')).status).toBe(403);
    expect(await countRows(t, 'datasets')).toBe(before);
    expect((await as('contributor')).status).toBe(201);
  });

  it('links parent and child runs, with unicode names, and trace walks them', async () => {
    const parentId = uuid(6);
    const childId = uuid(7);
    const parentJob = { namespace: 'airflow://prod', name: 'données.pipeline_日次' };
    const input = { namespace: 's3://lake', name: 'raw/évènements_😀.parquet' };
    await post({
      eventType: 'START',
      eventTime: '2026-03-05T00:00:00Z',
      producer: PRODUCER,
      schemaURL: `${SCHEMA}RunEvent`,
      run: { runId: parentId },
      job: parentJob,
    });
    const child = await post({
      eventType: 'COMPLETE',
      eventTime: '2026-03-05T00:10:00Z',
      producer: PRODUCER,
      schemaURL: `${SCHEMA}RunEvent`,
      run: {
        runId: childId,
        facets: {
          parent: facet('ParentRunFacet', { run: { runId: parentId }, job: parentJob }),
        },
      },
      job: { namespace: 'airflow://prod', name: 'données.pipeline_日次.tâche' },
      inputs: [input],
    });
    expect(child.status).toBe(201);
    const found = await run(child.body.runs[0]!.id);
    expect(found.parent?.externalId).toBe(parentId);
    const version = found.inputs[0]!.version as { id: string; dataset: { name: string } };
    expect(version.dataset.name).toMatch(/^s3_lake\.raw_/);
    const down = await t.graphql(Trace, { id: version.id, direction: 'DOWNSTREAM' });
    expect(down.data.trace?.nodes.map((n) => n.id)).toContain(child.body.runs[0]!.id);
    const up = await t.graphql(Trace, { id: child.body.runs[0]!.id, direction: 'UPSTREAM' });
    expect(up.data.trace?.nodes.map((n) => n.id)).toContain(version.id);
  });

  it("keeps a parent that ended before the hub's facet said what it was", async () => {
    const parentId = uuid(16);
    const parentJob = { namespace: 'evalhub://default', name: 'late-facet.parent' };
    const event = (runId: string, eventType: string, eventTime: string, facets = {}) => ({
      eventType,
      eventTime,
      producer: PRODUCER,
      schemaURL: `${SCHEMA}RunEvent`,
      run: { runId, facets },
      job: runId === parentId ? parentJob : { ...parentJob, name: 'late-facet.child' },
    });
    // The child names its parent first: the parent is a placeholder until its own events.
    const child = await post(
      event(uuid(17), 'COMPLETE', '2026-03-07T00:05:00Z', {
        parent: facet('ParentRunFacet', { run: { runId: parentId }, job: parentJob }),
      }),
    );
    expect(child.status).toBe(201);
    const parent = (await run(child.body.runs[0]!.id)) as unknown as {
      parent: { externalId: string };
    };
    expect(parent.parent.externalId).toBe(parentId);
    const ended = await post(event(parentId, 'COMPLETE', '2026-03-07T00:10:00Z'));
    expect(ended.body.runs[0]!.status).toBe('SUCCEEDED');
    const parentRunId = ended.body.runs[0]!.id;
    // Its START, sent late, says it was a hub run: what a finished run ran cannot change.
    const late = await post(
      event(parentId, 'START', '2026-03-07T00:00:00Z', {
        evalhub_run: {
          _producer: PRODUCER,
          _schemaURL: 'urn:evalhub:openlineage-facets:1#/$defs/RunFacet',
          project: 'evalhub-default',
          name: 'described too late',
          runnerId: 'profile-dataset',
          runnerVersion: '1.0.0',
          config: { bins: 3 },
          seed: 7,
          runKey: `sha256:${'c'.repeat(64)}`,
          tags: [],
          stepId: null,
          environment: {},
          workflow: null,
        },
      }),
    );
    expect(late.status).toBe(201);
    expect(late.body.warnings).toEqual([
      expect.objectContaining({
        facet: 'evalhub_run',
        message: expect.stringMatching(/run had already ended/),
      }),
    ]);
    const kept = await run(parentRunId);
    expect(kept.status).toBe('SUCCEEDED');
    expect(kept.startedAt).toBe('2026-03-07T00:00:00.000Z');
    expect(kept.openLineageWarnings.map((w) => w.facet)).toContain('evalhub_run');
  });

  it('takes a 200 KB event with many facets', async () => {
    const facets = Object.fromEntries(
      Array.from({ length: 400 }, (_, i) => [
        `acme_facet_${i}`,
        { _producer: PRODUCER, payload: 'x'.repeat(500), index: i },
      ]),
    );
    const big = {
      eventType: 'COMPLETE',
      eventTime: '2026-03-06T00:00:00Z',
      producer: PRODUCER,
      schemaURL: `${SCHEMA}RunEvent`,
      run: { runId: uuid(8), facets },
      job: { namespace: 'spark', name: 'big' },
      outputs: Array.from({ length: 20 }, (_, i) => ({
        namespace: 's3://lake',
        name: `part-${i}`,
      })),
    };
    expect(JSON.stringify(big).length).toBeGreaterThan(200_000);
    const response = await post(big);
    expect(response.status).toBe(201);
    const found = await run(response.body.runs[0]!.id);
    expect(Object.keys(found.environment.openlineage.runFacets)).toHaveLength(400);
  });

  it('costs each event of a run the same SQL, however many came before', async () => {
    const ctx = {
      db: t.database.db,
      actor: localOperator('tester'),
      runners: new RunnerRegistry([]),
    };
    const runId = uuid(9);
    const event = (i: number) => ({
      eventType: i === 0 ? 'START' : 'RUNNING',
      eventTime: new Date(Date.UTC(2026, 2, 7, 0, 0, i)).toISOString(),
      producer: PRODUCER,
      schemaURL: `${SCHEMA}RunEvent`,
      run: { runId, facets: { acme_progress: { _producer: PRODUCER, step: i } } },
      job: { namespace: 'spark', name: 'chatty' },
    });
    const cost = async (i: number) =>
      (await recordStatements(() => importOpenLineageEvents(ctx, [event(i)], null))).statements;
    await cost(0);
    const early = await cost(1);
    for (let i = 2; i < 60; i += 1) await cost(i);
    const late = await cost(60);
    expect(late.length).toBe(early.length);
    expect(late.filter((s) => /from "openlineage_events"/.test(s))).toEqual([]);
  });
});
