import { and, count, eq } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Queryable, Transaction } from '../../db/rows.ts';
import { projects } from '../../db/schema.ts';
import {
  type Actor,
  mayAccessProject,
  type Role,
  requireRole,
  visibleProjects,
} from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { type Connection, type Ordering, type PageArgs, paginate } from '../core/pagination.ts';

export type ProjectRow = typeof projects.$inferSelect;

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The project a change is made in, created on first use; the actor must be a contributor
 * there (or may create it: an admin, or a role given for that slug). A project outside the
 * actor's scope is reported as not found, the same as one that does not exist.
 */
export async function ensureProject(
  tx: Transaction,
  actor: Actor,
  slug: string,
  path: string[],
): Promise<ProjectRow> {
  if (!SLUG_PATTERN.test(slug)) {
    throw new ValidationError(
      'a project is a slug: lowercase letters, digits and dashes, at most 63 characters',
      path,
    );
  }
  requireRole(actor, slug, 'contributor', 'writing');
  const [existing] = await tx.select().from(projects).where(eq(projects.slug, slug));
  if (existing) return existing;
  const [created] = await tx
    .insert(projects)
    .values({ id: newId(), slug, name: slug })
    .onConflictDoNothing({ target: projects.slug })
    .returning();
  if (!created) {
    // Another transaction created it between our read and our insert.
    const [raced] = await tx.select().from(projects).where(eq(projects.slug, slug));
    return raced!;
  }
  await recordAudit(tx, actor, {
    action: 'project.create',
    projectId: created.id,
    targetType: 'Project',
    targetId: created.id,
    details: { slug },
  });
  return created;
}

const bySlug: Ordering = {
  name: 'SLUG_ASC',
  column: projects.slug,
  key: 'slug',
  direction: 'ASC',
  id: projects.id,
};

/** Projects the actor may see, by slug. */
export function listProjects(ctx: ServiceContext, args: PageArgs): Promise<Connection<ProjectRow>> {
  const where = visibleProjects(ctx.actor, projects.id);
  return paginate({
    args,
    ordering: bySlug,
    fetch: (page) =>
      ctx.db
        .select()
        .from(projects)
        .where(and(where, page.where))
        .orderBy(...page.orderBy)
        .limit(page.limit),
    count: async () => (await ctx.db.select({ n: count() }).from(projects).where(where))[0]?.n ?? 0,
  });
}

export async function findProject(ctx: ServiceContext, slug: string): Promise<ProjectRow | null> {
  if (!mayAccessProject(ctx.actor, slug)) return null;
  const [row] = await ctx.db.select().from(projects).where(eq(projects.slug, slug));
  return row ?? null;
}

/**
 * The project (by id) of a record the actor is about to change, after checking that it
 * holds `role` there: NotFoundError where it may not see the project, ForbiddenError where
 * its role is less.
 */
export async function requireRoleInProject(
  db: Queryable,
  actor: Actor,
  projectId: string,
  role: Role,
  action: string,
): Promise<ProjectRow> {
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId));
  if (!project) throw new NotFoundError('project', projectId);
  requireRole(actor, project.slug, role, action);
  return project;
}

export interface ProjectSettings {
  project: string;
  /** Whether contributors may start the command runner (programs of the host). */
  commandRunnerEnabled?: boolean | null | undefined;
}

/** Changes a project's settings (maintainers only), with an audit record of what changed. */
export async function setProjectSettings(
  ctx: ServiceContext,
  input: ProjectSettings,
): Promise<ProjectRow> {
  return ctx.db.transaction(async (tx) => {
    const [project] = await tx.select().from(projects).where(eq(projects.slug, input.project));
    if (!project || !mayAccessProject(ctx.actor, project.slug))
      throw new NotFoundError('project', input.project);
    requireRole(ctx.actor, project.slug, 'maintainer', 'changing project settings');
    const changes =
      input.commandRunnerEnabled == null
        ? {}
        : { commandRunnerEnabled: input.commandRunnerEnabled };
    if (!Object.keys(changes).length) return project;
    const [updated] = await tx
      .update(projects)
      .set(changes)
      .where(eq(projects.id, project.id))
      .returning();
    await recordAudit(tx, ctx.actor, {
      action: 'project.settings',
      projectId: project.id,
      targetType: 'Project',
      targetId: project.id,
      details: changes,
    });
    return updated!;
  });
}
