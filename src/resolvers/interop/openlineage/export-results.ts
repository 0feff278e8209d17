// The results facet of an exported run's last event: its metrics, findings (with the versions
// they are about, where the reader may see them) and artifacts (their bytes, when small).
import { asc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../../db/rows.ts';
import { artifacts, blobs, findings, metrics } from '../../../db/schema.ts';
import type { VersionKind } from '../../../runners/contract.ts';
import type { Actor } from '../../core/actor.ts';
import { selectVersions } from '../../registry/version-queries.ts';
import type { ResultsFacet } from './facets.ts';

/** Artifacts up to this size travel in the event itself. */
const INLINE_ARTIFACT_BYTES = 1024 * 1024;

/** A run's metrics, findings and artifacts as the evalhub_results facet holds them. */
export async function resultsOf(db: Queryable, actor: Actor, runId: string): Promise<ResultsFacet> {
  const [metricRows, findingRows, artifactRows] = await Promise.all([
    db.select().from(metrics).where(eq(metrics.runId, runId)).orderBy(asc(metrics.id)),
    db
      .select()
      .from(findings)
      .where(eq(findings.runId, runId))
      .orderBy(asc(findings.createdAt), asc(findings.id)),
    db
      .select({ artifact: artifacts, bytes: blobs.bytes })
      .from(artifacts)
      .leftJoin(blobs, eq(blobs.digest, artifacts.digest))
      .where(eq(artifacts.runId, runId))
      .orderBy(asc(artifacts.name)),
  ]);
  const subjects = new Map<string, NonNullable<ResultsFacet['findings'][number]['subject']>>();
  const subjectIds = (kind: VersionKind) =>
    findingRows.flatMap((f) => {
      const id = kind === 'MODEL_VERSION' ? f.subjectModelVersionId : f.subjectDatasetVersionId;
      return id ? [id] : [];
    });
  const described = await Promise.all(
    (['MODEL_VERSION', 'DATASET_VERSION'] as const).map((kind) => {
      const ids = subjectIds(kind);
      return ids.length
        ? selectVersions(db, kind, actor, ({ table }) => inArray(table.id, ids))
        : Promise.resolve([]);
    }),
  );
  for (const { kind, version, entry, project } of described.flat())
    subjects.set(version.id, {
      kind,
      project: project.slug,
      name: entry.name,
      digest: version.digest,
    });
  return {
    metrics: metricRows.map((m) => ({
      key: m.key,
      value: m.value,
      step: m.step,
      slice: m.slice as Record<string, string>,
      ciLower: m.ciLower,
      ciUpper: m.ciUpper,
      ciLevel: m.ciLevel,
      sampleSize: m.sampleSize,
    })),
    findings: findingRows.map((f) => ({
      kind: f.kind,
      severity: f.severity,
      status: f.status,
      title: f.title,
      summary: f.summary,
      evidence: f.evidence as Record<string, unknown>,
      requirement: f.requirement as Record<string, unknown> | null,
      subject: subjects.get((f.subjectModelVersionId ?? f.subjectDatasetVersionId)!) ?? null,
    })),
    artifacts: artifactRows.map(({ artifact, bytes }) => ({
      name: artifact.name,
      mediaType: artifact.mediaType,
      digest: artifact.digest,
      sizeBytes: artifact.sizeBytes,
      content:
        bytes && bytes.length <= INLINE_ARTIFACT_BYTES
          ? Buffer.from(bytes).toString('base64')
          : null,
    })),
  };
}
