import { modelCatalogue } from '../resolvers/registry/catalogue.ts';
import { ModelContentError } from '../resolvers/registry/model-signature.ts';
import { registerModelVersion } from '../resolvers/registry/models.ts';
import { builder } from './builder.ts';
import {
  catalogueEntryFields,
  catalogueFilter,
  catalogueListField,
  registrationPayload,
} from './catalogue.ts';
import { registrationAnswer, registrationResult } from './content-registration.ts';
import { DatasetVersionRef, ModelRef, ModelVersionRef, VersionRef } from './refs.ts';
import { registerEntryMutation, versionedEntryFields, versionInputFields } from './versions.ts';

const MODEL_TASK = 'What it does.';

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
    ...versionedEntryFields(t, 'MODEL_VERSION', MODEL_TASK),
  }),
});

builder.node(ModelVersionRef, {
  description: 'One immutable, content-addressed version of a model.',
  interfaces: [VersionRef],
  id: { resolve: (version) => version.id },
  fields: (t) => ({
    model: t.field({
      type: ModelRef,
      description: 'The model it is a version of.',
      resolve: async (version, _args, ctx) => (await ctx.loaders.model.load(version.modelId))!,
    }),
    format: t.field({
      type: ModelFormatEnum,
      description: 'How it is stored.',
      resolve: (v) => v.format as never,
    }),
    trainedOn: t.field({
      type: [DatasetVersionRef],
      description: 'TRAINED_ON: the dataset versions it was trained on.',
      resolve: (version, _args, ctx) => ctx.loaders.trainingData.load(version.id),
    }),
  }),
});

catalogueListField(
  modelCatalogue,
  ModelRef,
  catalogueFilter('ModelFilter', true),
  'Models you may see.',
);

registerEntryMutation('MODEL_VERSION', ModelRef, MODEL_TASK);

const RegisterModelVersionInput = builder.inputType('RegisterModelVersionInput', {
  description: 'A model version to register.',
  fields: (t) => ({
    model: t.id({ required: true, description: 'The model: its id, or "project/name".' }),
    ...versionInputFields(t),
    format: t.field({ type: ModelFormatEnum, required: true, description: 'How it is stored.' }),
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
  true,
);

builder.mutationField('registerModelVersion', (t) =>
  t.field({
    type: RegisterModelVersionPayload,
    description:
      'Registers an immutable version of a model. Identical content returns the version already recorded. ' +
      'An ONNX file the hub can read is opened first: its signature is recorded, and a file that is not an ONNX model is refused (ModelContentError).',
    args: {
      input: t.arg({
        type: RegisterModelVersionInput,
        required: true,
        description: 'The version.',
      }),
    },
    errors: registrationResult(
      'RegisterModelVersionResult',
      RegisterModelVersionPayload,
      'RegisterModelVersionPayload',
      [ModelContentError],
    ),
    resolve: async (_root, { input }, ctx) => {
      const result = await registerModelVersion(ctx, {
        ...input,
        model: String(input.model),
        trainedOn: input.trainedOn?.map(String),
      });
      return registrationAnswer(result);
    },
  }),
);
