// Model versions and dataset versions are one concept in two tables: an immutable,
// content-addressed version of a catalogue entry. This describes each kind once, so that
// every service looks versions up the same way (version-queries.ts).
import type { PgColumn } from 'drizzle-orm/pg-core';
import { datasets, datasetVersions, models, modelVersions } from '../../db/schema.ts';
import type { VersionKind } from '../../runners/contract.ts';
import { type Catalogue, datasetCatalogue, modelCatalogue } from './catalogue.ts';

export type ModelVersionRow = typeof modelVersions.$inferSelect;
export type DatasetVersionRow = typeof datasetVersions.$inferSelect;
/** A version of either kind (the columns a dataset version has more are null on a model's). */
export type VersionRow = ModelVersionRow | DatasetVersionRow;

export interface VersionCatalogue {
  kind: VersionKind;
  /** The entries (models or datasets) the versions belong to. */
  catalogue: Catalogue;
  /** The versions' table, seen through the shape of the dataset versions' table. */
  table: typeof datasetVersions;
  /** The entries' table, seen through the shape of the datasets' table. */
  entries: typeof datasets;
  /** The column of `table` naming a version's entry. */
  entryId: PgColumn;
  /** The GraphQL type name, also used in audit records and global ids. */
  type: 'ModelVersion' | 'DatasetVersion';
  /** For messages: "model version". */
  entity: 'model version' | 'dataset version';
}

const catalogues: Record<VersionKind, VersionCatalogue> = {
  MODEL_VERSION: {
    kind: 'MODEL_VERSION',
    catalogue: modelCatalogue,
    table: modelVersions as unknown as typeof datasetVersions,
    entries: models as unknown as typeof datasets,
    entryId: modelVersions.modelId,
    type: 'ModelVersion',
    entity: 'model version',
  },
  DATASET_VERSION: {
    kind: 'DATASET_VERSION',
    catalogue: datasetCatalogue,
    table: datasetVersions,
    entries: datasets,
    entryId: datasetVersions.datasetId,
    type: 'DatasetVersion',
    entity: 'dataset version',
  },
};

export function versionCatalogue(kind: VersionKind): VersionCatalogue {
  return catalogues[kind];
}

/** The kind of versions a GraphQL type name stands for ('ModelVersion' -> 'MODEL_VERSION'). */
export function versionKindOf(type: string | undefined): VersionKind | undefined {
  return Object.values(catalogues).find((c) => c.type === type)?.kind;
}
