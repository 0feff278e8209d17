// Search on the generated graph: words, a metric condition and "used this dataset" at once,
// through `search` and through `runs(filter)`, the hub over HTTP against the same answer from
// hand-written SQL in the same process. Both must return the same items in the same order,
// or the bench fails.
import postgres from 'postgres';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { decodeGlobalId, encodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { listRuns, runOrdering } from '../src/resolvers/runs/queries.ts';
import { search } from '../src/resolvers/search/search.ts';
import { graphql } from '../test/gql/index.ts';
import { startBenchHub } from './support/bench-hub.ts';
import { graphLabel, type LineageGraphDatabase } from './support/lineage-database.ts';
import { type BenchResult, ms, overFloor, type Timing, timeInTurns } from './support/measure.ts';

const Search = graphql(`
  query BenchSearch($query: String!, $filter: SearchFilter!) {
    search(query: $query, filter: $filter, first: 20) {
      edges {
        node {
          type rank title titleHighlight snippet
          node {
            __typename
            ... on Run { id status runnerId }
            ... on Finding { id title severity }
          }
        }
      }
      pageInfo { hasNextPage }
    }
  }
`);

const FilteredRuns = graphql(`
  query BenchFilteredRuns($filter: SearchFilter!) {
    runs(filter: $filter, first: 50) {
      edges { node { id status runnerId createdAt } }
      pageInfo { hasNextPage }
    }
  }
`);

/** A word the generator gives runs (the drift runner) and findings (drift found), as a prefix. */
const WORD = 'drif';
/** Half the runs pass; the generator's accuracies are uniform on [0, 1]. */
const ACCURACY = 0.5;
const RUNS = 200;
const newestFirst = runOrdering('CREATED_AT', 'DESC');

/** The datasets whose versions most runs used. */
async function usedDatasets(sql: postgres.Sql, count: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select dv.dataset_id as id from run_inputs ri join dataset_versions dv on dv.id = ri.dataset_version_id
    group by dv.dataset_id order by count(*) desc, dv.dataset_id limit ${count}`;
  return rows.map((row) => row.id);
}

/**
 * The raw SQL of the search: the runs that used the dataset and meet the metric first, then
 * those of them and their findings that match the words, best first, with the title and a
 * passage highlighted for the page, and what the page shows of each item.
 */
function rawSearch(sql: postgres.Sql, dataset: string) {
  return sql<{ id: string }[]>`
    with q as (select to_tsquery('english', ${`${WORD}:*`}) as query),
    chosen as (
      select ri.run_id from run_inputs ri
      join dataset_versions dv on dv.id = ri.dataset_version_id
      join metric_summaries ms on ms.run_id = ri.run_id
      where dv.dataset_id = ${dataset} and ms.key = 'accuracy' and ms.slice_key = ''
        and ms.last >= ${ACCURACY}
    ),
    page as (
      select 'RUN' as type, r.id, r.created_at, ts_rank(r.search_vector, q.query) as rank,
             coalesce(r.name, r.runner_id || ' run') as title, coalesce(r.error->>'message', '') as body
      from runs r, q where r.id in (select run_id from chosen) and r.search_vector @@ q.query
      union all
      select 'FINDING', f.id, f.created_at, ts_rank(f.search_vector, q.query), f.title, f.summary
      from findings f, q where f.run_id in (select run_id from chosen) and f.search_vector @@ q.query
      order by rank desc, created_at desc, id desc
      limit 21
    )
    select page.type, page.id, page.rank, page.title,
           ts_headline('english', page.title, q.query, 'HighlightAll=true') as title_highlight,
           case when to_tsvector('english', page.body) @@ q.query
                then ts_headline('english', page.body, q.query, 'MaxWords=30, MinWords=12, MaxFragments=2') end as snippet,
           r.status, r.runner_id, f.title as finding_title, f.severity
    from page cross join q
    left join runs r on page.type = 'RUN' and r.id = page.id
    left join findings f on page.type = 'FINDING' and f.id = page.id
    order by page.rank desc, page.created_at desc, page.id desc`;
}

/** The raw SQL of the runs list: the runs that used the dataset and meet the metric, newest first. */
function rawRuns(sql: postgres.Sql, dataset: string) {
  return sql<{ id: string }[]>`
    select r.id, r.status, r.runner_id, r.created_at from runs r
    where r.id in (
      select ri.run_id from run_inputs ri
      join dataset_versions dv on dv.id = ri.dataset_version_id
      join metric_summaries ms on ms.run_id = ri.run_id
      where dv.dataset_id = ${dataset} and ms.key = 'accuracy' and ms.slice_key = ''
        and ms.last >= ${ACCURACY})
    order by r.created_at desc, r.id desc
    limit 51`;
}

function checkSameOrder(hub: string[], raw: string[], what: string) {
  if (hub.length !== raw.length || hub.some((id, i) => id !== raw[i]))
    throw new Error(`${what}: the hub found [${hub.join(', ')}], the raw SQL [${raw.join(', ')}]`);
}

const uuids = (globalIds: string[]) => globalIds.map((id) => decodeGlobalId(id)!.id);

const range = (values: number[]) => {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return low === high ? String(low) : `${low}–${high}`;
};

function comparison(
  figures: BenchResult['figures'],
  label: string,
  timings: Record<'hub' | 'resolver' | 'raw' | 'unprepared' | 'ping' | 'bare', Timing>,
) {
  const { hub, resolver, raw, unprepared, ping, bare } = timings;
  figures[`${label}: hub p50 / p95 (HTTP + GraphQL)`] = `${ms(hub.p50)} / ${ms(hub.p95)}`;
  figures[`${label}: HTTP + GraphQL alone ({ __typename }) p50`] = ms(ping.p50);
  figures[`${label}: bare HTTP round trip p50`] = ms(bare.p50);
  figures[`${label}: hub resolver only p50 / p95`] = `${ms(resolver.p50)} / ${ms(resolver.p95)}`;
  figures[`${label}: raw SQL p50 / p95`] = `${ms(raw.p50)} / ${ms(raw.p95)}`;
  figures[`${label}: raw SQL unprepared p50`] = ms(unprepared.p50);
  figures[`${label}: ratio hub / (raw SQL + bare round trip) (p50)`] = overFloor(hub, raw, bare);
  figures[`${label}: ratio hub / raw SQL (p50 / p95)`] =
    `${(hub.p50 / raw.p50).toFixed(2)} / ${(hub.p95 / raw.p95).toFixed(2)}`;
  figures[`${label}: ratio hub resolver / raw SQL (p50)`] = Number(
    (resolver.p50 / raw.p50).toFixed(2),
  );
}

/** The combined search on the generated graph in `database` (PostgreSQL), the hub against raw SQL. */
export async function benchSearch(
  database: DatabaseHandle,
  graph: LineageGraphDatabase,
): Promise<BenchResult> {
  const sql = postgres(graph.url, { max: 1, onnotice: () => {} });
  // The hub does not prepare its search statements (their text varies with the filter's
  // shape); the raw SQL run unprepared too shows what planning costs.
  const unprepared = postgres(graph.url, { max: 1, prepare: false, onnotice: () => {} });
  const client = await startBenchHub(database);
  const figures: BenchResult['figures'] = {};
  try {
    const datasets = await usedDatasets(sql, 5);
    const filterOf = (dataset: string) => ({
      usedDataset: encodeGlobalId('Dataset', dataset),
      metric: { key: 'accuracy', agg: 'LAST' as const, op: 'GTE' as const, value: ACCURACY },
    });
    figures.query =
      `"${WORD}" (a prefix) + accuracy LAST >= ${ACCURACY} + usedDataset, ` +
      `${datasets.length} datasets in turn (the most used)`;

    // Every dataset, once each way: the same items in the same order, or no figures at all.
    const hits: number[] = [];
    const listed: number[] = [];
    const statements = { search: 0, runs: 0 };
    for (const dataset of datasets) {
      const found = await client.request(Search, { query: WORD, filter: filterOf(dataset) });
      statements.search = client.statements().length;
      const hubIds = uuids(
        found.search.edges.map(({ node: { node } }) => {
          if (!('id' in node)) throw new Error(`search found a ${node.__typename}`);
          return node.id;
        }),
      );
      const rawIds = (await rawSearch(sql, dataset)).slice(0, 20).map((row) => row.id);
      checkSameOrder(hubIds, rawIds, `search for dataset ${dataset}`);
      hits.push(hubIds.length);
      const runs = await client.request(FilteredRuns, { filter: filterOf(dataset) });
      statements.runs = client.statements().length;
      const hubRuns = uuids(runs.runs.edges.map((edge) => edge.node.id));
      const rawRunIds = (await rawRuns(sql, dataset)).slice(0, 50).map((row) => row.id);
      checkSameOrder(hubRuns, rawRunIds, `runs(filter) for dataset ${dataset}`);
      listed.push(hubRuns.length);
    }
    figures['search: items found (hub = raw SQL)'] = range(hits);
    figures['search: SQL statements per request'] = statements.search;
    const dataset = (round: number) => datasets[round % datasets.length]!;
    comparison(
      figures,
      'search',
      await timeInTurns(
        {
          hub: (round) => client.request(Search, { query: WORD, filter: filterOf(dataset(round)) }),
          resolver: (round) =>
            search(client.services, { query: WORD, filter: filterOf(dataset(round)), first: 20 }),
          raw: (round) => rawSearch(sql, dataset(round)),
          unprepared: (round) => rawSearch(unprepared, dataset(round)),
          ping: () => client.ping(),
          bare: () => client.bare(),
        },
        RUNS,
      ),
    );
    figures['runs(filter): runs listed (hub = raw SQL)'] = range(listed);
    figures['runs(filter): SQL statements per request'] = statements.runs;
    comparison(
      figures,
      'runs(filter)',
      await timeInTurns(
        {
          hub: (round) => client.request(FilteredRuns, { filter: filterOf(dataset(round)) }),
          resolver: (round) =>
            listRuns(client.services, filterOf(dataset(round)), newestFirst, { first: 50 }),
          raw: (round) => rawRuns(sql, dataset(round)),
          unprepared: (round) => rawRuns(unprepared, dataset(round)),
          ping: () => client.ping(),
          bare: () => client.bare(),
        },
        RUNS,
      ),
    );
  } finally {
    await client.close();
    await sql.end();
    await unprepared.end();
  }
  return { name: `search (postgres, ${graphLabel(graph)})`, figures };
}
