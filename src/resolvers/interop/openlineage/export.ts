// Any run as OpenLineage RunEvents. A run that came in as OpenLineage is given back as the
// events it came as. A hub run becomes a START event (with its inputs) and, once it ended,
// a COMPLETE / FAIL / ABORT event (with its outputs and results); the hub's own facets carry
// what OpenLineage has no words for (runner, config, seed, digests, lineage of the versions,
// metrics, findings), so that importing the events into an empty hub gives the same graph.

import { and, asc, eq } from 'drizzle-orm';
import type { Queryable } from '../../../db/rows.ts';
import {
  openlineageEvents,
  projects,
  runInputs,
  runOutputs,
  runs,
  workflows,
  workflowVersions,
} from '../../../db/schema.ts';
import { visibleProjects } from '../../core/actor.ts';
import type { ServiceContext } from '../../core/context.ts';
import { decodeGlobalId, UUID } from '../../core/global-id.ts';
import { versionDatasets } from './export-datasets.ts';
import { resultsOf } from './export-results.ts';
import {
  EVALHUB_PRODUCER,
  FACETS,
  facetHeader,
  OPENLINEAGE_RUN_EVENT_SCHEMA,
  OPENLINEAGE_SOURCE,
  type RunFacet,
} from './facets.ts';

type RunRow = typeof runs.$inferSelect;
type ExecutedWorkflow = Awaited<ReturnType<typeof executedWorkflow>>;

/** The run's events, or null when it does not exist or is not visible. */
export async function exportRunAsOpenLineage(
  ctx: ServiceContext,
  idText: string,
): Promise<unknown[] | null> {
  const id = UUID.test(idText)
    ? idText
    : decodeGlobalId(idText)?.type === 'Run'
      ? decodeGlobalId(idText)!.id
      : null;
  if (!id) return null;
  const { db, actor } = ctx;
  const [found] = await db
    .select({ run: runs, project: projects.slug })
    .from(runs)
    .innerJoin(projects, eq(projects.id, runs.projectId))
    .where(and(eq(runs.id, id), visibleProjects(actor, runs.projectId)));
  if (!found) return null;
  const { run, project } = found;
  if (run.source === OPENLINEAGE_SOURCE) {
    // The events projected onto this run: another project's run may have the same runId.
    const stored = await db
      .select({ event: openlineageEvents.event })
      .from(openlineageEvents)
      .where(eq(openlineageEvents.hubRunId, run.id))
      .orderBy(asc(openlineageEvents.eventTime), asc(openlineageEvents.id));
    if (stored.length) return stored.map((row) => row.event);
  }
  if (run.status === 'QUEUED') return [];

  const workflow = await executedWorkflow(db, run.workflowVersionId);
  const runFacets = await runFacetsOf(ctx, run, project, workflow);
  const inputs = await db
    .select()
    .from(runInputs)
    .where(eq(runInputs.runId, run.id))
    .orderBy(asc(runInputs.role), asc(runInputs.position));
  const inputDatasets = await versionDatasets(db, actor, inputs, (input) => ({
    role: input.role,
  }));
  const base = {
    producer: EVALHUB_PRODUCER,
    schemaURL: OPENLINEAGE_RUN_EVENT_SCHEMA,
    job: jobOf(project, run, workflow),
  };
  const start = {
    ...base,
    eventType: 'START',
    eventTime: (run.startedAt ?? run.createdAt).toISOString(),
    run: { runId: run.id, facets: runFacets },
    inputs: inputDatasets,
    outputs: [],
  };
  const ending = { SUCCEEDED: 'COMPLETE', FAILED: 'FAIL', CANCELLED: 'ABORT' }[
    run.status as string
  ];
  if (!ending) return [start];

  const outputs = await db
    .select()
    .from(runOutputs)
    .where(eq(runOutputs.runId, run.id))
    .orderBy(asc(runOutputs.name));
  const outputDatasets = await versionDatasets(db, actor, outputs, (output) => ({
    output: output.name,
  }));
  const endFacets: Record<string, unknown> = {
    ...runFacets,
    [FACETS.results]: {
      ...facetHeader('EvalhubResultsRunFacet'),
      ...(await resultsOf(db, actor, run.id)),
    },
  };
  if (run.status === 'FAILED')
    endFacets.errorMessage = {
      _producer: EVALHUB_PRODUCER,
      _schemaURL:
        'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
      message: (run.error as { message?: string } | null)?.message ?? 'failed',
      programmingLanguage: 'unknown',
    };
  return [
    start,
    {
      ...base,
      eventType: ending,
      eventTime: (run.finishedAt ?? run.updatedAt).toISOString(),
      run: { runId: run.id, facets: endFacets },
      inputs: inputDatasets,
      outputs: outputDatasets,
    },
  ];
}

/** A run's job: the workflow it executed, or its runner; in its project's namespace. */
function jobOf(project: string, run: RunRow, workflow: ExecutedWorkflow) {
  return {
    namespace: project,
    name: workflow ? workflow.workflow.name : run.runnerId,
    facets: workflow?.workflow.description
      ? {
          documentation: {
            ...facetHeader('DocumentationJobFacet'),
            description: workflow.workflow.description,
          },
        }
      : {},
  };
}

/**
 * The run's facets: the hub's run facet (what it was), and the parent facet of a step; a
 * parent the actor cannot see is left out, as GraphQL leaves it out.
 */
async function runFacetsOf(
  ctx: ServiceContext,
  run: RunRow,
  project: string,
  workflow: ExecutedWorkflow,
): Promise<Record<string, unknown>> {
  const hubRun: RunFacet = {
    project,
    name: run.name,
    runnerId: run.runnerId,
    runnerVersion: run.runnerVersion,
    config: run.config as Record<string, unknown>,
    seed: Number(run.seed),
    runKey: run.runKey,
    tags: run.tags,
    stepId: run.stepId,
    environment: run.environment as Record<string, unknown>,
    workflow: workflow
      ? {
          project: workflow.project,
          name: workflow.workflow.name,
          description: workflow.workflow.description,
          number: workflow.version.number,
          digest: workflow.version.digest,
          spec: workflow.version.spec as Record<string, unknown>,
        }
      : null,
  };
  const facets: Record<string, unknown> = {
    [FACETS.run]: { ...facetHeader('EvalhubRunFacet'), ...hubRun },
  };
  if (!run.parentRunId) return facets;
  const [parent] = await ctx.db
    .select({ run: runs, project: projects.slug })
    .from(runs)
    .innerJoin(projects, eq(projects.id, runs.projectId))
    .where(and(eq(runs.id, run.parentRunId), visibleProjects(ctx.actor, runs.projectId)));
  if (!parent) return facets;
  const parentJob = jobOf(
    parent.project,
    parent.run,
    await executedWorkflow(ctx.db, parent.run.workflowVersionId),
  );
  facets.parent = {
    _producer: EVALHUB_PRODUCER,
    _schemaURL:
      'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet',
    run: { runId: run.parentRunId },
    job: { namespace: parentJob.namespace, name: parentJob.name },
  };
  return facets;
}

/** EXECUTED: the workflow version a run executed, with its workflow and project. */
async function executedWorkflow(db: Queryable, versionId: string | null) {
  if (!versionId) return undefined;
  const [found] = await db
    .select({ version: workflowVersions, workflow: workflows, project: projects.slug })
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .innerJoin(projects, eq(projects.id, workflows.projectId))
    .where(eq(workflowVersions.id, versionId));
  return found;
}
