import { boolean, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from '../columns.ts';

/** The scope for access and search: every model, dataset, workflow and run belongs to one. */
export const projects = pgTable('projects', {
  id: id(),
  slug: text().notNull().unique(),
  name: text().notNull(),
  description: text().notNull().default(''),
  /** Whether its contributors may start the command runner (programs of the host); a maintainer decides. */
  commandRunnerEnabled: boolean().notNull().default(false),
  createdAt: createdAt(),
});

/** The column naming the project a row belongs to. */
export const projectId = () =>
  uuid()
    .notNull()
    .references(() => projects.id);
