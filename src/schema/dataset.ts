import { datasetCatalogue } from '../resolvers/registry/catalogue.ts';
import { registerDatasetVersion } from '../resolvers/registry/datasets.ts';
import { builder } from './builder.ts';
import {
  catalogueEntryFields,
  catalogueFilter,
  catalogueListField,
  registrationPayload,
} from './catalogue.ts';
import { registrationAnswer, registrationResult } from './content-registration.ts';
import { asksTotalCount } from './lookahead.ts';
import { DatasetRef, DatasetVersionRef, VersionRef } from './refs.ts';
import { registerEntryMutation, versionedEntryFields, versionInputFields } from './versions.ts';

const DATASET_TASK = 'What it is labelled for.';

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
    ...versionedEntryFields(t, 'DATASET_VERSION', DATASET_TASK),
  }),
});

builder.node(DatasetVersionRef, {
  description: 'One immutable, content-addressed version of a dataset.',
  interfaces: [VersionRef],
  id: { resolve: (version) => version.id },
  fields: (t) => ({
    dataset: t.field({
      type: DatasetRef,
      description: 'The dataset it is a version of.',
      resolve: async (version, _args, ctx) => (await ctx.loaders.dataset.load(version.datasetId))!,
    }),
    format: t.field({
      type: DatasetFormatEnum,
      description: 'How it is laid out.',
      resolve: (v) => v.format as never,
    }),
    itemCount: t.exposeInt('itemCount', {
      nullable: true,
      description: 'How many items (images, rows) it holds.',
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
      resolve: (version, args, ctx, info) =>
        ctx.loaders.derivations({ ...args, withTotal: asksTotalCount(info) }).load(version.id),
    }),
  }),
});

catalogueListField(
  datasetCatalogue,
  DatasetRef,
  catalogueFilter('DatasetFilter', true),
  'Datasets you may see.',
);

registerEntryMutation('DATASET_VERSION', DatasetRef, DATASET_TASK);

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
    ...versionInputFields(t),
    format: t.field({
      type: DatasetFormatEnum,
      required: true,
      description: 'How it is laid out.',
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
  true,
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
    errors: registrationResult(
      'RegisterDatasetVersionResult',
      RegisterDatasetVersionPayload,
      'RegisterDatasetVersionPayload',
    ),
    resolve: async (_root, { input }, ctx) => {
      const result = await registerDatasetVersion(ctx, {
        ...input,
        dataset: String(input.dataset),
        derivedFrom: input.derivedFrom
          ? { ...input.derivedFrom, datasetVersion: String(input.derivedFrom.datasetVersion) }
          : null,
      });
      return registrationAnswer(result);
    },
  }),
);
