// Triage: a maintainer changes a finding's status and says why; the audit log keeps both.

import { and, eq } from 'drizzle-orm';
import { findings } from '../../db/schema.ts';
import { visibleProjects } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { parseRef } from '../core/refs.ts';
import { requireRoleInProject } from '../registry/projects.ts';
import type { FindingRow } from './results.ts';

export interface TriageInput {
  finding: string;
  status: FindingRow['status'];
  comment: string;
}

/**
 * Sets a finding's status, with the comment that justifies it, recorded in the audit log
 * with the status it had. Takes the maintainer role in the finding's project.
 */
export async function triageFinding(ctx: ServiceContext, input: TriageInput): Promise<FindingRow> {
  const comment = input.comment.trim();
  if (!comment) throw new ValidationError('say why: a comment is required', ['input', 'comment']);
  const parsed = parseRef(input.finding, ['Finding'], ['input', 'finding'], false);
  if (parsed.kind !== 'id') {
    throw new ValidationError('a finding is named by its id', ['input', 'finding']);
  }
  const [target] = await ctx.db
    .select({ projectId: findings.projectId })
    .from(findings)
    .where(and(eq(findings.id, parsed.id), visibleProjects(ctx.actor, findings.projectId)));
  if (!target) throw new NotFoundError('finding', input.finding);
  await requireRoleInProject(
    ctx.db,
    ctx.actor,
    target.projectId,
    'maintainer',
    'triaging a finding',
  );
  return ctx.db.transaction(async (tx) => {
    // The audit chain's lock first, as every transaction that audits after locking rows.
    await recordAudit(tx, ctx.actor, {
      action: 'finding.triage',
      projectId: target.projectId,
      targetType: 'Finding',
      targetId: parsed.id,
      details: { status: input.status, comment },
    });
    const [before] = await tx
      .select({ status: findings.status })
      .from(findings)
      .where(eq(findings.id, parsed.id))
      .for('update');
    const [updated] = await tx
      .update(findings)
      .set({ status: input.status, updatedAt: new Date() })
      .where(eq(findings.id, parsed.id))
      .returning();
    if (!before || !updated) throw new NotFoundError('finding', input.finding);
    return updated;
  });
}
