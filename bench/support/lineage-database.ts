// The database holding the generated lineage graph (lineage-graph.ts), shared by the
// benches that read it. Generating it takes minutes, so it is made once per run, and kept
// on a server that outlives the run (DATABASE_URL): the database's comment records the
// scale, the generator and the migrations it was made with, and a later run whose
// fingerprint matches reuses it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';
import { anchorBenchAuditChain } from './audit.ts';
import { generateLineageGraph, lineageGraphSize } from './lineage-graph.ts';

export interface LineageGraphDatabase {
  url: string;
  scale: number;
  /** Seconds it took to generate, or null when a previous run's graph was reused. */
  generatedInSeconds: number | null;
  counts: { edges: number; runs: number; metrics: number; findings: number };
}

/** The scale of the graph: EVALHUB_BENCH_SCALE, 1 (about 1M edges) by default. */
export function benchScale(): number {
  const scale = Number(process.env.EVALHUB_BENCH_SCALE ?? 1);
  if (!(scale > 0)) throw new Error(`EVALHUB_BENCH_SCALE must be a positive number, not ${scale}`);
  return scale;
}

/** What the graph was made from: regenerated whenever the generator or a migration changes. */
function fingerprint(scale: number): string {
  const hash = createHash('sha256');
  hash.update(`scale ${scale}\n`);
  // Graphs made before the bench anchored their audit chain are no use to a hub.
  hash.update('audit chain anchored\n');
  hash.update(readFileSync(new URL('./lineage-graph.ts', import.meta.url)));
  const migrations = fileURLToPath(new URL('../../migrations/', import.meta.url));
  for (const file of readdirSync(migrations)
    .filter((name) => name.endsWith('.sql'))
    .sort())
    hash.update(readFileSync(`${migrations}${file}`));
  return `evalhub bench lineage graph ${hash.digest('hex').slice(0, 16)}`;
}

/** The lineage graph at `scale` on the PostgreSQL server `serverUrl`, generated if need be. */
export async function lineageGraphDatabase(
  serverUrl: string,
  scale: number,
): Promise<LineageGraphDatabase> {
  const name = `evalhub_bench_lineage_graph_${String(scale).replace(/\W/g, '_')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const marker = fingerprint(scale);
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  let generatedInSeconds: number | null = null;
  try {
    const [existing] = await admin<{ comment: string | null }[]>`
      select shobj_description(oid, 'pg_database') as comment from pg_database where datname = ${name}`;
    if (existing?.comment !== marker) {
      const start = performance.now();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.unsafe(`create database ${name}`);
      const database = await openDatabase({ url: url.href, dataDir: 'memory://' });
      await migrate(database.db);
      await anchorBenchAuditChain(database.db, 'lineage graph');
      await database.close();
      const sql = postgres(url.href, { max: 1, onnotice: () => {} });
      try {
        await generateLineageGraph(sql, lineageGraphSize(scale));
        // Vacuumed now, so that autovacuum does not start in the middle of a measurement
        // and index-only scans need not visit the heap.
        await sql.unsafe('vacuum (analyze)');
      } finally {
        await sql.end();
      }
      // The comment goes last: a graph whose generation failed midway is never reused.
      await admin.unsafe(`comment on database ${name} is '${marker}'`);
      generatedInSeconds = (performance.now() - start) / 1000;
    }
  } finally {
    await admin.end();
  }
  const sql = postgres(url.href, { max: 1, onnotice: () => {} });
  try {
    const [counts] = await sql<LineageGraphDatabase['counts'][]>`
      select (select count(*) from lineage_edges)::int as edges, (select count(*) from runs)::int as runs,
             (select count(*) from metrics)::int as metrics, (select count(*) from findings)::int as findings`;
    return { url: url.href, scale, generatedInSeconds, counts: counts! };
  } finally {
    await sql.end();
  }
}

/** The graph in a few words, for a benchmark's name. */
export function graphLabel(graph: LineageGraphDatabase): string {
  const n = (value: number) => value.toLocaleString('en');
  const { edges, runs, metrics, findings } = graph.counts;
  return `scale ${graph.scale}: ${n(edges)} edges, ${n(runs)} runs, ${n(metrics)} metrics, ${n(findings)} findings`;
}
