// `evalhub serve|worker|migrate|schema`: the hub's own processes, on its machine and database.
import { printSchema } from 'graphql';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { log } from '../logger.ts';
import { schema } from '../schema/index.ts';
import { startHub, startWorker } from '../server.ts';

export async function serve(): Promise<void> {
  const config = loadConfig();
  const hub = await startHub({ config });
  log.info(`evalhub listening on ${hub.url}`, {
    database: hub.database.kind === 'pglite' ? `embedded (${config.dataDir})` : 'postgresql',
  });
  const stop = async (signal: string) => {
    log.info(`stopping on ${signal}`);
    await hub.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

export async function worker(options: { concurrency?: string }): Promise<number | undefined> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.error(
      'evalhub worker needs DATABASE_URL: the PostgreSQL the API uses (the embedded database serves one process; `evalhub serve` runs its own workers)',
    );
    return 2;
  }
  const concurrency = options.concurrency ? Number(options.concurrency) : config.workers || 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    console.error('--concurrency is a whole number of at least 1');
    return 2;
  }
  const running = await startWorker({ ...config, workers: concurrency });
  log.info(`evalhub worker ${running.pool.workerId} ready`, {
    concurrency,
    runners: running.runners.executable().map((r) => `${r.id}@${r.version}`),
  });
  const stop = async (signal: string) => {
    // Runs still going after the grace period go back to the queue for another worker.
    log.info(`stopping on ${signal}; waiting up to ${config.leaseMs / 1000} s for running runs`);
    await running.stop(config.leaseMs);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return undefined;
}

export async function migrateDatabase(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const applied = await migrate(database.db);
  console.log(applied ? `applied ${applied} migration(s)` : 'the database is up to date');
  await database.close();
}

export function printSdl(): void {
  process.stdout.write(`${printSchema(schema)}\n`);
}
