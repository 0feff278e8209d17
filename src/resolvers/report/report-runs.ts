// The runs a report covers: the run itself and, for a workflow run, its steps, with the
// workflow version it executes. One statement for any number of reports.
import { and, eq, inArray, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Queryable } from '../../db/rows.ts';
import { projects, runs, workflows, workflowVersions } from '../../db/schema.ts';
import { type Actor, visibleProjects } from '../core/actor.ts';
import { WORKFLOW_RUNNER } from '../runs/queue.ts';
import type { RunRow } from '../runs/status.ts';
import type { WorkflowPlan } from '../workflows/runs.ts';
import type { WorkflowSpec } from '../workflows/spec.ts';

export interface ReportWorkflow {
  /** "project/name". */
  ref: string;
  number: number;
  digest: string;
  spec: WorkflowSpec;
  createdBy: string;
  createdAt: Date;
}

export interface ReportRuns {
  run: RunRow;
  project: string;
  /** The workflow version the run (or the workflow it is a step of) executes. */
  workflow: ReportWorkflow | null;
  /** A workflow run's steps, in the order of its plan. */
  steps: RunRow[];
}

/** The runs of each report, by the id of the run reported on; absent when the actor cannot see it. */
export async function loadReportRuns(
  db: Queryable,
  actor: Actor,
  ids: readonly string[],
): Promise<Map<string, ReportRuns>> {
  const workflowProjects = alias(projects, 'workflow_projects');
  const rows = await db
    .select({
      run: runs,
      project: projects.slug,
      version: workflowVersions,
      workflowName: workflows.name,
      workflowProject: workflowProjects.slug,
    })
    .from(runs)
    .innerJoin(projects, eq(projects.id, runs.projectId))
    .leftJoin(workflowVersions, eq(workflowVersions.id, runs.workflowVersionId))
    .leftJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .leftJoin(workflowProjects, eq(workflowProjects.id, workflows.projectId))
    .where(
      and(
        or(inArray(runs.id, [...ids]), inArray(runs.parentRunId, [...ids])),
        visibleProjects(actor, runs.projectId),
      ),
    );
  const reports = new Map<string, ReportRuns>();
  for (const row of rows) {
    if (!ids.includes(row.run.id)) continue;
    const version = row.version;
    reports.set(row.run.id, {
      run: row.run,
      project: row.project,
      workflow: version
        ? {
            ref: `${row.workflowProject}/${row.workflowName}`,
            number: version.number,
            digest: version.digest,
            spec: version.spec as WorkflowSpec,
            createdBy: version.createdBy,
            createdAt: version.createdAt,
          }
        : null,
      steps: [],
    });
  }
  for (const report of reports.values()) {
    const plan =
      report.run.runnerId === WORKFLOW_RUNNER ? (report.run.config as WorkflowPlan) : null;
    const planned = (plan?.steps ?? []).map((step) => step.id);
    const position = (step: RunRow) => {
      const at = planned.indexOf(step.stepId ?? '');
      return at < 0 ? planned.length : at;
    };
    report.steps = rows
      .filter((row) => row.run.parentRunId === report.run.id)
      .map((row) => row.run)
      .sort((a, b) => position(a) - position(b) || a.createdAt.getTime() - b.createdAt.getTime());
  }
  return reports;
}
