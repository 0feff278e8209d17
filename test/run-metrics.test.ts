// A run's metrics, a page at a time: in order (key, slice, step), each exactly once, filtered
// by key or slice labels, and for a page of runs in the page's own statement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { startTestHub, type TestHub } from './support/hub.ts';
import { expectType } from './support/registry-documents.ts';

const OpenRun = graphql(`
  mutation MetricsOpenRun($input: OpenExternalRunInput!) {
    openExternalRun(input: $input) {
      __typename
      ... on RunPayload { run { id } }
      ... on Error { message }
    }
  }
`);

const Append = graphql(`
  mutation MetricsAppend($input: AppendExternalRunEventsInput!) {
    appendExternalRunEvents(input: $input) {
      __typename
      ... on AppendExternalRunEventsPayload { stored }
      ... on Error { message }
    }
  }
`);

const Finish = graphql(`
  mutation MetricsFinish($input: FinishExternalRunInput!) {
    finishExternalRun(input: $input) { __typename ... on Error { message } }
  }
`);

const MetricsPage = graphql(`
  query RunMetricsPage($id: ID!, $first: Int, $after: String, $key: String, $slice: JSON) {
    node(id: $id) {
      ... on Run {
        metrics(first: $first, after: $after, key: $key, slice: $slice) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges { node { key step slice value } }
        }
      }
    }
  }
`);

const RunsWithMetrics = graphql(`
  query RunsWithMetricPages($first: Int!, $metrics: Int!) {
    runs(first: $first, filter: { project: ["many"] }) {
      edges { node { id name metrics(first: $metrics) { totalCount pageInfo { hasNextPage } edges { node { key value } } } } }
    }
  }
`);

const RunsWithMetricsUncounted = graphql(`
  query RunsWithMetricPagesUncounted($metrics: Int!) {
    runs(first: 50, filter: { project: ["many"] }) {
      edges { node { id metrics(first: $metrics, key: "k1") { edges { node { key value } } } } }
    }
  }
`);

const NodesWithMetrics = graphql(`
  query NodesWithMetricPages($ids: [ID!]!) {
    nodes(ids: $ids) { ... on Run { id metrics(first: 3) { totalCount edges { node { key } } } } }
  }
`);

let t: TestHub;
/** Run ids by name. */
const runIds: Record<string, string> = {};

/** An external run in `project` that records `metrics`, then ends. */
async function recordRun(project: string, name: string, metrics: Array<Record<string, unknown>>) {
  const opened = await t.graphql(OpenRun, {
    input: { project, runner: 'notebook', runnerVersion: '1', name },
  });
  const id = expectType(opened.data.openExternalRun, 'RunPayload').run.id;
  const events = metrics.map((m) => ({ type: 'metric', ...m }));
  const appended = await t.graphql(Append, { input: { run: id, firstSeq: 1, events } });
  expectType(appended.data.appendExternalRunEvents, 'AppendExternalRunEventsPayload');
  await t.graphql(Finish, { input: { run: id, status: 'SUCCEEDED' } });
  runIds[name] = id;
  return id;
}

/** 3 keys x 4 slices x 5 steps, recorded out of order. */
const grid = Array.from({ length: 60 }, (_, i) => ({
  key: `k${i % 3}`,
  slice: i % 4 === 0 ? {} : { class: `c${i % 4}`, split: i % 2 ? 'odd' : 'even' },
  step: Math.floor(i / 12),
  value: i,
})).reverse();

// 51 runs of 3 requests each: recorded at once, and given time on a busy machine.
beforeAll(async () => {
  t = await startTestHub();
  await recordRun('grid', 'grid', grid);
  const many = (r: number) =>
    recordRun(
      'many',
      `run-${r}`,
      Array.from({ length: 12 }, (_, i) => ({ key: `k${i % 4}`, value: r * 100 + i, step: i })),
    );
  // The first creates the project; the others then record at once.
  await many(0);
  await Promise.all(Array.from({ length: 49 }, (_, r) => many(r + 1)));
}, 600_000);

afterAll(async () => {
  await t.close();
});

function readPage(variables: {
  first?: number;
  after?: string | null;
  key?: string;
  slice?: Record<string, string>;
}) {
  return t.graphql(MetricsPage, { id: runIds.grid!, ...variables });
}

/** Every metric of the grid run, reading pages of `first` with the filters given. */
async function readAll(first: number, filter: { key?: string; slice?: Record<string, string> }) {
  const read: Array<{ key: string; step: number; slice: unknown; value: number }> = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const { data } = await readPage({ first, after, ...filter });
    if (!data.node || !('metrics' in data.node)) throw new Error('the grid run is not visible');
    const { metrics } = data.node;
    read.push(...metrics.edges.map((edge) => edge.node));
    pages += 1;
    if (!metrics.pageInfo.hasNextPage) return { read, pages, total: metrics.totalCount };
    after = metrics.pageInfo.endCursor!;
  }
}

/** The canonical string of a slice, as the hub orders them ("" for the whole set). */
const sliceKey = (slice: object) => (Object.keys(slice).length ? JSON.stringify(slice) : '');

describe('Run.metrics', () => {
  it('pages through every metric of a run exactly once, by key, slice and step', async () => {
    const { read, pages, total } = await readAll(7, {});
    expect(total).toBe(60);
    expect(pages).toBe(9);
    expect(read.map((m) => m.value).sort((a, b) => a - b)).toEqual(
      grid.map((m) => m.value).sort((a, b) => a - b),
    );
    const order = read.map((m) => [m.key, sliceKey(m.slice as object), m.step] as const);
    const sorted = [...order].sort(
      (a, b) => a[0].localeCompare(b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || a[2] - b[2],
    );
    expect(order).toEqual(sorted);
  });

  it('filters by key and by slice labels, and counts what the filter keeps', async () => {
    const byKey = await readAll(6, { key: 'k1' });
    expect(byKey.total).toBe(20);
    expect(byKey.read).toHaveLength(20);
    expect(new Set(byKey.read.map((m) => m.key))).toEqual(new Set(['k1']));
    const bySlice = await readAll(500, { slice: { split: 'odd' } });
    const odd = grid.filter((m) => (m.slice as Record<string, string>).split === 'odd');
    expect(bySlice.total).toBe(odd.length);
    expect(bySlice.read.map((m) => m.value).sort((a, b) => a - b)).toEqual(
      odd.map((m) => m.value).sort((a, b) => a - b),
    );
    expect((await readAll(500, { key: 'k2', slice: { class: 'c2' } })).read).toHaveLength(5);
    // {} is every slice.
    expect((await readAll(500, { slice: {} })).total).toBe(60);
  });

  it('refuses a page larger than 500, a foreign cursor and a slice that is not labels', async () => {
    const big = await readPage({ first: 501 });
    expect(big.errors?.[0]?.message).toContain('first must be a whole number from 0 to 500');
    const foreign = Buffer.from(JSON.stringify(['CREATED_AT_DESC', 'x', 'y'])).toString(
      'base64url',
    );
    const cursor = await readPage({ after: foreign });
    expect(cursor.errors?.[0]?.message).toContain('not a cursor of this connection');
    // This connection's ordering, with values of the wrong types: refused, never sent.
    const metricCursor = (values: unknown[]) =>
      Buffer.from(JSON.stringify(values)).toString('base64url');
    const page = await readPage({ first: 2 });
    const [name] = JSON.parse(
      Buffer.from(page.data.node!.metrics.pageInfo.endCursor!, 'base64url').toString(),
    ) as [string];
    for (const bad of [
      [name, { key: 1 }, 1, '', 0],
      [name, 'k0', 'not-an-id', '', 0],
      [name, 'k0', 1, ['x'], 0],
      [name, 'k0', 1, '', 'zero'],
    ]) {
      const refused = await readPage({ after: metricCursor(bad) });
      expect(refused.errors?.[0]?.message, JSON.stringify(bad)).toContain(
        'not a cursor of this connection',
      );
    }
    const slice = await t.graphql(MetricsPage, { id: runIds.grid!, slice: ['cat'] });
    expect(slice.errors?.[0]?.message).toContain('slice is an object of labels');
  });
});

describe('metrics of many runs', () => {
  it('brings a page of metrics of each of 50 runs in the page of runs’ one statement', async () => {
    const { data, statements } = await t.graphql(RunsWithMetrics, { first: 50, metrics: 5 });
    expect(data.runs.edges).toHaveLength(50);
    for (const { node } of data.runs.edges) {
      const r = Number(node.name!.slice('run-'.length));
      expect(node.metrics.totalCount).toBe(12);
      expect(node.metrics.pageInfo.hasNextPage).toBe(true);
      // By key (k0 < k1), then step: the first 5 of k0 (0, 4, 8) and k1 (1, 5).
      expect(node.metrics.edges.map((e) => e.node.value)).toEqual(
        [0, 4, 8, 1, 5].map((i) => r * 100 + i),
      );
    }
    expect(statements).toHaveLength(1);
  });

  it('gives each request the metric page it asks for, however the one before asked', async () => {
    // The page of runs' statement is built once per shape and kept: the page of metrics in
    // it is not the same for another size of page.
    for (const metrics of [1, 3, 2, 4]) {
      const { data } = await t.graphql(RunsWithMetrics, { first: 2, metrics });
      for (const { node } of data.runs.edges) {
        expect(node.metrics.edges).toHaveLength(metrics);
        expect(node.metrics.pageInfo.hasNextPage).toBe(true);
      }
    }
  });

  it('counts the metrics of a page of runs only when totalCount is asked', async () => {
    const { data, statements } = await t.graphql(RunsWithMetricsUncounted, { metrics: 2 });
    expect(data.runs.edges.every((e) => e.node.metrics.edges.length === 2)).toBe(true);
    expect(data.runs.edges.flatMap((e) => e.node.metrics.edges.map((m) => m.node.key))).toEqual(
      Array(100).fill('k1'),
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]).not.toContain('count(');
  });

  it('reads the metrics of runs looked up by id in one statement for all of them', async () => {
    const ids = Array.from({ length: 50 }, (_, r) => runIds[`run-${r}`]!);
    const { data, statements } = await t.graphql(NodesWithMetrics, { ids });
    expect(data.nodes.map((n) => (n && 'metrics' in n ? n.metrics.totalCount : null))).toEqual(
      Array(50).fill(12),
    );
    // The runs, then one page of metrics for all of them.
    expect(statements).toHaveLength(2);
  });
});
