// Models and datasets, and their immutable, content-addressed versions.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, searchVector, tags, updatedAt } from '../columns.ts';
import { projects } from './projects.ts';

const catalogueSearch = searchVector([
  ['A', sql`"name"`],
  ['B', sql`evalhub_tags_text("tags")`],
  ['B', sql`"task"`],
  ['C', sql`"description"`],
]);

export const models = pgTable(
  'models',
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id),
    name: text().notNull(),
    description: text().notNull().default(''),
    task: text().notNull(),
    tags: tags(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    searchVector: catalogueSearch,
  },
  (t) => [
    unique().on(t.projectId, t.name),
    index().on(t.projectId, t.createdAt, t.id),
    index().using('gin', t.tags),
    index().using('gin', t.searchVector),
    index('models_name_trgm_idx').using('gin', sql`"name" gin_trgm_ops`),
  ],
);

export const modelVersions = pgTable(
  'model_versions',
  {
    id: id(),
    modelId: uuid()
      .notNull()
      .references(() => models.id),
    version: text().notNull(),
    uri: text().notNull(),
    format: text().notNull(),
    /** `sha256:<hex>` of the artifact (file bytes, or the folder digest of DESIGN.md). */
    digest: text().notNull(),
    sizeBytes: bigint({ mode: 'number' }),
    /** MAITE-style metadata: `index2label`, input shape, preprocessing, anything else. */
    metadata: jsonb().notNull().default({}),
    /** Class names in index order, from `metadata.index2label`. */
    labels: text().array(),
    createdBy: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique().on(t.modelId, t.version),
    unique().on(t.modelId, t.digest),
    index().on(t.modelId, t.createdAt, t.id),
    index().on(t.digest),
  ],
);

export const datasets = pgTable(
  'datasets',
  {
    id: id(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id),
    name: text().notNull(),
    description: text().notNull().default(''),
    task: text().notNull(),
    tags: tags(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    searchVector: catalogueSearch,
  },
  (t) => [
    unique().on(t.projectId, t.name),
    index().on(t.projectId, t.createdAt, t.id),
    index().using('gin', t.tags),
    index().using('gin', t.searchVector),
    index('datasets_name_trgm_idx').using('gin', sql`"name" gin_trgm_ops`),
  ],
);

export const datasetVersions = pgTable(
  'dataset_versions',
  {
    id: id(),
    datasetId: uuid()
      .notNull()
      .references(() => datasets.id),
    version: text().notNull(),
    uri: text().notNull(),
    format: text().notNull(),
    digest: text().notNull(),
    sizeBytes: bigint({ mode: 'number' }),
    metadata: jsonb().notNull().default({}),
    itemCount: integer(),
    labels: text().array(),
    /** WAS_DERIVED_FROM: the version this one was made from, by `transform`. */
    derivedFromId: uuid().references((): AnyPgColumn => datasetVersions.id),
    transform: jsonb(),
    createdBy: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique().on(t.datasetId, t.version),
    unique().on(t.datasetId, t.digest),
    index().on(t.datasetId, t.createdAt, t.id),
    index().on(t.digest),
    index().on(t.derivedFromId),
  ],
);

/** TRAINED_ON: the dataset versions a model version was trained (or fine-tuned) on. */
export const modelTrainingData = pgTable(
  'model_training_data',
  {
    modelVersionId: uuid()
      .notNull()
      .references(() => modelVersions.id),
    datasetVersionId: uuid()
      .notNull()
      .references(() => datasetVersions.id),
  },
  (t) => [
    primaryKey({ columns: [t.modelVersionId, t.datasetVersionId] }),
    index().on(t.datasetVersionId),
  ],
);
