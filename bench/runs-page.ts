// SQL statements per GraphQL request for a page of runs with their inputs (and the versions
// they name), metrics and findings, at 10, 50 and 100 runs a page, on the generated graph:
// the DataLoaders should make it a fixed number, whatever the page size. Timed against the
// same page from one hand-written statement, in the same run.
import postgres from 'postgres';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { graphql } from '../test/gql/index.ts';
import { startBenchHub } from './support/bench-hub.ts';
import { graphLabel, type LineageGraphDatabase } from './support/lineage-database.ts';
import { type BenchResult, ms, overFloor, timeInTurns } from './support/measure.ts';

const RunsPage = graphql(`
  query BenchRunsPage($first: Int!) {
    runs(first: $first) {
      edges {
        node {
          id
          inputs { role version { __typename ... on ModelVersion { digest } ... on DatasetVersion { digest } } }
          metrics(first: 20) { edges { node { key value } } }
          findings { id title }
        }
      }
    }
  }
`);

const PAGE_SIZES = [10, 50, 100];
const RUNS = 50;

/** The same page as one statement: each run with its inputs' digests, first 20 metrics and findings. */
function rawRunsPage(sql: postgres.Sql, first: number) {
  return sql<{ id: string; inputs: unknown[]; metrics: unknown[]; findings: unknown[] }[]>`
    select r.id,
      (select coalesce(json_agg(json_build_object('role', ri.role, 'digest', coalesce(mv.digest, dv.digest))
                                order by ri.role, ri.position), '[]')
       from run_inputs ri
       left join model_versions mv on mv.id = ri.model_version_id
       left join dataset_versions dv on dv.id = ri.dataset_version_id
       where ri.run_id = r.id) as inputs,
      (select coalesce(json_agg(json_build_object('key', m.key, 'value', m.value)
                                order by m.key, m.slice_key, m.step, m.id), '[]')
       from (select * from metrics m where m.run_id = r.id
             order by m.key, m.slice_key, m.step, m.id limit 20) m) as metrics,
      (select coalesce(json_agg(json_build_object('id', f.id, 'title', f.title)
                                order by f.created_at, f.id), '[]')
       from findings f where f.run_id = r.id) as findings
    from runs r
    order by r.created_at desc, r.id desc
    limit ${first + 1}`;
}

/** Statements and latency of a page of runs at each size, on the graph in `database`. */
export async function benchRunsPage(
  database: DatabaseHandle,
  graph: LineageGraphDatabase,
): Promise<BenchResult> {
  const sql = postgres(graph.url, { max: 1, onnotice: () => {} });
  const client = await startBenchHub(database);
  const figures: BenchResult['figures'] = {};
  try {
    for (const first of PAGE_SIZES) {
      const page = await client.request(RunsPage, { first });
      const statements = client.statements().length;
      const runs = page.runs.edges.map((edge) => edge.node);
      if (runs.length !== first) throw new Error(`asked for ${first} runs, got ${runs.length}`);
      if (runs.some((run) => run.inputs.some((input) => !input.version)))
        throw new Error('an input of a run came without its version');
      const count = (of: (run: (typeof runs)[number]) => unknown[]) =>
        runs.reduce((sum, run) => sum + of(run).length, 0);
      const raw = await rawRunsPage(sql, first);
      const rawHolds = (of: (row: (typeof raw)[number]) => unknown[]) =>
        raw.slice(0, first).reduce((sum, row) => sum + of(row).length, 0);
      const holds = [
        count((run) => run.inputs),
        count((run) => run.metrics.edges),
        count((run) => run.findings),
      ];
      const rawHeld = [
        rawHolds((row) => row.inputs),
        rawHolds((row) => row.metrics),
        rawHolds((row) => row.findings),
      ];
      if (holds.join() !== rawHeld.join())
        throw new Error(
          `the hub's page holds ${holds.join('/')} inputs/metrics/findings, the raw SQL's ${rawHeld.join('/')}`,
        );
      const timings = await timeInTurns(
        {
          hub: () => client.request(RunsPage, { first }),
          raw: () => rawRunsPage(sql, first),
          bare: () => client.bare(),
        },
        RUNS,
      );
      figures[`${first} runs: SQL statements per request`] = statements;
      figures[`${first} runs: what the page holds`] =
        `${holds[0]} inputs, ${holds[1]} metrics, ${holds[2]} findings`;
      figures[`${first} runs: hub p50 / p95 (HTTP + GraphQL)`] =
        `${ms(timings.hub.p50)} / ${ms(timings.hub.p95)}`;
      figures[`${first} runs: raw SQL (one statement) p50`] = ms(timings.raw.p50);
      figures[`${first} runs: bare HTTP round trip p50`] = ms(timings.bare.p50);
      figures[`${first} runs: ratio hub / (raw SQL + bare round trip) (p50)`] = overFloor(
        timings.hub,
        timings.raw,
        timings.bare,
      );
    }
  } finally {
    await client.close();
    await sql.end();
  }
  return { name: `runs page (postgres, ${graphLabel(graph)})`, figures };
}
