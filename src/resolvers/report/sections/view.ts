// The gathered data as the sections read it: which runs report results, what each step is
// called, and the versions by id.
import { encodeGlobalId } from '../../core/global-id.ts';
import { WORKFLOW_RUNNER } from '../../runs/queue.ts';
import type { MetricRow } from '../../runs/results.ts';
import type { RunRow } from '../../runs/status.ts';
import type { WorkflowPlan } from '../../workflows/runs.ts';
import type { RunReportData } from '../gather.ts';
import type { VersionFacts } from '../report-versions.ts';

export interface ReportView {
  data: RunReportData;
  isWorkflow: boolean;
  /** The runs whose results the report shows: a workflow's steps, or the run itself. */
  resultRuns: RunRow[];
  /** "step evaluate (evaluate-classification 1.0.0)", or the runner for a single run. */
  runTitle(run: RunRow): string;
  /** The step id, or the runner id of a single run: the short name tables use. */
  runLabel(runId: string): string;
  /** A version the report knows, by id; null when hidden or unknown. */
  version(id: string | null): VersionFacts | null;
  /** Whether the run evaluates a model (it has an input of role `model`). */
  evaluatesModel(run: RunRow): boolean;
  metricsOf(run: RunRow): MetricRow[];
  /** How the author `actorId` reads to people: a token as its owner and name. */
  who(actorId: string): string;
}

export const runGlobalId = (id: string) => encodeGlobalId('Run', id);

export function reportView(data: RunReportData): ReportView {
  const isWorkflow = data.run.runnerId === WORKFLOW_RUNNER;
  const versions = new Map<string, VersionFacts>();
  for (const link of data.links) if (link.version) versions.set(link.version.id, link.version);
  for (const [id, facts] of data.datasets) if (facts) versions.set(id, facts);
  const plan = isWorkflow ? (data.run.config as WorkflowPlan) : null;
  const runs = new Map([data.run, ...data.steps].map((run) => [run.id, run]));
  const metrics = Map.groupBy(data.metrics, (metric) => metric.runId);
  return {
    data,
    isWorkflow,
    resultRuns: isWorkflow ? data.steps : [data.run],
    runTitle: (run) =>
      run.stepId && isWorkflow
        ? `Step ${run.stepId} (${run.runnerId} ${run.runnerVersion})`
        : `${run.runnerId} ${run.runnerVersion}`,
    runLabel: (runId) => {
      const run = runs.get(runId);
      if (!run) return runId;
      if (run.id === data.run.id) return isWorkflow ? 'workflow' : run.runnerId;
      return run.stepId ?? run.runnerId;
    },
    version: (id) => (id ? (versions.get(id) ?? null) : null),
    evaluatesModel: (run) =>
      run.id === data.run.id
        ? data.links.some((l) => l.runId === run.id && l.relation === 'USED' && l.role === 'model')
        : Boolean(plan?.steps.find((step) => step.id === run.stepId)?.inputs.model),
    metricsOf: (run) => metrics.get(run.id) ?? [],
    who: (actorId) => data.people.get(actorId) ?? actorId,
  };
}
