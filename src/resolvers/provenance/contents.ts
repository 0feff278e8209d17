// The content digests of a trace: each model and dataset version, and each artifact, with
// where its bytes are; a version whose digest the hub never computed says so. `evalhub
// verify --content PATH` checks bytes against them.
import { eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/rows.ts';
import { artifacts, datasets, datasetVersions, models, modelVersions } from '../../db/schema.ts';
import { encodeGlobalId } from '../core/global-id.ts';
import { measuredVersions } from '../evidence/statement.ts';
import type { LineageGraph } from '../lineage/trace.ts';
import type { BundleContent } from './format.ts';

const idsOf = (graph: LineageGraph, type: string) =>
  graph.nodes.filter((node) => node.type === type).map((node) => node.id);

async function versionContents(
  db: Queryable,
  ids: string[],
  type: 'ModelVersion' | 'DatasetVersion',
): Promise<BundleContent[]> {
  if (!ids.length) return [];
  const [versions, entries] =
    type === 'ModelVersion' ? [modelVersions, models] : [datasetVersions, datasets];
  const entryId = type === 'ModelVersion' ? modelVersions.modelId : datasetVersions.datasetId;
  const [rows, measured] = await Promise.all([
    db
      .select({ version: versions, name: entries.name })
      .from(versions)
      .innerJoin(entries, eq(entries.id, entryId))
      .where(inArray(versions.id, ids)),
    measuredVersions(db, ids),
  ]);
  return rows.map(({ version, name }) => ({
    id: encodeGlobalId(type, version.id),
    type,
    name: `${name}@${version.version}`,
    uri: version.uri,
    digest: version.digest,
    sizeBytes: version.sizeBytes,
    ...(measured.has(version.id) ? {} : { contentMeasured: false as const }),
  }));
}

async function artifactContents(db: Queryable, ids: string[]): Promise<BundleContent[]> {
  if (!ids.length) return [];
  const rows = await db.select().from(artifacts).where(inArray(artifacts.id, ids));
  return rows.map((row) => ({
    id: encodeGlobalId('Artifact', row.id),
    type: 'Artifact',
    name: row.name,
    uri: row.uri,
    digest: row.digest,
    sizeBytes: row.sizeBytes,
  }));
}

/** Every content of the graph's versions and artifacts (all visible: the trace shows them). */
export async function traceContents(db: Queryable, graph: LineageGraph): Promise<BundleContent[]> {
  const found = await Promise.all([
    versionContents(db, idsOf(graph, 'ModelVersion'), 'ModelVersion'),
    versionContents(db, idsOf(graph, 'DatasetVersion'), 'DatasetVersion'),
    artifactContents(db, idsOf(graph, 'Artifact')),
  ]);
  return found.flat().sort((a, b) => a.id.localeCompare(b.id));
}
