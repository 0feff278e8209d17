// SQL statements per GraphQL request for a page of runs with their inputs (and the versions
// they name), metrics and findings, at 10, 50 and 100 runs a page, on the generated graph:
// the DataLoaders should make it a fixed number, whatever the page size.
import type { DatabaseHandle } from '../src/db/connect.ts';
import { graphql } from '../test/gql/index.ts';
import { startBenchHub } from './support/bench-hub.ts';
import { graphLabel, type LineageGraphDatabase } from './support/lineage-database.ts';
import { type BenchResult, ms, time } from './support/measure.ts';

const RunsPage = graphql(`
  query BenchRunsPage($first: Int!) {
    runs(first: $first) {
      edges {
        node {
          id
          inputs { role version { __typename ... on ModelVersion { digest } ... on DatasetVersion { digest } } }
          metrics { key value }
          findings { id title }
        }
      }
    }
  }
`);

const PAGE_SIZES = [10, 50, 100];
const RUNS = 50;

/** Statements and latency of a page of runs at each size, on the graph in `database`. */
export async function benchRunsPage(
  database: DatabaseHandle,
  graph: LineageGraphDatabase,
): Promise<BenchResult> {
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
      const timing = await time(() => client.request(RunsPage, { first }), RUNS);
      figures[`${first} runs: SQL statements per request`] = statements;
      figures[`${first} runs: what the page holds`] =
        `${count((run) => run.inputs)} inputs, ${count((run) => run.metrics)} metrics, ${count((run) => run.findings)} findings`;
      figures[`${first} runs: hub p50 / p95 (HTTP + GraphQL)`] =
        `${ms(timing.p50)} / ${ms(timing.p95)}`;
    }
  } finally {
    await client.close();
  }
  return { name: `runs page (postgres, ${graphLabel(graph)})`, figures };
}
