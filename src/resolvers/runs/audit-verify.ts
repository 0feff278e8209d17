// `evalhub audit verify` and the `auditChain` field: the chain checked from its first record
// with the key, then every finished run against the digests its run.end record sealed.
import { eq } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { auditLog } from '../../db/schema.ts';
import type { AuditRow } from '../core/audit.ts';
import { type NotedHead, verifyAuditChain } from '../core/audit-chain.ts';
import type { ServiceContext } from '../core/context.ts';
import { checkRunSeals } from './run-seal.ts';

export interface AuditReport {
  /** Whether every record follows from its predecessor, the anchor and the rows they seal. */
  ok: boolean;
  /** Records of the chain verified, oldest first, before the first broken one (or all). */
  records: number;
  /** The first record that does not hold; null when the break is after the newest one. */
  firstBroken: AuditRow | null;
  /** What is wrong; null when nothing is. */
  reason: string | null;
  /** The hash of the newest record verified: noted with `records`, a later check's `noted`. */
  head: string;
}

async function recordById(db: Queryable, id: number | null): Promise<AuditRow | null> {
  if (id === null) return null;
  const [row] = await db.select().from(auditLog).where(eq(auditLog.id, id));
  return row ?? null;
}

/**
 * Verifies the audit record with `key` (this process's own when not given), and that it still
 * holds the head a reader `noted` earlier, if given.
 */
export async function verifyAuditRecord(
  db: Queryable,
  key?: Buffer,
  noted?: NotedHead,
): Promise<AuditReport> {
  const chain = await verifyAuditChain(db, key, { noted });
  if (chain.reason)
    return {
      ok: false,
      records: chain.checked,
      firstBroken: await recordById(db, chain.brokenAt),
      reason: chain.reason,
      head: chain.head,
    };
  const seals = await checkRunSeals(db);
  return {
    ok: seals.broken === null,
    records: chain.checked,
    firstBroken: await recordById(db, seals.broken?.recordId ?? null),
    reason: seals.broken?.reason ?? null,
    head: chain.head,
  };
}

/** The audit record verified, for a hub admin; null for anyone else. */
export async function auditChainOf(
  ctx: Pick<ServiceContext, 'db' | 'actor'>,
): Promise<AuditReport | null> {
  return ctx.actor.admin ? verifyAuditRecord(ctx.db) : null;
}
