// An isolated database for one test file: a fresh in-memory PGlite, or, when
// DATABASE_URL is set, a new database on that PostgreSQL server, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';

/**
 * The audit key of every test hub and of the hub and worker processes tests start: one
 * process, one key (core/audit.ts), and processes sharing a database share its key.
 */
export const TEST_AUDIT_KEY = 'test-audit-key-0123456789abcdef0123456789abcdef';

/** The signing key (a PEM file) of the same hubs and processes: evidence is signed with it. */
export const TEST_SIGNING_KEY = fileURLToPath(
  new URL('../fixtures/signing-key.pem', import.meta.url),
);

export interface TestDatabase extends DatabaseHandle {
  /** The connection string of this test's own database (PostgreSQL only). */
  url: string | undefined;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const handle = await openDatabase({ dataDir: 'memory://' });
    await migrate(handle.db);
    return { ...handle, url: undefined };
  }
  const name = `evalhub_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.href, dataDir: 'memory://' });
  await migrate(handle.db);
  return {
    ...handle,
    url: url.href,
    close: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
