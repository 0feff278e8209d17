// Whether the audit trail can be trusted, as a report states it: the chain verified from its
// first record, and the records about the reported runs.
import { asc, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { auditLog } from '../../db/schema.ts';
import { verifyAuditChain } from '../core/audit.ts';

export interface AuditChainStatus {
  /** Records verified, oldest first, before the first broken one (or all). */
  checked: number;
  /** The id of the first record whose hash does not follow from its content; null if none. */
  brokenAt: number | null;
  verifiedAt: Date;
}

export type AuditRecord = typeof auditLog.$inferSelect;

/**
 * Verifies the whole audit chain. The report's one way to do it: how the chain is verified
 * (its hashing, and a key once it has one) is audit.ts's business.
 */
export async function auditChainStatus(db: Queryable): Promise<AuditChainStatus> {
  const { checked, brokenAt } = await verifyAuditChain(db);
  return { checked, brokenAt, verifiedAt: new Date() };
}

/** The audit records about the runs `runIds` (starting, cancelling, retrying them...). */
export async function loadAuditRecords(
  db: Queryable,
  runIds: readonly string[],
): Promise<AuditRecord[]> {
  return db
    .select()
    .from(auditLog)
    .where(inArray(auditLog.targetId, [...runIds]))
    .orderBy(asc(auditLog.id));
}
