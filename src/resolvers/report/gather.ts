// Everything a T&E report says about a run, gathered in a fixed number of statements for any
// number of reports (the schema loads them through a DataLoader), from one snapshot of the
// database so that the report is a consistent picture of one moment.
import { actorNames } from '../core/actor-names.ts';
import type { ServiceContext } from '../core/context.ts';
import type { FindingRow, MetricRow } from '../runs/results.ts';
import type { RunRow } from '../runs/status.ts';
import {
  type AuditChainStatus,
  type AuditRecord,
  auditChainStatus,
  loadAuditRecords,
} from './audit-status.ts';
import { loadArtifacts, loadFindings, loadMetrics, type ReportArtifact } from './report-results.ts';
import { loadReportRuns, type ReportWorkflow } from './report-runs.ts';
import {
  loadDatasetAncestry,
  loadVersionLinks,
  type VersionFacts,
  type VersionLink,
} from './report-versions.ts';
import { reproduceCommands } from './reproduce.ts';

export interface RunReportData {
  generatedAt: Date;
  run: RunRow;
  /** The slug of the run's project. */
  project: string;
  workflow: ReportWorkflow | null;
  /** A workflow run's steps, in plan order; empty for any other run. */
  steps: RunRow[];
  /** What the run used, and what it and its steps generated. */
  links: VersionLink[];
  /** Every dataset version used, generated, derived from or trained on, by id (null: hidden). */
  datasets: Map<string, VersionFacts | null>;
  /** Of the run and its steps, each list in the order it was recorded. */
  metrics: MetricRow[];
  findings: FindingRow[];
  artifacts: ReportArtifact[];
  /** About the runs and the versions they used and generated. */
  auditRecords: AuditRecord[];
  auditChain: AuditChainStatus;
  reproduceCommand: string;
  /** How each author the report names reads to people, by actor id (see `actorNames`). */
  people: Map<string, string>;
}

/** The data of each run's report, by run id (not global id); null for a run the actor cannot see. */
export async function gatherRunReports(
  ctx: ServiceContext,
  ids: readonly string[],
): Promise<Array<RunReportData | null>> {
  return ctx.db.transaction(
    async (tx) => {
      const scoped = { ...ctx, db: tx };
      const reports = await loadReportRuns(tx, ctx.actor, ids);
      if (!reports.size) return ids.map(() => null);
      const roots = [...reports.keys()];
      const runIds = [...roots, ...[...reports.values()].flatMap((r) => r.steps.map((s) => s.id))];
      const [links, metrics, findings, artifacts, auditChain, commands] = await Promise.all([
        loadVersionLinks(tx, ctx.actor, roots, runIds),
        loadMetrics(tx, runIds),
        loadFindings(tx, runIds),
        loadArtifacts(tx, runIds),
        auditChainStatus(tx),
        reproduceCommands(scoped, roots),
      ]);
      const visible = links.flatMap((link) => (link.version ? [link.version] : []));
      const [datasets, auditRecords] = await Promise.all([
        loadDatasetAncestry(tx, ctx.actor, [
          ...visible.filter((v) => v.kind === 'DATASET_VERSION').map((v) => v.id),
          ...visible.flatMap((v) => v.trainedOn),
        ]),
        loadAuditRecords(tx, [...runIds, ...visible.map((v) => v.id)]),
      ]);
      const people = await actorNames(tx, [
        ...[...reports.values()].flatMap((r) => [
          r.run.createdBy,
          ...(r.workflow ? [r.workflow.createdBy] : []),
        ]),
        ...visible.map((v) => v.createdBy),
        ...auditRecords.map((r) => r.actor),
      ]);
      const generatedAt = new Date();
      return ids.map((id) => {
        const report = reports.get(id);
        if (!report) return null;
        const own = new Set([id, ...report.steps.map((step) => step.id)]);
        const versionIds = new Set<string>();
        const ownLinks = links.filter((link) => own.has(link.runId));
        for (const link of ownLinks) if (link.version) versionIds.add(link.version.id);
        return {
          generatedAt,
          ...report,
          links: ownLinks,
          datasets,
          metrics: metrics.filter((m) => own.has(m.runId)),
          findings: findings.filter((f) => own.has(f.runId)),
          artifacts: artifacts.filter((a) => own.has(a.runId)),
          auditRecords: auditRecords.filter(
            (r) => r.targetId !== null && (own.has(r.targetId) || versionIds.has(r.targetId)),
          ),
          auditChain,
          reproduceCommand: commands[roots.indexOf(id)]!,
          people,
        };
      });
    },
    // One snapshot, read only: the report never changes what it reports on.
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
