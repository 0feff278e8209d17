// EXECUTED: the workflow version an OpenLineage job (of a run or a JobEvent, or a hub
// export's own facet) stands for, made if missing.

import { eq } from 'drizzle-orm';
import type { Transaction } from '../../../db/rows.ts';
import { runs } from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import { workflowCatalogue } from '../../registry/catalogue.ts';
import { ensureImportedEntry } from '../../registry/imports.ts';
import { ensureProject, type ProjectRow } from '../../registry/projects.ts';
import { ensureWorkflowVersion } from '../../workflows/define.ts';
import { hubNameFor, OPENLINEAGE_SOURCE } from './facets.ts';
import type { JobEvent } from './run-event.ts';

/** Job facets that say what a job is: a change to them is a new workflow version. */
const DEFINING_JOB_FACETS = ['jobType', 'sourceCode', 'sourceCodeLocation', 'sql'];

/** A workflow version by its spec's digest, under the named workflow; both made if missing. */
export async function ensureWorkflowVersionOf(
  tx: Transaction,
  actor: Actor,
  workflow: {
    project: string;
    name: string;
    description: string;
    spec: Record<string, unknown>;
    digest?: string;
  },
): Promise<string> {
  const project = await ensureProject(tx, actor, workflow.project, ['project']);
  const origin = { source: OPENLINEAGE_SOURCE };
  const entry = await ensureImportedEntry(tx, actor, workflowCatalogue, project, workflow, origin);
  const { version } = await ensureWorkflowVersion(
    tx,
    actor,
    entry,
    workflow.spec,
    { action: 'workflow.version.import', details: origin },
    workflow.digest,
  );
  return version.id;
}

/**
 * The workflow version an OpenLineage job stands for: a workflow whose spec is the job's
 * identity and its defining facets (such a spec cannot be started from the hub: it has no
 * steps), described by its documentation facet.
 */
export async function workflowVersionOfJob(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  job: JobEvent['job'],
): Promise<string> {
  const documentation = job.facets?.documentation as { description?: unknown } | undefined;
  return ensureWorkflowVersionOf(tx, actor, {
    project: project.slug,
    name: hubNameFor(job.name),
    description: typeof documentation?.description === 'string' ? documentation.description : '',
    spec: {
      openlineage: { namespace: job.namespace, name: job.name, facets: definingFacets(job) },
    },
  });
}

function definingFacets(job: JobEvent['job']) {
  return Object.fromEntries(
    DEFINING_JOB_FACETS.flatMap((key) => (job.facets?.[key] ? [[key, job.facets[key]]] : [])),
  );
}

/** EXECUTED: a run's job. An event without defining facets keeps the version the run has. */
export async function linkWorkflowVersion(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  run: typeof runs.$inferSelect,
  job: JobEvent['job'],
) {
  if (run.workflowVersionId && Object.keys(definingFacets(job)).length === 0) return;
  const versionId = await workflowVersionOfJob(tx, actor, project, job);
  if (versionId !== run.workflowVersionId)
    await tx.update(runs).set({ workflowVersionId: versionId }).where(eq(runs.id, run.id));
}
