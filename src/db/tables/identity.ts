// Who may call the hub: API tokens it issued, and the members of each project.
import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, id, instant } from '../columns.ts';
import { projectId } from './projects.ts';

/**
 * An API token: only the SHA-256 of its secret is kept (the secret is shown once). An admin
 * token acts hub-wide; any other holds one role in one project, named by slug so that a
 * token may be made for a project before its first registration creates it.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    name: text().notNull(),
    /** Who it acts for: the subject that made it, or for whom an admin made it. */
    owner: text().notNull(),
    /** `sha256:<hex>` of the whole secret. */
    secretHash: text().notNull().unique(),
    /** The secret's first characters, so a person can tell their tokens apart. */
    prefix: text().notNull(),
    admin: boolean().notNull().default(false),
    projectSlug: text(),
    role: text(),
    createdBy: text().notNull(),
    createdAt: createdAt(),
    expiresAt: instant(),
    revokedAt: instant(),
    lastUsedAt: instant(),
  },
  (t) => [
    check(
      'api_tokens_scope',
      sql`(${t.admin} and ${t.projectSlug} is null and ${t.role} is null) or
          (not ${t.admin} and ${t.projectSlug} is not null
           and ${t.role} in ('viewer', 'contributor', 'maintainer'))`,
    ),
    index().on(t.projectSlug),
  ],
);

/** A person's role in a project, for users of the team's identity provider (OIDC subjects). */
export const projectMembers = pgTable(
  'project_members',
  {
    projectId: projectId(),
    /** The OIDC subject, as the hub names it (`oidc:<user>`). */
    subject: text().notNull(),
    role: text().notNull(),
    createdBy: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.subject] }),
    index().on(t.subject),
    check('project_members_role', sql`${t.role} in ('viewer', 'contributor', 'maintainer')`),
  ],
);

/**
 * What each caller has spent of its budget of expensive work in the current window
 * (rate-limiter-flexible's RateLimiterDrizzle: its `key`, `points`, `expire`): shared by
 * every hub process on the database, so running more of them grants no caller more.
 */
export const workBudgets = pgTable('work_budgets', {
  key: text().primaryKey(),
  points: integer().notNull(),
  expire: instant(),
});
