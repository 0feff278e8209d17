// Models and datasets, and their immutable, content-addressed versions.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  index,
  integer,
  jsonb,
  type PgColumn,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, searchVector } from '../columns.ts';
import { entryColumns, entryIndexes } from './entries.ts';

const catalogueSearch = searchVector([
  ['A', sql`"name"`],
  ['B', sql`evalhub_tags_text("tags")`],
  ['B', sql`"task"`],
  ['C', sql`"description"`],
]);

/** The columns every version of a model or dataset has. */
const versionColumns = () => ({
  id: id(),
  version: text().notNull(),
  uri: text().notNull(),
  format: text().notNull(),
  /** `sha256:<hex>` of the content (file bytes, or the folder digest of DESIGN.md). */
  digest: text().notNull(),
  sizeBytes: bigint({ mode: 'number' }),
  /** MAITE-style metadata: `index2label`, input shape, preprocessing, anything else. */
  metadata: jsonb().notNull().default({}),
  /** Class names in index order, from `metadata.index2label` (or, for data, the content). */
  labels: text().array(),
  createdBy: text().notNull(),
  createdAt: createdAt(),
});

/** One label and one content per entry, the newest-first listing, lookups by digest. */
const versionIndexes = (
  t: { version: PgColumn; digest: PgColumn; createdAt: PgColumn; id: PgColumn },
  entryId: PgColumn,
) => [
  unique().on(entryId, t.version),
  unique().on(entryId, t.digest),
  index().on(entryId, t.createdAt, t.id),
  index().on(t.digest),
];

export const models = pgTable(
  'models',
  {
    ...entryColumns(),
    task: text().notNull(),
    searchVector: catalogueSearch,
  },
  (t) => [...entryIndexes('models', t), index().using('gin', t.tags)],
);

export const modelVersions = pgTable(
  'model_versions',
  {
    ...versionColumns(),
    modelId: uuid()
      .notNull()
      .references(() => models.id),
    /**
     * An ONNX model's inputs, outputs, opsets, IR version and producer, read when it was
     * registered; null for other formats and for models the hub could not read.
     */
    signature: jsonb(),
  },
  (t) => versionIndexes(t, t.modelId),
);

export const datasets = pgTable(
  'datasets',
  {
    ...entryColumns(),
    task: text().notNull(),
    searchVector: catalogueSearch,
  },
  (t) => [...entryIndexes('datasets', t), index().using('gin', t.tags)],
);

export const datasetVersions = pgTable(
  'dataset_versions',
  {
    ...versionColumns(),
    datasetId: uuid()
      .notNull()
      .references(() => datasets.id),
    itemCount: integer(),
    /** WAS_DERIVED_FROM: the version this one was made from, by `transform`. */
    derivedFromId: uuid().references((): AnyPgColumn => datasetVersions.id),
    transform: jsonb(),
  },
  (t) => [...versionIndexes(t, t.datasetId), index().on(t.derivedFromId)],
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
