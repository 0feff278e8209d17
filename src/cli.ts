#!/usr/bin/env node
// The evalhub command.
import { parseArgs } from 'node:util';
import { printSchema } from 'graphql';
import { auditCommand } from './cli/audit.ts';
import { tokenCommand } from './cli/token.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db/connect.ts';
import { DataFolderError } from './db/data-folder-lock.ts';
import { migrate } from './db/migrate.ts';
import { PortInUseError } from './http/listen.ts';
import { log } from './logger.ts';
import { schema } from './schema/index.ts';
import { startHub, startWorker } from './server.ts';

const usage = `usage: evalhub <command>

commands:
  serve     serve the API (default): GraphQL on /graphql, GraphiQL on /, health on /healthz,
            with EVALHUB_WORKERS runs executing in this process (0: none)
  worker    execute queued runs of the PostgreSQL in DATABASE_URL, on this machine
            [--concurrency N] (default EVALHUB_WORKERS, else 2)
  migrate   apply database migrations and exit
  schema    print the GraphQL schema (SDL)
  token     issue, list and revoke API tokens, on the server (evalhub token for more)
  audit     audit verify: check the audit record from its first entry, with the hub's key

configuration comes from the environment: PORT, HOST, DATABASE_URL, EVALHUB_DATA_DIR,
EVALHUB_ACTOR, EVALHUB_WORKERS, EVALHUB_LEASE_SECONDS, EVALHUB_CANCEL_GRACE_SECONDS,
EVALHUB_RUNNER_MODULES, EVALHUB_WORK_DIR, EVALHUB_AUDIT_KEY, LOG_LEVEL (see README.md).`;

async function main(argv: string[]): Promise<number> {
  // Commands with options of their own parse them themselves.
  if (argv[0] === 'token') return tokenCommand(argv.slice(1), loadConfig());
  if (argv[0] === 'audit') return auditCommand(argv.slice(1), loadConfig());
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, concurrency: { type: 'string' } },
  });
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') {
    console.log(usage);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve': {
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
      return new Promise<number>(() => {});
    }
    case 'worker': {
      if (!config.databaseUrl) {
        console.error(
          'evalhub worker needs DATABASE_URL: the PostgreSQL the API uses (the embedded database serves one process; `evalhub serve` runs its own workers)',
        );
        return 2;
      }
      const concurrency = values.concurrency ? Number(values.concurrency) : config.workers || 2;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        console.error('--concurrency is a whole number of at least 1');
        return 2;
      }
      const worker = await startWorker({ ...config, workers: concurrency });
      log.info(`evalhub worker ${worker.pool.workerId} ready`, {
        concurrency,
        runners: worker.runners.executable().map((r) => `${r.id}@${r.version}`),
      });
      const stop = async (signal: string) => {
        // Runs still going after the grace period go back to the queue for another worker.
        log.info(
          `stopping on ${signal}; waiting up to ${config.leaseMs / 1000} s for running runs`,
        );
        await worker.stop(config.leaseMs);
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      return new Promise<number>(() => {});
    }
    case 'migrate': {
      const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
      const applied = await migrate(database.db);
      console.log(applied ? `applied ${applied} migration(s)` : 'the database is up to date');
      await database.close();
      return 0;
    }
    case 'schema':
      process.stdout.write(`${printSchema(schema)}\n`);
      return 0;
    default:
      console.error(`unknown command ${JSON.stringify(command)}\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof DataFolderError || error instanceof PortInUseError) {
      console.error(`evalhub: ${error.message}`);
      process.exit(1);
    }
    log.error((error as Error).message, { stack: (error as Error).stack });
    process.exit(1);
  },
);
