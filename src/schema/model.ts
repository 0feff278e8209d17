import { modelCatalogue, registerEntry } from '../resolvers/registry/catalogue.ts';
import { registerModelVersion } from '../resolvers/registry/models.ts';
import { builder } from './builder.ts';
import {
  catalogueEntryFields,
  catalogueFilter,
  catalogueListField,
  registrationPayload,
  TaskEnum,
} from './catalogue.ts';
import { resultUnion } from './errors.ts';
import { DatasetVersionRef, ModelRef, ModelVersionRef } from './refs.ts';

export const ModelFormatEnum = builder.enumType('ModelFormat', {
  description: 'How a model version is stored or reached.',
  values: {
    ONNX: { description: 'An ONNX file, run on CPU by the hub with onnxruntime.' },
    ENDPOINT: { description: 'An HTTP endpoint that answers predictions.' },
    PREDICTIONS: { description: 'A file of predictions made elsewhere.' },
    OTHER: { description: 'Anything else; the hub records it but cannot run it.' },
  },
});

builder.node(ModelRef, {
  description: 'A model: a named line of versions in a project (MAITE Model).',
  id: { resolve: (model) => model.id },
  fields: (t) => ({
    ...catalogueEntryFields(t, 'model'),
    task: t.field({
      type: TaskEnum,
      description: 'What it does.',
      resolve: (model) => model.task as never,
    }),
    versions: t.connection({
      type: ModelVersionRef,
      description: 'Its versions, newest first.',
      resolve: (model, args, ctx) => ctx.loaders.modelVersions(args).load(model.id),
    }),
    latestVersion: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'Its newest version, if it has any.',
      resolve: async (model, _args, ctx) =>
        (await ctx.loaders.modelVersions({ first: 1 }).load(model.id)).edges[0]?.node ?? null,
    }),
  }),
});

builder.node(ModelVersionRef, {
  description: 'One immutable, content-addressed version of a model.',
  id: { resolve: (version) => version.id },
  fields: (t) => ({
    model: t.field({
      type: ModelRef,
      description: 'The model it is a version of.',
      resolve: async (version, _args, ctx) => (await ctx.loaders.model.load(version.modelId))!,
    }),
    version: t.exposeString('version', {
      description: 'Its label, unique within the model (v1, v2... by default).',
    }),
    uri: t.exposeString('uri', {
      description: 'Where the artifact is: a file:// URL, or a remote URI.',
    }),
    format: t.field({
      type: ModelFormatEnum,
      description: 'How it is stored.',
      resolve: (v) => v.format as never,
    }),
    digest: t.exposeString('digest', {
      description: '`sha256:<hex>` of the artifact (see README for folders).',
    }),
    sizeBytes: t.float({
      nullable: true,
      description: 'Size of the artifact in bytes, when the hub could read it.',
      resolve: (version) => version.sizeBytes,
    }),
    metadata: t.expose('metadata', {
      type: 'JSON',
      description: 'MAITE-style metadata (index2label, input shape...).',
    }),
    labels: t.exposeStringList('labels', {
      nullable: true,
      description: 'Class names in index order, from metadata.index2label.',
    }),
    trainedOn: t.field({
      type: [DatasetVersionRef],
      description: 'TRAINED_ON: the dataset versions it was trained on.',
      resolve: (version, _args, ctx) => ctx.loaders.trainingData.load(version.id),
    }),
    createdBy: t.exposeString('createdBy', { description: 'Who registered it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
  }),
});

catalogueListField(
  modelCatalogue,
  ModelRef,
  catalogueFilter('ModelFilter', true),
  'Models you may see.',
);

const RegisterModelInput = builder.inputType('RegisterModelInput', {
  description: 'A model to register.',
  fields: (t) => ({
    project: t.string({ required: true, description: 'Project slug; created on first use.' }),
    name: t.string({ required: true, description: 'Unique within the project.' }),
    description: t.string({ description: 'What it is.' }),
    task: t.field({ type: TaskEnum, required: true, description: 'What it does.' }),
    tags: t.stringList({ description: 'Labels for finding it.' }),
  }),
});

const RegisterModelPayload = registrationPayload(
  'RegisterModelPayload',
  'model',
  ModelRef,
  'model',
);

builder.mutationField('registerModel', (t) =>
  t.field({
    type: RegisterModelPayload,
    description:
      'Registers a model, or returns the one of that name (updating its description and tags).',
    args: { input: t.arg({ type: RegisterModelInput, required: true, description: 'The model.' }) },
    errors: resultUnion('RegisterModelResult'),
    resolve: async (_root, { input }, ctx) => {
      const { entry, created } = await registerEntry(ctx, modelCatalogue, input);
      return { value: entry, created };
    },
  }),
);

const RegisterModelVersionInput = builder.inputType('RegisterModelVersionInput', {
  description: 'A model version to register.',
  fields: (t) => ({
    model: t.id({ required: true, description: 'The model: its id, or "project/name".' }),
    version: t.string({ description: 'Label; v1, v2... when absent.' }),
    uri: t.string({
      required: true,
      description:
        'An absolute local path or file:// URL (the hub computes the digest), or a remote URI.',
    }),
    format: t.field({ type: ModelFormatEnum, required: true, description: 'How it is stored.' }),
    digest: t.string({
      description: '`sha256:<hex>`; checked against local content, required for remote.',
    }),
    metadata: t.field({
      type: 'JSON',
      description: 'MAITE-style metadata, e.g. {"index2label": {"0": "cat"}}.',
    }),
    trainedOn: t.idList({
      description: 'Dataset versions it was trained on: ids or "project/name@version".',
    }),
  }),
});

const RegisterModelVersionPayload = registrationPayload(
  'RegisterModelVersionPayload',
  'modelVersion',
  ModelVersionRef,
  'model version',
);

builder.mutationField('registerModelVersion', (t) =>
  t.field({
    type: RegisterModelVersionPayload,
    description:
      'Registers an immutable version of a model. Identical content returns the version already recorded.',
    args: {
      input: t.arg({
        type: RegisterModelVersionInput,
        required: true,
        description: 'The version.',
      }),
    },
    errors: resultUnion('RegisterModelVersionResult'),
    resolve: async (_root, { input }, ctx) => {
      const { version, created } = await registerModelVersion(ctx, {
        ...input,
        model: String(input.model),
        trainedOn: input.trainedOn?.map(String),
      });
      return { value: version, created };
    },
  }),
);
