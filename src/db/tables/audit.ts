import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, smallint, text, uuid } from 'drizzle-orm/pg-core';
import { instant } from '../columns.ts';

/**
 * One row per mutation, written in the mutation's own transaction. Rows form a keyed hash
 * chain (`hash` = HMAC-SHA256, with a key kept outside the database, of `prev_hash` and the
 * row's canonical JSON), so an auditor can check that no record was removed or altered
 * since, and nobody without the key can rebuild the chain. Triggers refuse changes to it.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: instant().notNull(),
    actor: text().notNull(),
    action: text().notNull(),
    projectId: uuid(),
    targetType: text().notNull(),
    targetId: uuid(),
    details: jsonb().notNull().default({}),
    prevHash: text().notNull(),
    hash: text().notNull().unique(),
  },
  (t) => [index().on(t.targetId), index().on(t.projectId, t.at)],
);

/**
 * The chain's head, one row rewritten with each record: how many records there are, the
 * newest one's hash and a MAC of both with the chain's key, so that removing the newest
 * records is noticed. `legacy_records` counts the records made before the chain was keyed
 * (plain SHA-256), which the hub sealed under its key when it first started with one.
 */
export const auditAnchor = pgTable(
  'audit_anchor',
  {
    id: smallint().primaryKey().default(1),
    records: bigint({ mode: 'number' }).notNull(),
    head: text().notNull(),
    legacyRecords: bigint({ mode: 'number' }).notNull().default(0),
    mac: text().notNull(),
  },
  (t) => [check('audit_anchor_single_row', sql`${t.id} = 1`)],
);
