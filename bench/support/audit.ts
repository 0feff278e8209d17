// The audit chain of a bench's database. A hub refuses to start on a chain that does not
// verify, and the benches insert their rows directly (thousands to millions, in bulk):
// the chain is opened with one key before those rows go in, and its first record written,
// so the hubs the benches start find it anchored. One key for every database of a run: a
// process writes the chain with one key (core/audit.ts).
import type { Database } from '../../src/db/connect.ts';
import { localOperator } from '../../src/resolvers/core/actor.ts';
import { recordAudit } from '../../src/resolvers/core/audit.ts';
import { openAuditChain } from '../../src/resolvers/core/audit-chain.ts';
import { TEST_AUDIT_KEY } from '../../test/support/database.ts';

/**
 * The audit key of every hub and database of a bench run (EVALHUB_AUDIT_KEY is not read):
 * the tests' key, which the hub and worker processes the benches spawn are given too.
 */
export const BENCH_AUDIT_KEY = TEST_AUDIT_KEY;

/** Opens the chain of an empty, migrated database and records that a bench filled it. */
export async function anchorBenchAuditChain(db: Database, what: string): Promise<void> {
  await openAuditChain(db, Buffer.from(BENCH_AUDIT_KEY, 'utf8'));
  await db.transaction((tx) =>
    recordAudit(tx, localOperator('bench'), {
      action: 'bench.seed',
      projectId: null,
      targetType: 'Database',
      targetId: null,
      details: { what },
    }),
  );
}
