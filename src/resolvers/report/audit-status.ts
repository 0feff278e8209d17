// Whether the audit trail can be trusted, as a report states it: the chain verified from its
// first record, and the records about the reported runs.
import { asc, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { auditLog } from '../../db/schema.ts';
import { verifyAuditRecord } from '../runs/audit-verify.ts';

export interface AuditChainStatus {
  /** Records verified, oldest first, before the first broken one (or all). */
  checked: number;
  /** The id of the first record that does not hold; null if none (or the break is after the newest). */
  brokenAt: number | null;
  /** What is wrong with the chain; null when it verifies. */
  reason: string | null;
  verifiedAt: Date;
}

export type AuditRecord = typeof auditLog.$inferSelect;

/**
 * Verifies the whole audit record. The report's one way to do it: how the chain is verified
 * (its keyed hashing, the runs it seals) is audit-verify.ts's business.
 */
export async function auditChainStatus(db: Queryable): Promise<AuditChainStatus> {
  const { records, firstBroken, reason } = await verifyAuditRecord(db);
  return { checked: records, brokenAt: firstBroken?.id ?? null, reason, verifiedAt: new Date() };
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
