import { and, desc, eq } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import { workflowVersions } from '../../db/schema.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { canonicalDigest } from '../core/sha256.ts';
import { upsertEntry, workflowCatalogue } from '../registry/catalogue.ts';
import { parseWorkflowSpec } from './spec.ts';

export type WorkflowVersionRow = typeof workflowVersions.$inferSelect;

export interface DefineWorkflowInput {
  project: string;
  name: string;
  description?: string | null | undefined;
  tags?: readonly string[] | null | undefined;
  spec?: unknown;
}

/**
 * Records a workflow spec as a version of the named workflow (created on first use). The
 * same spec again returns the version it already is; a new spec becomes version n + 1.
 */
export async function defineWorkflow(
  ctx: ServiceContext,
  input: DefineWorkflowInput,
): Promise<{ version: WorkflowVersionRow; created: boolean }> {
  const spec = parseWorkflowSpec(input.spec, ['input', 'spec']);
  // The digest of the spec with its defaults applied.
  const digest = canonicalDigest(spec);
  return ctx.db.transaction(async (tx) => {
    const { entry: workflow } = await upsertEntry(tx, ctx.actor, workflowCatalogue, input);
    const [same] = await tx
      .select()
      .from(workflowVersions)
      .where(
        and(eq(workflowVersions.workflowId, workflow.id), eq(workflowVersions.digest, digest)),
      );
    if (same) return { version: same, created: false };
    const [latest] = await tx
      .select({ number: workflowVersions.number })
      .from(workflowVersions)
      .where(eq(workflowVersions.workflowId, workflow.id))
      .orderBy(desc(workflowVersions.number))
      .limit(1);
    const [version] = await tx
      .insert(workflowVersions)
      .values({
        id: newId(),
        workflowId: workflow.id,
        number: (latest?.number ?? 0) + 1,
        digest,
        spec,
        createdBy: ctx.actor.id,
      })
      .returning();
    await recordAudit(tx, ctx.actor, {
      action: 'workflow.version.define',
      projectId: workflow.projectId,
      targetType: 'WorkflowVersion',
      targetId: version!.id,
      details: { workflow: workflow.id, number: version!.number, digest },
    });
    return { version: version!, created: true };
  });
}
