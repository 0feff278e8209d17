// Opens the one database the hub uses: PostgreSQL through postgres.js when a URL is
// given, otherwise the embedded PGlite keeping its files in a local folder.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { cancelAbandonedStatements } from './abandoned.ts';
import { DataFolderError, type DataFolderLock, lockDataFolder } from './data-folder-lock.ts';
import { shareFairly } from './fair-queue.ts';
import * as schema from './schema.ts';
import { statementLogger } from './statements.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Database;
  /** The raw client, for the few things Drizzle does not wrap (LISTEN, COPY). */
  readonly client: PGlite | postgres.Sql;
  /** The PostgreSQL connection string (for processes of their own, like the listener). */
  readonly url?: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://...`; when absent the embedded database is used. */
  url?: string | undefined;
  /** Folder of the embedded database, or `memory://` for one that vanishes on exit. */
  dataDir: string;
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
  /** PostgreSQL ends any statement running longer (`statement_timeout`); none when absent. */
  statementTimeoutMs?: number;
}

/** Columns are camelCase in TypeScript and snake_case in the database. */
export const CASING = 'snake_case';

const drizzleConfig = { schema, casing: CASING, logger: statementLogger } as const;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      connection: {
        application_name: 'evalhub',
        ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      },
    });
    cancelAbandonedStatements(client);
    const db = drizzlePostgres({ client, ...drizzleConfig });
    return {
      kind: 'postgres',
      db: db as unknown as Database,
      client,
      url: options.url,
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir.startsWith('memory://')
    ? options.dataDir
    : resolve(options.dataDir);
  let lock: DataFolderLock | undefined;
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
    lock = lockDataFolder(dataDir);
  }
  const client = await openPglite(dataDir).catch((error) => {
    lock?.release();
    throw error;
  });
  shareFairly(client);
  const db = drizzlePglite({ client, ...drizzleConfig });
  return {
    kind: 'pglite',
    db: db as unknown as Database,
    client,
    close: async () => {
      await client.close();
      lock?.release();
    },
  };
}

/** PGlite fails on a damaged folder with a WebAssembly abort: say what to do instead. */
async function openPglite(dataDir: string): Promise<PGlite> {
  try {
    return await PGlite.create({ dataDir, extensions: { pg_trgm } });
  } catch (error) {
    throw new DataFolderError(
      `the embedded database in ${dataDir} cannot be opened (${(error as Error).message}); ` +
        'move the folder aside and restore it from a backup, or set EVALHUB_DATA_DIR to an empty folder to start afresh',
    );
  }
}
