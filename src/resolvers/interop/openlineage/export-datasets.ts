// The datasets of exported events: each model or dataset version a run used or made, with
// the hub's version facet carrying its digest and the lineage of its derivation and training.
import { asc, eq } from 'drizzle-orm';
import type { Queryable } from '../../../db/rows.ts';
import { modelTrainingData } from '../../../db/schema.ts';
import type { VersionKind } from '../../../runners/contract.ts';
import type { Actor } from '../../core/actor.ts';
import type { DatasetVersionRow } from '../../registry/version-catalogue.ts';
import { selectVersions } from '../../registry/version-queries.ts';
import { EVALHUB_PRODUCER, FACETS, facetHeader, type VersionFacet } from './facets.ts';

const MAX_CHAIN = 100;

/**
 * The version facet of a model or dataset version, with the lineage of its derivation and
 * training; null when it is in a project the actor cannot see (as GraphQL shows no version).
 */
async function describeVersion(
  db: Queryable,
  actor: Actor,
  kind: VersionKind,
  id: string,
  depth = 0,
): Promise<VersionFacet | null> {
  if (depth > MAX_CHAIN) throw new Error(`derivation chain of ${id} is deeper than ${MAX_CHAIN}`);
  const [found] = await selectVersions(db, kind, actor, ({ table }) => eq(table.id, id));
  if (!found) return null;
  const { version, entry, project } = found;
  const facet: VersionFacet = {
    kind,
    project: project.slug,
    name: entry.name,
    task: entry.task!,
    version: version.version,
    digest: version.digest,
    uri: version.uri,
    format: version.format,
    sizeBytes: version.sizeBytes,
    labels: version.labels,
    itemCount: null,
    metadata: version.metadata as Record<string, unknown>,
  };
  if (kind === 'MODEL_VERSION') {
    const trained = await db
      .select({ id: modelTrainingData.datasetVersionId })
      .from(modelTrainingData)
      .where(eq(modelTrainingData.modelVersionId, id))
      .orderBy(asc(modelTrainingData.datasetVersionId));
    const trainedOn = await Promise.all(
      trained.map((t) => describeVersion(db, actor, 'DATASET_VERSION', t.id, depth + 1)),
    );
    return { ...facet, trainedOn: trainedOn.filter((f): f is VersionFacet => f !== null) };
  }
  const { derivedFromId, transform, itemCount } = version as DatasetVersionRow;
  const source = derivedFromId
    ? await describeVersion(db, actor, 'DATASET_VERSION', derivedFromId, depth + 1)
    : null;
  return {
    ...facet,
    itemCount,
    derivedFrom: source
      ? { ...source, transform: (transform ?? {}) as Record<string, unknown> }
      : null,
  };
}

/**
 * The OpenLineage datasets of the versions a run used or made (each link names a model or a
 * dataset version), with what `about` says of each link; versions the actor cannot see are
 * left out.
 */
export async function versionDatasets<
  T extends { modelVersionId: string | null; datasetVersionId: string | null },
>(db: Queryable, actor: Actor, links: readonly T[], about: (link: T) => Record<string, string>) {
  const datasets = await Promise.all(
    links.map(async (link) => {
      const kind: VersionKind = link.modelVersionId ? 'MODEL_VERSION' : 'DATASET_VERSION';
      const id = (link.modelVersionId ?? link.datasetVersionId)!;
      const facet = await describeVersion(db, actor, kind, id);
      return facet && datasetOf({ ...facet, ...about(link) });
    }),
  );
  return datasets.filter((dataset) => dataset !== null);
}

/** An OpenLineage dataset for a version: its project as namespace, its name and version. */
function datasetOf(facet: VersionFacet) {
  return {
    namespace: facet.project,
    name: facet.name,
    facets: {
      version: {
        _producer: EVALHUB_PRODUCER,
        _schemaURL:
          'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
        datasetVersion: facet.version,
      },
      [FACETS.version]: { ...facetHeader('EvalhubVersionDatasetFacet'), ...facet },
    },
  };
}
