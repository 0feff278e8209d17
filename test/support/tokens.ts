// An admin API token made directly in a test's database, as `evalhub token create --admin`
// makes one on a server: for hubs started as processes that require tokens (PostgreSQL).
import type { Database } from '../../src/db/connect.ts';
import { localOperator } from '../../src/resolvers/core/actor.ts';
import { createApiToken } from '../../src/resolvers/identity/tokens.ts';
import { RunnerRegistry } from '../../src/runners/registry.ts';

export async function adminToken(db: Database): Promise<string> {
  const ctx = { db, actor: localOperator('test'), runners: new RunnerRegistry([]) };
  return (await createApiToken(ctx, { name: 'test-admin', admin: true })).secret;
}

/** The headers of a request made with `token`, if any. */
export function bearer(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
