// OpenLineage RunEvents in: each is stored as it came (append-only) and projected onto the
// hub's graph: job -> workflow (version), run -> run, ParentRunFacet -> parent run,
// inputs / outputs -> dataset (or model) versions with USED / GENERATED edges, data-quality
// facets -> metrics and findings.
//
// The parts: run-projection.ts (the run and its status), job-workflows.ts (EXECUTED),
// edges.ts (USED, GENERATED), results.ts (metrics, findings, artifacts). Inputs, outputs,
// metrics and findings are only ever added, each once.

import { eq } from 'drizzle-orm';
import type { Transaction } from '../../../db/rows.ts';
import { openlineageEvents, runs } from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import { lockAuditChain } from '../../core/audit.ts';
import type { ServiceContext } from '../../core/context.ts';
import { encodeGlobalId } from '../../core/global-id.ts';
import { ensureProject } from '../../registry/projects.ts';
import type { RunStatus } from '../../runs/events.ts';
import { recordEdges } from './edges.ts';
import { FACETS, projectSlugFor, type RunFacet } from './facets.ts';
import { linkWorkflowVersion } from './job-workflows.ts';
import { recordResults } from './results.ts';
import type { RunEvent } from './run-event.ts';
import { ensureRun, projectRun } from './run-projection.ts';
import { eventTimeOf, validateRunEvent } from './validation.ts';

export interface ImportedRun {
  /** The OpenLineage runId. */
  runId: string;
  /** Global id of the hub run it became. */
  id: string;
  status: RunStatus;
}

/**
 * Stores and projects RunEvents, all in one transaction: every event is checked against the
 * spec first, so a batch with one malformed event stores nothing. `project` overrides the
 * project a job's namespace names.
 */
export async function importOpenLineageEvents(
  ctx: ServiceContext,
  events: readonly unknown[],
  project: string | null,
): Promise<ImportedRun[]> {
  events.forEach((event, i) => {
    validateRunEvent(event, i);
  });
  return ctx.db.transaction(async (tx) => {
    // Runs and workflows are locked, then audited: the audit lock goes first (see lockAuditChain).
    await lockAuditChain(tx);
    const imported: ImportedRun[] = [];
    for (const event of events)
      imported.push(await importEvent(tx, ctx.actor, event as RunEvent, project));
    return imported;
  });
}

async function importEvent(
  tx: Transaction,
  actor: Actor,
  event: RunEvent,
  projectOverride: string | null,
): Promise<ImportedRun> {
  const hubRun = event.run.facets?.[FACETS.run] as RunFacet | undefined;
  const slug = projectOverride ?? hubRun?.project ?? projectSlugFor(event.job.namespace);
  const project = await ensureProject(tx, actor, slug, ['project']);
  const run = await ensureRun(
    tx,
    actor,
    project,
    event.run.runId,
    event.job,
    hubRun,
    event.eventTime,
  );
  await tx.insert(openlineageEvents).values({
    eventTime: eventTimeOf(event.eventTime),
    eventType: event.eventType,
    runId: event.run.runId,
    jobNamespace: event.job.namespace,
    jobName: event.job.name,
    hubRunId: run.id,
    event,
  });
  const parent = event.run.facets?.parent as
    | { run: { runId: string }; job: { namespace: string; name: string } }
    | undefined;
  if (parent && !run.parentRunId) {
    const parentRun = await ensureRun(
      tx,
      actor,
      project,
      parent.run.runId,
      parent.job,
      undefined,
      event.eventTime,
    );
    await tx
      .update(runs)
      .set({ parentRunId: parentRun.id, stepId: hubRun?.stepId ?? null })
      .where(eq(runs.id, run.id));
  }
  // A hub export says which workflow (if any) its run executed; a job is one otherwise.
  if (!hubRun) await linkWorkflowVersion(tx, actor, project, run, event.job);
  const status = await projectRun(tx, run.id, event.run.runId, hubRun);
  await recordEdges(tx, actor, project, run.id, event);
  await recordResults(tx, actor, project, run.id, event);
  return { runId: event.run.runId, id: encodeGlobalId('Run', run.id), status };
}
