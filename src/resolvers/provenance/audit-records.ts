// The audit records of a trace's nodes, checked against the hub's keyed chain before the hub
// signs for them: a record that no longer matches its keyed hash is not vouched for.
import { asc, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { auditAnchor, auditLog } from '../../db/schema.ts';
import { auditHash, auditKeyInUse } from '../core/audit.ts';
import type { LineageGraph } from '../lineage/trace.ts';
import type { BundleAuditRecord } from './format.ts';

/** A record's keyed hash, or the plain SHA-256 of one made before the chain had a key. */
function matchesChain(key: Buffer, legacyRecords: number, row: typeof auditLog.$inferSelect) {
  const legacy = legacyRecords > 0 && row.hash.startsWith('sha256:');
  const details = row.details as Record<string, unknown>;
  return row.hash === auditHash(legacy ? null : key, row.prevHash, { ...row, details });
}

/**
 * The records about the graph's nodes, oldest first, and the chain's head now. Throws when
 * one does not match its hash: the database was changed outside the hub.
 */
export async function traceAuditRecords(
  db: Queryable,
  graph: LineageGraph,
): Promise<{ records: BundleAuditRecord[]; chain: { records: number; head: string } }> {
  const key = auditKeyInUse();
  const ids = [...new Set(graph.nodes.map((node) => node.id))];
  const [rows, [anchor]] = await Promise.all([
    ids.length
      ? db.select().from(auditLog).where(inArray(auditLog.targetId, ids)).orderBy(asc(auditLog.id))
      : Promise.resolve([]),
    db.select().from(auditAnchor),
  ]);
  for (const row of rows)
    if (!matchesChain(key, anchor?.legacyRecords ?? 0, row))
      throw new Error(
        `audit record ${row.id} does not match its hash in the chain; the hub does not sign for it (see \`evalhub audit verify\`)`,
      );
  return {
    records: rows.map((row) => ({ ...row, at: row.at.toISOString() })),
    chain: { records: anchor?.records ?? 0, head: anchor?.head ?? '' },
  };
}
