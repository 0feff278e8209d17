// The members of a project: people of the team's identity provider (OIDC subjects) with a
// role there, managed by the project's maintainers.
import { and, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { projectMembers, projects } from '../../db/schema.ts';
import { ROLES, type Role } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { findProject, requireRoleInProject } from '../registry/projects.ts';

export type ProjectMemberRow = typeof projectMembers.$inferSelect;

/** How the hub names an OIDC user, in audit records and member lists. */
export const oidcSubject = (user: string) => `oidc:${user}`;

/** Gives `subject` a role in the project, or removes it (role null). Maintainers only. */
export async function setProjectMember(
  ctx: ServiceContext,
  input: { project: string; subject: string; role: Role | null },
): Promise<ProjectMemberRow | null> {
  const subject = input.subject.trim();
  if (!/^oidc:.{1,200}$/.test(subject)) {
    throw new ValidationError('a member is an OIDC subject, "oidc:<user>"', ['input', 'subject']);
  }
  if (input.role !== null && !ROLES.includes(input.role)) {
    throw new ValidationError(`a role is one of ${ROLES.join(', ')}`, ['input', 'role']);
  }
  const found = await findProject(ctx, input.project);
  if (!found) throw new NotFoundError('project', input.project);
  return ctx.db.transaction(async (tx) => {
    const project = await requireRoleInProject(
      tx,
      ctx.actor,
      found.id,
      'maintainer',
      'managing members',
    );
    const key = and(eq(projectMembers.projectId, project.id), eq(projectMembers.subject, subject));
    const [before] = await tx.select().from(projectMembers).where(key);
    let after: ProjectMemberRow | null = null;
    if (input.role === null) {
      if (!before) return null;
      await tx.delete(projectMembers).where(key);
    } else {
      const [upserted] = await tx
        .insert(projectMembers)
        .values({ projectId: project.id, subject, role: input.role, createdBy: ctx.actor.id })
        .onConflictDoUpdate({
          target: [projectMembers.projectId, projectMembers.subject],
          set: { role: input.role },
        })
        .returning();
      after = upserted ?? null;
      if (before?.role === input.role) return after;
    }
    await recordAudit(tx, ctx.actor, {
      action: input.role === null ? 'member.remove' : 'member.set',
      projectId: project.id,
      targetType: 'Project',
      targetId: project.id,
      details: { subject, role: input.role, before: before?.role ?? null },
    });
    // The subject's open connections close, to come back with the roles it has now.
    await tx.execute(sql`select pg_notify('evalhub_access_changed', ${subject})`);
    return after;
  });
}

/** The roles `subject` holds as a member, by project slug. */
export async function memberRoles(db: Queryable, subject: string): Promise<Record<string, Role>> {
  const rows = await db
    .select({ slug: projects.slug, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(eq(projectMembers.subject, subject));
  return Object.fromEntries(rows.map((row) => [row.slug, row.role as Role]));
}
