import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, searchVector, tags, updatedAt } from '../columns.ts';
import { projects } from './projects.ts';

export const workflows = pgTable(
  'workflows',
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id),
    name: text().notNull(),
    description: text().notNull().default(''),
    tags: tags(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    searchVector: searchVector([
      ['A', sql`"name"`],
      ['B', sql`evalhub_tags_text("tags")`],
      ['C', sql`"description"`],
    ]),
  },
  (t) => [
    unique().on(t.projectId, t.name),
    index().on(t.projectId, t.createdAt, t.id),
    index().using('gin', t.searchVector),
    index('workflows_name_trgm_idx').using('gin', sql`"name" gin_trgm_ops`),
  ],
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
