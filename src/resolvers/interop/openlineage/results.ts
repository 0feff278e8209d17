// What an event says a run concluded: metrics and findings from data-quality facets, or
// everything a hub export carries (metrics, findings, artifacts), each recorded once.

import { and, eq } from 'drizzle-orm';
import { newId } from '../../../db/ids.ts';
import type { Transaction } from '../../../db/rows.ts';
import { artifacts, blobs, findings, metrics, projects, runs } from '../../../db/schema.ts';
import { type Actor, visibleProjects } from '../../core/actor.ts';
import { ValidationError } from '../../core/errors.ts';
import { sha256Digest } from '../../core/sha256.ts';
import type { ImportedVersion } from '../../registry/imports.ts';
import type { ProjectRow } from '../../registry/projects.ts';
import { selectVersions } from '../../registry/version-queries.ts';
import { sliceKey } from '../../runs/events.ts';
import { FACETS, type ResultsFacet } from './facets.ts';
import type { RunEvent } from './run-event.ts';
import { versionOfDataset } from './versions.ts';

/** Metrics, findings and artifacts the event carries, each recorded once for the run. */
export async function recordResults(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  runId: string,
  event: RunEvent,
) {
  const results = await resultsOf(tx, actor, project, event);
  if (!results.metrics.length && !results.findings.length && !results.artifacts.length) return;
  const [run] = await tx.select({ projectId: runs.projectId }).from(runs).where(eq(runs.id, runId));
  const target = { runId, projectId: run!.projectId };
  await recordMetrics(tx, target, results.metrics);
  await recordFindings(tx, actor, target, results.findings);
  await recordArtifacts(tx, actor, target, results.artifacts);
}

/** What the event says: data-quality facets of its inputs, and a hub export's results. */
async function resultsOf(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  event: RunEvent,
): Promise<ResultsFacet> {
  const results: ResultsFacet = { metrics: [], findings: [], artifacts: [] };
  for (const dataset of event.inputs ?? []) {
    const quality = dataset.inputFacets?.dataQualityMetrics as QualityFacet | undefined;
    const assertions = dataset.inputFacets?.dataQualityAssertions as
      | { assertions?: { assertion: string; success: boolean; column?: string }[] }
      | undefined;
    if (!quality && !assertions) continue;
    const version = await versionOfDataset(tx, actor, project, dataset);
    results.metrics.push(...qualityMetrics(version.label, quality));
    for (const failed of assertions?.assertions?.filter((a) => !a.success) ?? [])
      results.findings.push({
        kind: 'DATA_QUALITY_ASSERTION',
        severity: 'MEDIUM',
        status: 'OPEN',
        title: `${failed.assertion} failed on ${version.label}${failed.column ? ` (column ${failed.column})` : ''}`,
        summary: `The producer reported that the assertion ${failed.assertion} did not hold.`,
        evidence: {
          assertion: failed,
          dataset: { namespace: dataset.namespace, name: dataset.name },
        },
        requirement: null,
        subject: null,
      });
  }
  const exported = event.run.facets?.[FACETS.results] as ResultsFacet | undefined;
  if (exported) {
    results.metrics.push(...exported.metrics);
    results.findings.push(...exported.findings);
    results.artifacts.push(...exported.artifacts);
  }
  return results;
}

interface Target {
  runId: string;
  projectId: string;
}

/** Metrics not yet recorded for the run (by key, slice and step). */
async function recordMetrics(tx: Transaction, { runId }: Target, given: ResultsFacet['metrics']) {
  const known = await tx
    .select({ key: metrics.key, sliceKey: metrics.sliceKey, step: metrics.step })
    .from(metrics)
    .where(eq(metrics.runId, runId));
  const seen = new Set(known.map((m) => `${m.key}\n${m.sliceKey}\n${m.step}`));
  const fresh = given.filter((m) => {
    const key = `${m.key}\n${sliceKey(m.slice)}\n${m.step}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (!fresh.length) return;
  await tx.insert(metrics).values(
    fresh.map((m) => ({
      runId,
      key: m.key,
      value: m.value,
      step: m.step,
      slice: m.slice,
      sliceKey: sliceKey(m.slice),
      ciLower: m.ciLower,
      ciUpper: m.ciUpper,
      ciLevel: m.ciLevel,
      sampleSize: m.sampleSize,
    })),
  );
}

/** Findings not yet recorded for the run (by kind and title). */
async function recordFindings(
  tx: Transaction,
  actor: Actor,
  { runId, projectId }: Target,
  given: ResultsFacet['findings'],
) {
  const titled = await tx
    .select({ kind: findings.kind, title: findings.title })
    .from(findings)
    .where(eq(findings.runId, runId));
  const titles = new Set(titled.map((f) => `${f.kind}\n${f.title}`));
  for (const finding of given) {
    if (titles.has(`${finding.kind}\n${finding.title}`)) continue;
    titles.add(`${finding.kind}\n${finding.title}`);
    const subject = finding.subject ? await subjectVersion(tx, actor, finding.subject) : null;
    await tx.insert(findings).values({
      id: newId(),
      projectId,
      runId,
      kind: finding.kind,
      severity: finding.severity,
      status: finding.status,
      title: finding.title,
      summary: finding.summary,
      evidence: finding.evidence,
      requirement: finding.requirement,
      subjectModelVersionId: subject?.kind === 'MODEL_VERSION' ? subject.id : null,
      subjectDatasetVersionId: subject?.kind === 'DATASET_VERSION' ? subject.id : null,
    });
  }
}

/**
 * Artifacts not yet recorded for the run (by name). Bytes that travel in the event must
 * match their digest; without bytes, an artifact can only point at content this actor may
 * already read: a digest alone must not open another project's.
 */
async function recordArtifacts(
  tx: Transaction,
  actor: Actor,
  { runId, projectId }: Target,
  given: ResultsFacet['artifacts'],
) {
  const named = await tx
    .select({ name: artifacts.name })
    .from(artifacts)
    .where(eq(artifacts.runId, runId));
  const names = new Set(named.map((a) => a.name));
  for (const artifact of given) {
    if (names.has(artifact.name)) continue;
    names.add(artifact.name);
    if (artifact.content !== null) {
      const bytes = Buffer.from(artifact.content, 'base64');
      const digest = sha256Digest(bytes);
      if (digest !== artifact.digest || bytes.length !== artifact.sizeBytes) {
        throw new ValidationError(
          `artifact ${artifact.name}: its content is ${bytes.length} bytes with digest ${digest}, ` +
            `not the ${artifact.sizeBytes} bytes with digest ${artifact.digest} the event says`,
          ['run', 'facets', FACETS.results, 'artifacts'],
        );
      }
      await tx
        .insert(blobs)
        .values({ digest: artifact.digest, bytes, sizeBytes: bytes.length })
        .onConflictDoNothing();
    } else if (!(await visibleBlob(tx, actor, artifact.digest))) continue;
    await tx.insert(artifacts).values({
      id: newId(),
      projectId,
      runId,
      name: artifact.name,
      mediaType: artifact.mediaType,
      digest: artifact.digest,
      sizeBytes: artifact.sizeBytes,
    });
  }
}

/** Whether some artifact the actor can see already holds the bytes with this digest. */
async function visibleBlob(tx: Transaction, actor: Actor, digest: string): Promise<boolean> {
  const [found] = await tx
    .select({ id: artifacts.id })
    .from(artifacts)
    .where(and(eq(artifacts.digest, digest), visibleProjects(actor, artifacts.projectId)))
    .limit(1);
  return Boolean(found);
}

/** The version a finding of a hub export was about, by its digest, if the actor may see it. */
async function subjectVersion(
  tx: Transaction,
  actor: Actor,
  subject: NonNullable<ResultsFacet['findings'][number]['subject']>,
): Promise<ImportedVersion | null> {
  const [found] = await selectVersions(tx, subject.kind, actor, ({ table, entries }) =>
    and(
      eq(projects.slug, subject.project),
      eq(entries.name, subject.name),
      eq(table.digest, subject.digest),
    ),
  );
  return found ? { kind: subject.kind, id: found.version.id, label: subject.name } : null;
}

/** The dataQualityMetrics input facet, as far as the hub reads it. */
interface QualityFacet {
  rowCount?: number;
  bytes?: number;
  fileCount?: number;
  columnMetrics?: Record<string, Record<string, unknown>>;
}

/** The dataQualityMetrics input facet as metrics, sliced by dataset (and column). */
function qualityMetrics(dataset: string, facet: QualityFacet | undefined): ResultsFacet['metrics'] {
  if (!facet) return [];
  const rows: ResultsFacet['metrics'] = [];
  const add = (key: string, value: unknown, slice: Record<string, string>) => {
    if (typeof value === 'number' && Number.isFinite(value))
      rows.push({
        key,
        value,
        step: 0,
        slice,
        ciLower: null,
        ciUpper: null,
        ciLevel: null,
        sampleSize: null,
      });
  };
  add('row_count', facet.rowCount, { dataset });
  add('bytes', facet.bytes, { dataset });
  add('file_count', facet.fileCount, { dataset });
  for (const [column, values] of Object.entries(facet.columnMetrics ?? {})) {
    const slice = { dataset, column };
    add('null_count', values.nullCount, slice);
    add('distinct_count', values.distinctCount, slice);
    add('sum', values.sum, slice);
    add('count', values.count, slice);
    add('min', values.min, slice);
    add('max', values.max, slice);
    for (const [q, value] of Object.entries((values.quantiles as Record<string, unknown>) ?? {}))
      add('quantile', value, { ...slice, quantile: q });
  }
  return rows;
}
