import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, searchVector } from '../columns.ts';
import { entryColumns, entryIndexes } from './entries.ts';

export const workflows = pgTable(
  'workflows',
  {
    ...entryColumns(),
    searchVector: searchVector([
      ['A', sql`"name"`],
      ['B', sql`evalhub_tags_text("tags")`],
      ['C', sql`"description"`],
    ]),
  },
  (t) => entryIndexes('workflows', t),
);

/** An immutable spec, identified by the digest of its canonical JSON; `number` counts 1, 2, 3... */
export const workflowVersions = pgTable(
  'workflow_versions',
  {
    id: id(),
    workflowId: uuid()
      .notNull()
      .references(() => workflows.id),
    number: integer().notNull(),
    digest: text().notNull(),
    spec: jsonb().notNull(),
    createdBy: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique().on(t.workflowId, t.number),
    unique().on(t.workflowId, t.digest),
    index().on(t.digest),
  ],
);
