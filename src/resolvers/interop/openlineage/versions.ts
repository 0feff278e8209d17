// The model and dataset versions an OpenLineage event's datasets stand for, found or made.
// A dataset the hub itself exported carries an evalhub_version facet (its digest, lineage
// and all); any other is a dataset named by its namespace and name, versioned by its
// `version` facet, with a digest of that identity (nothing of its content is known).

import type { Transaction } from '../../../db/rows.ts';
import { modelTrainingData } from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import { canonicalDigest } from '../../core/sha256.ts';
import {
  ensureImportedEntry,
  ensureImportedVersion,
  type ImportedVersion,
  type ImportedVersionDraft,
} from '../../registry/imports.ts';
import { ensureProject, type ProjectRow } from '../../registry/projects.ts';
import { versionCatalogue } from '../../registry/version-catalogue.ts';
import { datasetNameFor, FACETS, OPENLINEAGE_SOURCE, type VersionFacet } from './facets.ts';

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
  inputFacets?: Record<string, unknown>;
  outputFacets?: Record<string, unknown>;
}

const origin = { source: OPENLINEAGE_SOURCE };

/** How deep derivation chains in a facet may go (they are acyclic by construction). */
const MAX_CHAIN = 100;

/** The version of a draft, under its model or dataset (made, described so, if missing). */
async function ensureVersion(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  item: { name: string; task: string; description: string },
  draft: Omit<ImportedVersionDraft, 'entry'>,
): Promise<ImportedVersion> {
  const { catalogue } = versionCatalogue(draft.kind);
  const entry = await ensureImportedEntry(tx, actor, catalogue, project, item, origin);
  return ensureImportedVersion(tx, actor, { ...draft, entry }, origin);
}

/** A version described by the hub's own facet, with what it was derived from or trained on. */
async function ensureFacetVersion(
  tx: Transaction,
  actor: Actor,
  facet: VersionFacet,
  depth: number,
): Promise<ImportedVersion> {
  if (depth > MAX_CHAIN)
    throw new Error(`an ${FACETS.version} facet nests deeper than ${MAX_CHAIN}`);
  const project = await ensureProject(tx, actor, facet.project, [
    'event',
    'facets',
    FACETS.version,
    'project',
  ]);
  const source = facet.derivedFrom
    ? await ensureFacetVersion(tx, actor, facet.derivedFrom, depth + 1)
    : null;
  const found = await ensureVersion(
    tx,
    actor,
    project,
    { name: facet.name, task: facet.task, description: '' },
    {
      kind: facet.kind,
      label: facet.version,
      digest: facet.digest,
      uri: facet.uri,
      format: facet.format,
      sizeBytes: facet.sizeBytes,
      labels: facet.labels,
      itemCount: facet.itemCount,
      metadata: facet.metadata,
      derivedFromId: source?.id ?? null,
      transform: facet.derivedFrom?.transform ?? null,
    },
  );
  for (const data of facet.trainedOn ?? []) {
    const trained = await ensureFacetVersion(tx, actor, data, depth + 1);
    await tx
      .insert(modelTrainingData)
      .values({ modelVersionId: found.id, datasetVersionId: trained.id })
      .onConflictDoNothing();
  }
  return found;
}

/**
 * The version an event's dataset stands for, made if missing (in `project` unless its facet
 * says). A new version keeps `keptFacets` in its metadata: the facets as they came, those
 * that failed their schema (and so are not in `dataset`) too.
 */
export async function versionOfDataset(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  dataset: OpenLineageDataset,
  keptFacets: Record<string, unknown> | undefined = dataset.facets,
): Promise<ImportedVersion> {
  const facet = dataset.facets?.[FACETS.version] as VersionFacet | undefined;
  if (facet && typeof facet === 'object' && typeof facet.digest === 'string')
    return ensureFacetVersion(tx, actor, facet, 0);
  const versionFacet = dataset.facets?.version as { datasetVersion?: string } | undefined;
  const version = versionFacet?.datasetVersion ?? null;
  return ensureVersion(
    tx,
    actor,
    project,
    {
      name: datasetNameFor(dataset.namespace, dataset.name),
      task: 'OTHER',
      description: `OpenLineage dataset ${dataset.name} in ${dataset.namespace}`,
    },
    {
      kind: 'DATASET_VERSION',
      label: version ?? 'current',
      digest: canonicalDigest({ namespace: dataset.namespace, name: dataset.name, version }),
      uri: `${dataset.namespace.replace(/\/+$/, '')}/${dataset.name}`,
      format: 'OTHER',
      sizeBytes: null,
      labels: null,
      metadata: {
        openlineage: {
          namespace: dataset.namespace,
          name: dataset.name,
          facets: keptFacets ?? {},
        },
      },
    },
  );
}
