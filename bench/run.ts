// npm run bench: runs every benchmark on the embedded database and on PostgreSQL (the one
// in DATABASE_URL, or a throwaway cluster), prints the figures and writes them to
// .bench/results.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import postgres from 'postgres';
import { openDatabase } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { benchEventIngestion } from './event-ingestion.ts';
import { benchFanOut } from './fan-out.ts';
import { benchRegistryListing } from './registry-listing.ts';
import type { BenchResult } from './support/measure.ts';
import { benchPostgres } from './support/postgres.ts';

interface Target {
  kind: 'pglite' | 'postgres';
  /** The PostgreSQL database of this benchmark (absent for the embedded one). */
  url?: string;
  /** An open, migrated database: the embedded one in memory, or that PostgreSQL database. */
  database: Awaited<ReturnType<typeof openDatabase>>;
}

type Bench = (target: Target) => Promise<BenchResult>;

const benches: Record<string, Bench> = {
  'registry-listing': (target) => benchRegistryListing(target.database),
  'event-ingestion': (target) => benchEventIngestion(target.database),
  'fan-out': (target) => benchFanOut(target),
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
const results: BenchResult[] = [];
const server = await benchPostgres();
try {
  for (const [name, bench] of Object.entries(benches)) {
    if (only.length && !only.includes(name)) continue;
    const targets = [{ kind: 'pglite', url: undefined as string | undefined }];
    if (server)
      targets.push({
        kind: 'postgres',
        url: await freshPostgres(server.url, `evalhub_bench_${name.replaceAll('-', '_')}`),
      });
    for (const target of targets) {
      const database = await openDatabase({ url: target.url, dataDir: 'memory://' });
      await migrate(database.db);
      const result = await bench({
        kind: target.kind as Target['kind'],
        url: target.url,
        database,
      });
      await database.close();
      results.push(result);
      console.log(`\n${result.name}`);
      for (const [figure, value] of Object.entries(result.figures))
        console.log(`  ${figure}: ${value}`);
    }
  }
} finally {
  server?.stop();
}
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
