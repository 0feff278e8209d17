import { datasetCatalogue, registerEntry } from '../resolvers/registry/catalogue.ts';
import { registerDatasetVersion } from '../resolvers/registry/datasets.ts';
import { builder } from './builder.ts';
import {
  catalogueEntryFields,
  catalogueFilter,
  catalogueListField,
  registrationPayload,
  TaskEnum,
} from './catalogue.ts';
import { resultUnion } from './errors.ts';
import { DatasetRef, DatasetVersionRef } from './refs.ts';

export const DatasetFormatEnum = builder.enumType('DatasetFormat', {
  description: 'How a dataset version is laid out.',
  values: {
    IMAGE_FOLDER: { description: 'A folder with one subfolder of images per class.' },
    COCO: { description: 'A COCO JSON file of images, categories and annotations.' },
    CSV: { description: 'A CSV file with a header row; labels in the `label` column by default.' },
    JSONL: { description: 'One JSON object per line; labels in the `label` field by default.' },
    OTHER: { description: 'Anything else; the hub records it but does not read it.' },
  },
});

builder.node(DatasetRef, {
  description: 'A dataset: a named line of versions in a project (MAITE Dataset).',
  id: { resolve: (dataset) => dataset.id },
  fields: (t) => ({
    ...catalogueEntryFields(t, 'dataset'),
    task: t.field({
      type: TaskEnum,
      description: 'What it is labelled for.',
      resolve: (d) => d.task as never,
    }),
    versions: t.connection({
      type: DatasetVersionRef,
      description: 'Its versions, newest first.',
      resolve: (dataset, args, ctx) => ctx.loaders.datasetVersions(args).load(dataset.id),
    }),
    latestVersion: t.field({
      type: DatasetVersionRef,
      nullable: true,
      description: 'Its newest version, if it has any.',
      resolve: async (dataset, _args, ctx) =>
        (await ctx.loaders.datasetVersions({ first: 1 }).load(dataset.id)).edges[0]?.node ?? null,
    }),
  }),
});

builder.node(DatasetVersionRef, {
  description: 'One immutable, content-addressed version of a dataset.',
  id: { resolve: (version) => version.id },
  fields: (t) => ({
    dataset: t.field({
      type: DatasetRef,
      description: 'The dataset it is a version of.',
      resolve: async (version, _args, ctx) => (await ctx.loaders.dataset.load(version.datasetId))!,
    }),
    version: t.exposeString('version', {
      description: 'Its label, unique within the dataset (v1, v2... by default).',
    }),
    uri: t.exposeString('uri', {
      description: 'Where the content is: a file:// URL, or a remote URI.',
    }),
    format: t.field({
      type: DatasetFormatEnum,
      description: 'How it is laid out.',
      resolve: (v) => v.format as never,
    }),
    digest: t.exposeString('digest', {
      description: '`sha256:<hex>` of the content (see README for folders).',
    }),
    sizeBytes: t.float({
      nullable: true,
      description: 'Size of the content in bytes, when the hub could read it.',
      resolve: (version) => version.sizeBytes,
    }),
    metadata: t.expose('metadata', {
      type: 'JSON',
      description: 'MAITE-style metadata (index2label...).',
    }),
    itemCount: t.exposeInt('itemCount', {
      nullable: true,
      description: 'How many items (images, rows) it holds.',
    }),
    labels: t.exposeStringList('labels', {
      nullable: true,
      description: 'Its label set: from metadata.index2label, else as found in the content.',
    }),
    derivedFrom: t.field({
      type: DatasetVersionRef,
      nullable: true,
      description: 'WAS_DERIVED_FROM: the version this one was made from.',
      resolve: (version, _args, ctx) =>
        version.derivedFromId ? ctx.loaders.datasetVersion.load(version.derivedFromId) : null,
    }),
    transform: t.expose('transform', {
      type: 'JSON',
      nullable: true,
      description: 'How it was made from derivedFrom (the transform and its parameters).',
    }),
    derivations: t.connection({
      type: DatasetVersionRef,
      description: 'Versions derived from this one, newest first.',
      resolve: (version, args, ctx) => ctx.loaders.derivations(args).load(version.id),
    }),
    createdBy: t.exposeString('createdBy', { description: 'Who registered it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
  }),
});

catalogueListField(
  datasetCatalogue,
  DatasetRef,
  catalogueFilter('DatasetFilter', true),
  'Datasets you may see.',
);

const RegisterDatasetInput = builder.inputType('RegisterDatasetInput', {
  description: 'A dataset to register.',
  fields: (t) => ({
    project: t.string({ required: true, description: 'Project slug; created on first use.' }),
    name: t.string({ required: true, description: 'Unique within the project.' }),
    description: t.string({ description: 'What it is.' }),
    task: t.field({ type: TaskEnum, required: true, description: 'What it is labelled for.' }),
    tags: t.stringList({ description: 'Labels for finding it.' }),
  }),
});

const RegisterDatasetPayload = registrationPayload(
  'RegisterDatasetPayload',
  'dataset',
  DatasetRef,
  'dataset',
);

builder.mutationField('registerDataset', (t) =>
  t.field({
    type: RegisterDatasetPayload,
    description:
      'Registers a dataset, or returns the one of that name (updating its description and tags).',
    args: {
      input: t.arg({ type: RegisterDatasetInput, required: true, description: 'The dataset.' }),
    },
    errors: resultUnion('RegisterDatasetResult'),
    resolve: async (_root, { input }, ctx) => {
      const { entry, created } = await registerEntry(ctx, datasetCatalogue, input);
      return { value: entry, created };
    },
  }),
);

const DerivationInput = builder.inputType('DerivationInput', {
  description: 'WAS_DERIVED_FROM: the version a new version was made from, and how.',
  fields: (t) => ({
    datasetVersion: t.id({
      required: true,
      description: 'The source: its id, or "project/name@version".',
    }),
    transform: t.field({
      type: 'JSON',
      required: true,
      description: 'The transform and its parameters, e.g. {"name": "gaussian_blur", "sigma": 2}.',
    }),
  }),
});

const RegisterDatasetVersionInput = builder.inputType('RegisterDatasetVersionInput', {
  description: 'A dataset version to register.',
  fields: (t) => ({
    dataset: t.id({ required: true, description: 'The dataset: its id, or "project/name".' }),
    version: t.string({ description: 'Label; v1, v2... when absent.' }),
    uri: t.string({
      required: true,
      description:
        'An absolute local path or file:// URL (the hub computes the digest), or a remote URI.',
    }),
    format: t.field({
      type: DatasetFormatEnum,
      required: true,
      description: 'How it is laid out.',
    }),
    digest: t.string({
      description: '`sha256:<hex>`; checked against local content, required for remote.',
    }),
    metadata: t.field({
      type: 'JSON',
      description: 'MAITE-style metadata, e.g. {"index2label": {"0": "cat"}}.',
    }),
    derivedFrom: t.field({
      type: DerivationInput,
      description: 'The version it was derived from.',
    }),
  }),
});

const RegisterDatasetVersionPayload = registrationPayload(
  'RegisterDatasetVersionPayload',
  'datasetVersion',
  DatasetVersionRef,
  'dataset version',
);

builder.mutationField('registerDatasetVersion', (t) =>
  t.field({
    type: RegisterDatasetVersionPayload,
    description:
      'Registers an immutable version of a dataset. Identical content returns the version already recorded.',
    args: {
      input: t.arg({
        type: RegisterDatasetVersionInput,
        required: true,
        description: 'The version.',
      }),
    },
    errors: resultUnion('RegisterDatasetVersionResult'),
    resolve: async (_root, { input }, ctx) => {
      const { version, created } = await registerDatasetVersion(ctx, {
        ...input,
        dataset: String(input.dataset),
        derivedFrom: input.derivedFrom
          ? { ...input.derivedFrom, datasetVersion: String(input.derivedFrom.datasetVersion) }
          : null,
      });
      return { value: version, created };
    },
  }),
);
