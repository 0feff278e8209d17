// The model and dataset versions an OpenLineage event's datasets stand for, found or made.
// A dataset the hub itself exported carries an evalhub_version facet (its digest, lineage
// and all); any other is a dataset named by its namespace and name, versioned by its
// `version` facet, with a digest of that identity (nothing of its content is known).

import { and, eq } from 'drizzle-orm';
import { newId } from '../../../db/ids.ts';
import type { Transaction } from '../../../db/rows.ts';
import {
  datasets,
  datasetVersions,
  models,
  modelTrainingData,
  modelVersions,
} from '../../../db/schema.ts';
import type { Actor } from '../../core/actor.ts';
import { recordAudit } from '../../core/audit.ts';
import { canonicalDigest } from '../../core/sha256.ts';
import { ensureProject, type ProjectRow } from '../../registry/projects.ts';
import { datasetNameFor, FACETS, type VersionFacet } from './facets.ts';

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
  inputFacets?: Record<string, unknown>;
  outputFacets?: Record<string, unknown>;
}

export interface FoundVersion {
  kind: 'MODEL_VERSION' | 'DATASET_VERSION';
  id: string;
  /** "name@version", for output names and finding titles. */
  label: string;
}

/** How deep derivation chains in a facet may go (they are acyclic by construction). */
const MAX_CHAIN = 100;

async function ensureItem(
  tx: Transaction,
  actor: Actor,
  kind: FoundVersion['kind'],
  project: ProjectRow,
  name: string,
  task: string,
  description: string,
): Promise<string> {
  const table = kind === 'MODEL_VERSION' ? models : datasets;
  const [existing] = await tx
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.projectId, project.id), eq(table.name, name)));
  if (existing) return existing.id;
  const id = newId();
  await tx.insert(table).values({ id, projectId: project.id, name, task, description });
  await recordAudit(tx, actor, {
    action: `${kind === 'MODEL_VERSION' ? 'model' : 'dataset'}.import`,
    projectId: project.id,
    targetType: kind === 'MODEL_VERSION' ? 'Model' : 'Dataset',
    targetId: id,
    details: { name, source: 'openlineage' },
  });
  return id;
}

interface VersionDraft {
  kind: FoundVersion['kind'];
  project: ProjectRow;
  itemName: string;
  task: string;
  description: string;
  version: string;
  digest: string;
  uri: string;
  format: string;
  sizeBytes: number | null;
  labels: string[] | null;
  itemCount: number | null;
  metadata: Record<string, unknown>;
  derivedFromId: string | null;
  transform: Record<string, unknown> | null;
}

/** The version with the draft's digest under its model or dataset, made if missing. */
async function ensureVersion(
  tx: Transaction,
  actor: Actor,
  draft: VersionDraft,
): Promise<FoundVersion> {
  const itemId = await ensureItem(
    tx,
    actor,
    draft.kind,
    draft.project,
    draft.itemName,
    draft.task,
    draft.description,
  );
  const isModel = draft.kind === 'MODEL_VERSION';
  const table = isModel ? modelVersions : datasetVersions;
  const parent = isModel ? modelVersions.modelId : datasetVersions.datasetId;
  const siblings = await tx
    .select({ id: table.id, version: table.version, digest: table.digest })
    .from(table)
    .where(eq(parent, itemId));
  const same = siblings.find((row) => row.digest === draft.digest);
  if (same) return { kind: draft.kind, id: same.id, label: `${draft.itemName}@${same.version}` };
  // A label already holding other content keeps it; this one is told apart by its digest.
  const label = siblings.some((row) => row.version === draft.version)
    ? `${draft.version}~${draft.digest.slice(7, 15)}`
    : draft.version;
  const id = newId();
  const common = {
    id,
    version: label,
    uri: draft.uri,
    format: draft.format,
    digest: draft.digest,
    sizeBytes: draft.sizeBytes,
    metadata: draft.metadata,
    labels: draft.labels,
    createdBy: actor.id,
  };
  if (isModel) await tx.insert(modelVersions).values({ ...common, modelId: itemId });
  else
    await tx.insert(datasetVersions).values({
      ...common,
      datasetId: itemId,
      itemCount: draft.itemCount,
      derivedFromId: draft.derivedFromId,
      transform: draft.transform,
    });
  await recordAudit(tx, actor, {
    action: `${isModel ? 'model' : 'dataset'}.version.import`,
    projectId: draft.project.id,
    targetType: isModel ? 'ModelVersion' : 'DatasetVersion',
    targetId: id,
    details: { version: label, digest: draft.digest, uri: draft.uri, source: 'openlineage' },
  });
  return { kind: draft.kind, id, label: `${draft.itemName}@${label}` };
}

/** A version described by the hub's own facet, with what it was derived from or trained on. */
async function ensureFacetVersion(
  tx: Transaction,
  actor: Actor,
  facet: VersionFacet,
  depth: number,
): Promise<FoundVersion> {
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
  const found = await ensureVersion(tx, actor, {
    kind: facet.kind,
    project,
    itemName: facet.name,
    task: facet.task,
    description: '',
    version: facet.version,
    digest: facet.digest,
    uri: facet.uri,
    format: facet.format,
    sizeBytes: facet.sizeBytes,
    labels: facet.labels,
    itemCount: facet.itemCount,
    metadata: facet.metadata,
    derivedFromId: source?.id ?? null,
    transform: facet.derivedFrom?.transform ?? null,
  });
  for (const data of facet.trainedOn ?? []) {
    const trained = await ensureFacetVersion(tx, actor, data, depth + 1);
    await tx
      .insert(modelTrainingData)
      .values({ modelVersionId: found.id, datasetVersionId: trained.id })
      .onConflictDoNothing();
  }
  return found;
}

/** The version an event's dataset stands for, made if missing (in `project` unless its facet says). */
export async function versionOfDataset(
  tx: Transaction,
  actor: Actor,
  project: ProjectRow,
  dataset: OpenLineageDataset,
): Promise<FoundVersion> {
  const facet = dataset.facets?.[FACETS.version] as VersionFacet | undefined;
  if (facet && typeof facet === 'object' && typeof facet.digest === 'string')
    return ensureFacetVersion(tx, actor, facet, 0);
  const versionFacet = dataset.facets?.version as { datasetVersion?: string } | undefined;
  const version = versionFacet?.datasetVersion ?? null;
  return ensureVersion(tx, actor, {
    kind: 'DATASET_VERSION',
    project,
    itemName: datasetNameFor(dataset.namespace, dataset.name),
    task: 'OTHER',
    description: `OpenLineage dataset ${dataset.name} in ${dataset.namespace}`,
    version: version ?? 'current',
    digest: canonicalDigest({ namespace: dataset.namespace, name: dataset.name, version }),
    uri: `${dataset.namespace.replace(/\/+$/, '')}/${dataset.name}`,
    format: 'OTHER',
    sizeBytes: null,
    labels: null,
    itemCount: null,
    metadata: {
      openlineage: {
        namespace: dataset.namespace,
        name: dataset.name,
        facets: dataset.facets ?? {},
      },
    },
    derivedFromId: null,
    transform: null,
  });
}
