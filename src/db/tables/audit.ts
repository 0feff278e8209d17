import { bigint, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { instant } from '../columns.ts';

/**
 * One row per mutation, written in the mutation's own transaction. Rows form a hash chain
 * (`hash` = sha256 of `prev_hash` and the row's canonical JSON), so an auditor can check
 * that no record was removed or altered since.
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
