// How the hub's reads grow with the data: trace (depth 10), search (text + metric + input)
// and a page of 50 runs, at each scale of the generated lineage graph in
// EVALHUB_BENCH_GROWTH_SCALES ("0.1,1,3" by default: about 0.1M, 1.2M and 3.5M edges), with
// how long each graph took to generate. Goal: trace and search p50 within 1.5 x from the
// smallest scale to the largest (index-bound, not size-bound). Generating the larger graphs
// takes many minutes, so it runs only when named: `npm run bench -- growth`.

import postgres from 'postgres';
import { openDatabase } from '../src/db/connect.ts';
import { encodeGlobalId } from '../src/resolvers/core/global-id.ts';
import { startHub } from '../src/server.ts';
import { benchHubConfig } from './support/bench-hub.ts';
import { postGraphQL } from './support/graphql-post.ts';
import { graphLabel, lineageGraphDatabase } from './support/lineage-database.ts';
import { type BenchResult, ms, time } from './support/measure.ts';

const SCALES = (process.env.EVALHUB_BENCH_GROWTH_SCALES ?? '0.1,1,3').split(',').map(Number);
if (!SCALES.length || SCALES.some((scale) => !(scale > 0)))
  throw new Error('EVALHUB_BENCH_GROWTH_SCALES lists positive numbers, separated by ","');
const RUNS = 100;

const Trace = `query GrowthTrace($id: ID!) {
  trace(id: $id, direction: UPSTREAM, depth: 10, maxNodes: 1000) {
    nodes { id type depth } edges { from to relation role } isPartial } }`;
const Search = `query GrowthSearch($filter: SearchFilter!) {
  search(query: "drif", filter: $filter, first: 20) { edges { node { type rank title
    node { __typename ... on Run { id status } ... on Finding { id title } } } } } }`;
const RunsPage = `query GrowthRunsPage { runs(first: 50) { edges { node { id
  inputs { role version { digest } } metrics(first: 20) { edges { node { key value } } } findings { id title } } } } }`;

type Read = 'trace' | 'search' | 'runs page';

/** p50 of each read at `scale`, and how long its graph took. */
async function measureAt(serverUrl: string, scale: number) {
  const graph = await lineageGraphDatabase(serverUrl, scale);
  const sql = postgres(graph.url, { max: 1, onnotice: () => {} });
  const database = await openDatabase({ url: graph.url, dataDir: 'memory://' });
  const hub = await startHub({
    config: benchHubConfig(),
    database,
  });
  try {
    const url = `${hub.url}/graphql`;
    // Findings of the newest runs, and datasets those runs used: the same picks at every scale.
    const findings = await sql<{ id: string }[]>`
      select f.id from findings f join runs r on r.id = f.run_id
      order by r.created_at desc, f.id limit 20`;
    const datasets = await sql<{ id: string }[]>`
      select distinct dv.dataset_id as id from run_inputs ri
      join dataset_versions dv on dv.id = ri.dataset_version_id
      order by dv.dataset_id limit 5`;
    let turn = 0;
    const next = <T>(items: T[]) => items[turn++ % items.length]!;
    const reads: Record<Read, () => Promise<unknown>> = {
      trace: () => postGraphQL(url, Trace, { id: encodeGlobalId('Finding', next(findings).id) }),
      search: () =>
        postGraphQL(url, Search, {
          filter: {
            usedDataset: encodeGlobalId('Dataset', next(datasets).id),
            metric: { key: 'accuracy', agg: 'LAST', op: 'GTE', value: 0.5 },
          },
        }),
      'runs page': () => postGraphQL(url, RunsPage),
    };
    const p50 = {} as Record<Read, number>;
    for (const read of Object.keys(reads) as Read[])
      p50[read] = (await time(reads[read], RUNS)).p50;
    return { graph, p50 };
  } finally {
    await hub.close();
    await database.close();
    await sql.end();
  }
}

export async function benchGrowth(serverUrl: string): Promise<BenchResult> {
  const figures: BenchResult['figures'] = {};
  const measured: Array<Awaited<ReturnType<typeof measureAt>>> = [];
  for (const scale of SCALES) {
    const at = await measureAt(serverUrl, scale);
    measured.push(at);
    figures[graphLabel(at.graph)] =
      `generated ${at.graph.generatedInSeconds === null ? 'earlier (reused)' : `in ${at.graph.generatedInSeconds.toFixed(0)} s`}; ` +
      `p50 trace ${ms(at.p50.trace)}, search ${ms(at.p50.search)}, runs page ${ms(at.p50['runs page'])}`;
  }
  const [first, last] = [measured[0]!, measured.at(-1)!];
  const growth = (read: Read) => last.p50[read] / first.p50[read];
  figures[`p50 growth, scale ${SCALES[0]} to ${SCALES.at(-1)}`] = (
    ['trace', 'search', 'runs page'] as Read[]
  )
    .map((read) => `${read} ${growth(read).toFixed(2)} x`)
    .join(', ');
  figures['goal: trace and search within 1.5 x'] =
    growth('trace') <= 1.5 && growth('search') <= 1.5 ? 'met' : 'missed';
  return { name: 'growth with scale (postgres)', figures };
}
