// What models, datasets and workflows have in common as tables: a named, described, tagged
// entry of a project, listed newest first and found by name.
import { sql } from 'drizzle-orm';
import { index, type PgColumn, text, unique } from 'drizzle-orm/pg-core';
import { createdAt, id, tags, updatedAt } from '../columns.ts';
import { projectId } from './projects.ts';

/** The columns every catalogue entry has. */
export const entryColumns = () => ({
  id: id(),
  projectId: projectId(),
  name: text().notNull(),
  description: text().notNull().default(''),
  tags: tags(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Its indexes: one name per project, the newest-first listing, search by text and name. */
export const entryIndexes = (
  table: string,
  t: {
    projectId: PgColumn;
    name: PgColumn;
    createdAt: PgColumn;
    id: PgColumn;
    searchVector: PgColumn;
  },
) => [
  unique().on(t.projectId, t.name),
  index().on(t.projectId, t.createdAt, t.id),
  index().using('gin', t.searchVector),
  index(`${table}_name_trgm_idx`).using('gin', sql`"name" gin_trgm_ops`),
];
