// The audit trail: one hash-chained row per change, written in the change's transaction.
import { asc, desc, gt, sql } from 'drizzle-orm';
import type { Queryable, Transaction } from '../../db/rows.ts';
import { auditLog } from '../../db/schema.ts';
import type { Actor } from './actor.ts';
import { canonicalJson } from './canonical-json.ts';
import { sha256Digest } from './sha256.ts';

export interface AuditEntry {
  action: string;
  projectId: string | null;
  targetType: string;
  targetId: string | null;
  details?: Record<string, unknown>;
}

// Serialises writers of the chain: each row's hash covers the previous row's hash.
const AUDIT_CHAIN_LOCK = 7_460_913_022;

export const GENESIS_HASH =
  'sha256:0000000000000000000000000000000000000000000000000000000000000000';

/** The hash of one audit row, from its predecessor's hash and its own fields. */
export function auditHash(
  prevHash: string,
  row: { at: Date; actor: string } & Required<AuditEntry>,
): string {
  const body = canonicalJson({
    action: row.action,
    actor: row.actor,
    at: row.at.toISOString(),
    details: row.details,
    projectId: row.projectId,
    targetId: row.targetId,
    targetType: row.targetType,
  });
  return sha256Digest(`${prevHash}\n${body}`);
}

/**
 * Takes the audit chain's lock for the rest of the transaction. A transaction that will lock
 * rows and then audit takes it first: always the same order, so two of them cannot deadlock.
 */
export async function lockAuditChain(tx: Transaction): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
}

export async function recordAudit(tx: Transaction, actor: Actor, entry: AuditEntry): Promise<void> {
  await lockAuditChain(tx);
  const [last] = await tx
    .select({ hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.id))
    .limit(1);
  const row = { details: {}, ...entry, at: new Date(), actor: actor.id };
  const prevHash = last?.hash ?? GENESIS_HASH;
  await tx.insert(auditLog).values({ ...row, prevHash, hash: auditHash(prevHash, row) });
}

export interface AuditVerification {
  /** Rows checked, oldest first. */
  checked: number;
  /** The id of the first row whose hash does not follow from its content, if any. */
  brokenAt: number | null;
}

/**
 * Recomputes the chain: a row that was altered, or removed from between two others, breaks
 * it at that point. Reads in pages so a long log does not sit in memory at once.
 */
export async function verifyAuditChain(db: Queryable, pageSize = 5000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let afterId = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, afterId))
      .orderBy(asc(auditLog.id))
      .limit(pageSize);
    for (const row of rows) {
      const details = row.details as Record<string, unknown>;
      if (row.prevHash !== prevHash || row.hash !== auditHash(prevHash, { ...row, details })) {
        return { checked, brokenAt: row.id };
      }
      prevHash = row.hash;
      checked += 1;
    }
    if (rows.length < pageSize) return { checked, brokenAt: null };
    afterId = rows.at(-1)!.id;
  }
}
