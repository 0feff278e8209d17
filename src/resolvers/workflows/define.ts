import { eq } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Transaction } from '../../db/rows.ts';
import { workflowVersions } from '../../db/schema.ts';
import type { Actor } from '../core/actor.ts';
import { recordAudit } from '../core/audit.ts';
import type { ServiceContext } from '../core/context.ts';
import { canonicalDigest } from '../core/sha256.ts';
import { type CatalogueRow, upsertEntry, workflowCatalogue } from '../registry/catalogue.ts';
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
  return ctx.db.transaction(async (tx) => {
    const { entry: workflow } = await upsertEntry(tx, ctx.actor, workflowCatalogue, input);
    return ensureWorkflowVersion(tx, ctx.actor, workflow, spec, {
      action: 'workflow.version.define',
    });
  });
}

/**
 * The version of `workflow` whose spec has this digest (by default, the digest of the spec's
 * canonical JSON), made as version n + 1 if missing, with its audit record. It takes no row
 * lock (imports call it holding the audit chain's lock): two makers of one version meet at
 * its unique indexes, and the loser reads what the winner made.
 */
export async function ensureWorkflowVersion(
  tx: Transaction,
  actor: Actor,
  workflow: CatalogueRow,
  spec: Record<string, unknown>,
  audit: { action: string; details?: Record<string, unknown> },
  digest = canonicalDigest(spec),
): Promise<{ version: WorkflowVersionRow; created: boolean }> {
  const versions = () =>
    tx.select().from(workflowVersions).where(eq(workflowVersions.workflowId, workflow.id));
  // Twice at most: a version made meanwhile takes the number this one was to have.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const existing = await versions();
    const same = existing.find((v) => v.digest === digest);
    if (same) return { version: same, created: false };
    const [inserted] = await tx
      .insert(workflowVersions)
      .values({
        id: newId(),
        workflowId: workflow.id,
        number: Math.max(0, ...existing.map((v) => v.number)) + 1,
        digest,
        spec,
        createdBy: actor.id,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted) continue;
    await recordAudit(tx, actor, {
      action: audit.action,
      projectId: workflow.projectId,
      targetType: 'WorkflowVersion',
      targetId: inserted.id,
      details: { workflow: workflow.id, number: inserted.number, digest, ...audit.details },
    });
    return { version: inserted, created: true };
  }
  const same = (await versions()).find((v) => v.digest === digest);
  if (!same) throw new Error(`could not record a version of workflow ${workflow.name}`);
  return { version: same, created: false };
}
