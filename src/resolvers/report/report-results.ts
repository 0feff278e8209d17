// What the reported runs concluded: their metrics, findings and artifacts (with the bytes of
// the SVG charts the report embeds). One statement each, however many runs.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { artifacts, blobs, findings, metrics } from '../../db/schema.ts';
import type { ArtifactRow, FindingRow, MetricRow } from '../runs/results.ts';

/** Charts larger than this are named, not embedded: a report stays a document. */
export const MAX_EMBEDDED_SVG_BYTES = 2 * 1024 * 1024;

export interface ReportArtifact extends ArtifactRow {
  /** The bytes of an SVG chart small enough to embed; null otherwise. */
  svg: Buffer | null;
}

export async function loadMetrics(db: Queryable, runIds: readonly string[]): Promise<MetricRow[]> {
  // In the order they were reported: runners report a table's rows in their order.
  return db
    .select()
    .from(metrics)
    .where(inArray(metrics.runId, [...runIds]))
    .orderBy(asc(metrics.id));
}

export async function loadFindings(
  db: Queryable,
  runIds: readonly string[],
): Promise<FindingRow[]> {
  return db
    .select()
    .from(findings)
    .where(inArray(findings.runId, [...runIds]))
    .orderBy(asc(findings.createdAt), asc(findings.id));
}

export async function loadArtifacts(
  db: Queryable,
  runIds: readonly string[],
): Promise<ReportArtifact[]> {
  const rows = await db
    .select({
      artifact: artifacts,
      svg: sql<Uint8Array | null>`case when ${artifacts.sizeBytes} <= ${MAX_EMBEDDED_SVG_BYTES}
        then ${blobs.bytes} end`,
    })
    .from(artifacts)
    .leftJoin(
      blobs,
      and(eq(blobs.digest, artifacts.digest), eq(artifacts.mediaType, 'image/svg+xml')),
    )
    .where(inArray(artifacts.runId, [...runIds]))
    .orderBy(asc(artifacts.createdAt), asc(artifacts.name));
  return rows.map((row) => ({ ...row.artifact, svg: row.svg ? Buffer.from(row.svg) : null }));
}
