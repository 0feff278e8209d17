// npm run bench: runs every benchmark on the embedded database and on PostgreSQL (the one
// in DATABASE_URL, or a throwaway cluster), prints the figures and writes them to
// .bench/results.json. Benchmarks over the generated lineage graph (about 1M edges at
// EVALHUB_BENCH_SCALE=1) run on PostgreSQL only, sharing one database that is generated
// the first time one of them runs (or reused from an earlier run on DATABASE_URL).
// `node bench/run.ts <name>...` runs only the named benchmarks; `growth` (graphs at several
// scales, generated for it) runs only when named.
import { mkdirSync, writeFileSync } from 'node:fs';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { openAuditChain } from '../src/resolvers/core/audit-chain.ts';
import { resolveAuditKey } from '../src/resolvers/core/audit-key.ts';
import { benchClassificationThroughput } from './classification-throughput.ts';
import { benchContentUpload } from './content-upload.ts';
import { benchEventIngestion } from './event-ingestion.ts';
import { benchFanOut } from './fan-out.ts';
import { benchGrowth } from './growth.ts';
import { benchLineageTrace } from './lineage-trace.ts';
import { benchLoad } from './load.ts';
import { benchOpenLineageIngestion } from './openlineage-ingestion.ts';
import { benchPeer } from './peer.ts';
import { benchRegistryListing } from './registry-listing.ts';
import { benchRunsPage } from './runs-page.ts';
import { benchSearch } from './search.ts';
import { BENCH_AUDIT_KEY } from './support/audit.ts';
import {
  benchScale,
  graphLabel,
  type LineageGraphDatabase,
  lineageGraphDatabase,
} from './support/lineage-database.ts';
import type { BenchResult } from './support/measure.ts';
import { benchPostgres } from './support/postgres.ts';

interface Target {
  kind: 'pglite' | 'postgres';
  /** The PostgreSQL database of this benchmark (absent for the embedded one). */
  url?: string;
  /** An open, migrated database: the embedded one in memory, or that PostgreSQL database. */
  database: Awaited<ReturnType<typeof openDatabase>>;
}

/**
 * A benchmark runs on both databases, each time on an empty one of its own; or it reads the
 * generated lineage graph, on PostgreSQL only (generating a million edges in the embedded
 * database would take most of the run, and measure nothing it is for).
 */
type Bench =
  | { on: 'both'; run(target: Target): Promise<BenchResult | BenchResult[]> }
  | {
      on: 'lineage graph';
      run(database: DatabaseHandle, graph: LineageGraphDatabase): Promise<BenchResult>;
    }
  /** Generates graphs of its own on the PostgreSQL server: slow, so only when named. */
  | { on: 'graphs of its own'; run(serverUrl: string): Promise<BenchResult> };

const benches: Record<string, Bench> = {
  'registry-listing': { on: 'both', run: (target) => benchRegistryListing(target.database) },
  'event-ingestion': { on: 'both', run: (target) => benchEventIngestion(target.database) },
  'fan-out': { on: 'both', run: (target) => benchFanOut(target) },
  'classification-throughput': {
    on: 'both',
    run: (target) => benchClassificationThroughput(target),
  },
  'openlineage-ingestion': {
    on: 'both',
    run: (target) => benchOpenLineageIngestion(target.database, target.kind),
  },
  'content-upload': {
    on: 'both',
    run: (target) => benchContentUpload(target.database, target.kind),
  },
  load: { on: 'both', run: (target) => benchLoad(target) },
  'lineage-trace': { on: 'lineage graph', run: benchLineageTrace },
  search: { on: 'lineage graph', run: benchSearch },
  'runs-page': { on: 'lineage graph', run: benchRunsPage },
  peer: { on: 'lineage graph', run: benchPeer },
  growth: { on: 'graphs of its own', run: benchGrowth },
};

async function freshPostgres(serverUrl: string, name: string) {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}

const only = process.argv.slice(2);
for (const name of only)
  if (!(name in benches))
    throw new Error(`no benchmark ${name}: ${Object.keys(benches).join(', ')}`);
const results: BenchResult[] = [];
const report = (result: BenchResult) => {
  results.push(result);
  console.log(`\n${result.name}`);
  for (const [figure, value] of Object.entries(result.figures))
    console.log(`  ${figure}: ${value}`);
};
const server = await benchPostgres();
let graph: LineageGraphDatabase | undefined;
try {
  for (const [name, bench] of Object.entries(benches)) {
    if (only.length && !only.includes(name)) continue;
    if (bench.on === 'graphs of its own') {
      if (!only.includes(name)) continue;
      report(
        server ? await bench.run(server.url) : { name, figures: { skipped: 'no PostgreSQL' } },
      );
      continue;
    }
    if (bench.on === 'lineage graph') {
      report({
        name: `${name} (pglite)`,
        figures: { skipped: 'PostgreSQL only: it reads the generated lineage graph' },
      });
      if (!server) {
        report({ name: `${name} (postgres)`, figures: { skipped: 'no PostgreSQL to run on' } });
        continue;
      }
      if (!graph) {
        graph = await lineageGraphDatabase(server.url, benchScale());
        report({
          name: 'lineage graph (postgres)',
          figures: {
            graph: graphLabel(graph),
            generated:
              graph.generatedInSeconds === null
                ? 'reused from an earlier run'
                : `in ${graph.generatedInSeconds.toFixed(0)} s`,
          },
        });
      }
      const database = await openDatabase({ url: graph.url, dataDir: 'memory://' });
      try {
        report(await bench.run(database, graph));
      } finally {
        await database.close();
      }
      continue;
    }
    const targets = [{ kind: 'pglite', url: undefined as string | undefined }];
    if (server)
      targets.push({
        kind: 'postgres',
        url: await freshPostgres(server.url, `evalhub_bench_${name.replaceAll('-', '_')}`),
      });
    for (const target of targets) {
      const database = await openDatabase({ url: target.url, dataDir: 'memory://' });
      await migrate(database.db);
      // The key the hub processes a benchmark starts are given (one key per process).
      await openAuditChain(
        database.db,
        resolveAuditKey({ given: BENCH_AUDIT_KEY, kind: database.kind, dataDir: 'memory://' }),
      );
      const result = await bench.run({
        kind: target.kind as Target['kind'],
        url: target.url,
        database,
      });
      await database.close();
      for (const one of [result].flat()) report(one);
    }
  }
} finally {
  server?.stop();
}
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
