// The audit trail: one row per change, written in the change's transaction, each row's hash
// an HMAC-SHA256 (with the key of audit-key.ts) of its predecessor's hash and its own
// fields, and an anchor row holding the count and head of the chain under the same key.
import { createHmac } from 'node:crypto';
import { desc, sql } from 'drizzle-orm';
import type { Queryable, Transaction } from '../../db/rows.ts';
import { auditAnchor, auditLog } from '../../db/schema.ts';
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

export type AuditRow = typeof auditLog.$inferSelect;
export type AuditAnchor = typeof auditAnchor.$inferSelect;

// Serialises writers of the chain: each row's hash covers the previous row's hash.
const AUDIT_CHAIN_LOCK = 7_460_913_022;

export const GENESIS_HASH =
  'sha256:0000000000000000000000000000000000000000000000000000000000000000';

/** How keyed hashes begin; the records made before the chain had a key are `sha256:`. */
const KEYED = 'hmac-sha256:';

let chainKey: Buffer | null = null;

/**
 * Sets the key this process writes the audit chain with. A process serves one database,
 * so it holds one key: a second, different one is a configuration mistake, refused.
 */
export function useAuditKey(key: Buffer): void {
  if (chainKey && !chainKey.equals(key))
    throw new Error('this process already writes the audit chain with another key');
  chainKey = key;
}

/** The key this process writes the chain with (set at start-up by openAuditChain). */
export function auditKeyInUse(): Buffer {
  if (!chainKey) throw new Error('the audit chain has no key in this process (useAuditKey)');
  return chainKey;
}

function keyed(key: Buffer, text: string): string {
  return `${KEYED}${createHmac('sha256', key).update(text).digest('hex')}`;
}

function recordBody(row: { at: Date; actor: string } & Required<AuditEntry>): string {
  return canonicalJson({
    action: row.action,
    actor: row.actor,
    at: row.at.toISOString(),
    details: row.details,
    projectId: row.projectId,
    targetId: row.targetId,
    targetType: row.targetType,
  });
}

/**
 * The hash of one audit row, from its predecessor's hash and its own fields: keyed, or, for
 * a record made before the chain had a key (`key` null), plain SHA-256.
 */
export function auditHash(
  key: Buffer | null,
  prevHash: string,
  row: { at: Date; actor: string } & Required<AuditEntry>,
): string {
  const text = `${prevHash}\n${recordBody(row)}`;
  return key ? keyed(key, text) : sha256Digest(text);
}

/** The MAC of the anchor's count and head. */
export function anchorMac(key: Buffer, anchor: Omit<AuditAnchor, 'id' | 'mac'>): string {
  return keyed(key, `anchor\n${anchor.records}\n${anchor.legacyRecords}\n${anchor.head}`);
}

/** Writes the anchor: `records` records, the newest hashed `head`. */
export async function writeAnchor(
  db: Queryable,
  key: Buffer,
  anchor: Omit<AuditAnchor, 'id' | 'mac'>,
): Promise<void> {
  const row = { ...anchor, mac: anchorMac(key, anchor) };
  await db.insert(auditAnchor).values(row).onConflictDoUpdate({ target: auditAnchor.id, set: row });
}

/**
 * Takes the audit chain's lock for the rest of the transaction. A transaction that will lock
 * rows and then audit takes it first: always the same order, so two of them cannot deadlock.
 */
export async function lockAuditChain(tx: Transaction): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
}

/** Where a record sits in the chain. */
export interface AuditRecordRef {
  id: number;
  hash: string;
}

export async function recordAudit(
  tx: Transaction,
  actor: Actor,
  entry: AuditEntry,
): Promise<AuditRecordRef> {
  const key = auditKeyInUse();
  await lockAuditChain(tx);
  const [last] = await tx
    .select({ hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.id))
    .limit(1);
  const [anchor] = await tx.select().from(auditAnchor);
  const row = { details: {}, ...entry, at: new Date(), actor: actor.id };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const hash = auditHash(key, prevHash, row);
  const [inserted] = await tx
    .insert(auditLog)
    .values({ ...row, prevHash, hash })
    .returning({ id: auditLog.id });
  await writeAnchor(tx, key, {
    records: (anchor?.records ?? 0) + 1,
    legacyRecords: anchor?.legacyRecords ?? 0,
    head: hash,
  });
  return { id: inserted!.id, hash };
}
