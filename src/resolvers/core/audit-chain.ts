// Checking the audit chain: every record from the first (`evalhub audit verify`, the
// `auditChain` field, reports), or only its head (at start-up).
import { asc, count, desc, gt } from 'drizzle-orm';
import type { Database } from '../../db/connect.ts';
import type { Queryable } from '../../db/rows.ts';
import { auditAnchor, auditLog, projects } from '../../db/schema.ts';
import {
  type AuditAnchor,
  type AuditRow,
  anchorMac,
  auditHash,
  auditKeyInUse,
  GENESIS_HASH,
  lockAuditChain,
  useAuditKey,
  writeAnchor,
} from './audit.ts';

export interface AuditVerification {
  /** Records verified, oldest first, before the first broken one (or all). */
  checked: number;
  /** The id of the first record that does not follow from its predecessor and content. */
  brokenAt: number | null;
  /** Why the chain does not verify; null when it does. */
  reason: string | null;
  /** The hash of the newest record verified (GENESIS_HASH for none). */
  head: string;
}

/**
 * What a reader noted of the chain earlier (`evalhub audit verify` prints it): it held
 * `records` records, the newest hashed `head`. A chain that still holds must still have that
 * record at that place: the one check that no anchor in the database can fool, since whoever
 * can cut the newest records can also put back an anchor saved before them.
 */
export interface NotedHead {
  records: number;
  head: string;
}

const REMOVED =
  'the chain was cut: records were removed or the anchor was rolled back (the anchor counts';
const REMOVED_NOTED =
  'the chain was cut: its newest records were removed, and the anchor rolled back with them (you noted';

function rowHash(key: Buffer, row: AuditRow, position: number, anchor: AuditAnchor | undefined) {
  const legacy = position < (anchor?.legacyRecords ?? 0);
  const details = row.details as Record<string, unknown>;
  return auditHash(legacy ? null : key, row.prevHash, { ...row, details });
}

/** Whether the anchor was written with `key`; a reason when not. */
async function anchorProblem(
  db: Queryable,
  key: Buffer,
  anchor: AuditAnchor | undefined,
  found: number,
): Promise<string | null> {
  if (!anchor && found) return 'the anchor of the chain is missing';
  // No anchor and no record is a new database, unless it holds what records are made of:
  // every project is created with one.
  if (!anchor)
    return (await db.select({ id: projects.id }).from(projects).limit(1)).length
      ? 'the audit record and its anchor are gone, yet the database holds projects: they were removed'
      : null;
  if (anchor.mac !== anchorMac(key, anchor))
    return 'the anchor was not written with this key (changed, or the chain was rebuilt)';
  return null;
}

/** Walks the records oldest first, in pages; stops at the first that breaks the chain. */
async function walkChain(
  db: Queryable,
  key: Buffer,
  anchor: AuditAnchor | undefined,
  pageSize: number,
  noted?: NotedHead,
): Promise<AuditVerification> {
  let head = GENESIS_HASH;
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
      const reason =
        row.prevHash !== head
          ? 'it does not follow its predecessor: a record before it was removed or changed'
          : row.hash !== rowHash(key, row, checked, anchor)
            ? 'its content does not match its hash: it was changed, or hashed without the key'
            : null;
      if (reason) return { checked, brokenAt: row.id, reason, head };
      head = row.hash;
      checked += 1;
      if (noted && checked === noted.records && head !== noted.head)
        return {
          checked: checked - 1,
          brokenAt: row.id,
          reason: `it is not the record ${noted.records} you noted (${noted.head}): the chain was rewritten`,
          head,
        };
    }
    if (rows.length < pageSize) {
      if (noted && checked < noted.records)
        return {
          checked,
          brokenAt: null,
          reason: `${REMOVED_NOTED} ${noted.records} records, ${checked} remain)`,
          head,
        };
      return { checked, brokenAt: null, reason: null, head };
    }
    afterId = rows.at(-1)!.id;
  }
}

/**
 * Recomputes the chain with `key`: a record altered, removed from between two others, or
 * hashed without the key breaks it at that point; the newest records removed (or the whole
 * chain rebuilt) disagree with the anchor.
 */
export async function verifyAuditChain(
  db: Queryable,
  key: Buffer = auditKeyInUse(),
  options: { pageSize?: number; noted?: NotedHead } = {},
): Promise<AuditVerification> {
  const [anchor] = await db.select().from(auditAnchor);
  const walked = await walkChain(db, key, anchor, options.pageSize ?? 5000, options.noted);
  if (walked.reason) return walked;
  const { checked, head } = walked;
  const problem = await anchorProblem(db, key, anchor, checked);
  if (problem) return { checked, brokenAt: null, reason: problem, head };
  if (anchor && (anchor.records !== checked || anchor.head !== head))
    return {
      checked,
      brokenAt: null,
      reason: `${REMOVED} ${anchor.records}, ${checked} remain)`,
      head,
    };
  return walked;
}

async function countRecords(db: Queryable): Promise<number> {
  const [row] = await db.select({ records: count() }).from(auditLog);
  return row!.records;
}

/** The head alone: the anchor's MAC, the count of records, the newest record's hash. */
async function verifyHead(db: Queryable, key: Buffer): Promise<string | null> {
  const [anchor] = await db.select().from(auditAnchor);
  const records = await countRecords(db);
  const problem = await anchorProblem(db, key, anchor, records);
  if (problem || !anchor) return problem;
  const [newest] = await db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  if (anchor.records !== records || newest?.hash !== anchor.head)
    return `${REMOVED} ${anchor.records}, ${records} remain)`;
  if (newest.hash !== rowHash(key, newest, records - 1, anchor))
    return `the newest record (${newest.id}) does not match its hash`;
  return null;
}

/** The newest record was hashed without a key and no anchor vouches for the chain. */
async function unkeyedChain(db: Queryable): Promise<{ records: number; head: string } | null> {
  const [anchor] = await db.select().from(auditAnchor);
  const [newest] = await db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  if (anchor || !newest?.hash.startsWith('sha256:')) return null;
  return { records: await countRecords(db), head: newest.hash };
}

/**
 * `evalhub audit seal`: a chain made before it had a key (plain SHA-256, no anchor) is
 * checked in full and sealed under the key, which vouches for it from then on. Only the
 * operator may decide that: the same state is what someone who rebuilt the chain without the
 * key and deleted its anchor would leave.
 */
export async function sealLegacyChain(
  db: Database,
  key: Buffer,
): Promise<{ sealed: number; head: string } | { reason: string }> {
  return db.transaction(async (tx) => {
    await lockAuditChain(tx);
    const unkeyed = await unkeyedChain(tx);
    if (!unkeyed) return { reason: 'the chain has no records made before it had a key to seal' };
    const anchor = { ...unkeyed, legacyRecords: unkeyed.records };
    const walked = await walkChain(tx, key, { id: 1, ...anchor, mac: '' }, 5000);
    if (walked.reason) return { reason: `record ${walked.brokenAt}: ${walked.reason}` };
    await writeAnchor(tx, key, anchor);
    return { sealed: unkeyed.records, head: unkeyed.head };
  });
}

/**
 * Start-up: the process writes the chain with `key` from now on, once its head checks out;
 * a chain whose head does not is refused, saying what broke and how to see more.
 */
export async function openAuditChain(db: Database, key: Buffer): Promise<void> {
  const unkeyed = await unkeyedChain(db);
  if (unkeyed)
    throw new Error(
      `the audit chain's ${unkeyed.records} records were hashed without a key and no anchor ` +
        'vouches for them: a database from before the keyed chain, or a chain rebuilt behind ' +
        "the hub's back. If it is the former, `evalhub audit seal` checks it and seals it " +
        'under this key (compare the head it prints with a copy you trust)',
    );
  const problem = await verifyHead(db, key);
  if (problem)
    throw new Error(
      `the audit chain does not verify with this key: ${problem}. The database was changed ` +
        'outside the hub, or EVALHUB_AUDIT_KEY is not the key it was written with; ' +
        '`evalhub audit verify` shows the first broken record',
    );
  useAuditKey(key);
}
