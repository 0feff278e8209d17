// What an ONNX model version takes and gives, read when it was registered, and the typed
// refusal of a file that is not the model its format says.
import { ModelContentError } from '../resolvers/registry/model-signature.ts';
import type {
  ModelSignature,
  OpsetImport,
  ValueSignature,
} from '../runners/onnx/model-signature.ts';
import { builder } from './builder.ts';
import { ErrorInterface } from './errors.ts';
import { ModelVersionRef } from './refs.ts';

builder.objectType(ModelContentError, {
  name: 'ModelContentError',
  description:
    'The content registered as a model is not what its format says (e.g. a file that is not an ONNX model); nothing was registered.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    format: t.exposeString('format', { description: 'The format it was registered as.' }),
    path: t.stringList({
      description: 'Where in the input, e.g. ["input", "uri"].',
      resolve: (error) => error.inputPath,
    }),
  }),
});

const ModelValueRef = builder.objectRef<ValueSignature>('ModelValue').implement({
  description: "One of an ONNX model's graph inputs or outputs.",
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name in the graph.' }),
    elementType: t.exposeString('elementType', {
      description:
        'A tensor\'s element type as onnxruntime names it ("float32", "int64"...); other kinds spelled out, e.g. "seq(float32)".',
    }),
    shape: t.exposeStringList('shape', {
      nullable: true,
      description:
        'One entry per dimension: a size ("3"), a symbolic name ("batch"), or "?"; null when the model does not declare the rank.',
    }),
  }),
});

const OpsetImportRef = builder.objectRef<OpsetImport>('OpsetImport').implement({
  description: 'An operator set an ONNX model imports.',
  fields: (t) => ({
    domain: t.exposeString('domain', { description: '"ai.onnx" for the default domain.' }),
    version: t.exposeInt('version', { description: 'The opset version.' }),
  }),
});

const ModelSignatureRef = builder.objectRef<ModelSignature>('ModelSignature').implement({
  description: 'What an ONNX model takes and gives, read from the file when it was registered.',
  fields: (t) => ({
    inputs: t.field({
      type: [ModelValueRef],
      description: 'The inputs it is fed (initializers excluded), in graph order.',
      resolve: (signature) => signature.inputs,
    }),
    outputs: t.field({
      type: [ModelValueRef],
      description: 'The outputs it gives, in graph order.',
      resolve: (signature) => signature.outputs,
    }),
    opsets: t.field({
      type: [OpsetImportRef],
      description: 'The operator sets it imports.',
      resolve: (signature) => signature.opsets,
    }),
    irVersion: t.exposeInt('irVersion', { description: 'The ONNX IR version of the file.' }),
    producer: t.exposeString('producer', {
      nullable: true,
      description: 'The tool that wrote it, with its version ("pytorch 2.3.0"), if the file says.',
    }),
  }),
});

builder.objectFields(ModelVersionRef, (t) => ({
  signature: t.field({
    type: ModelSignatureRef,
    nullable: true,
    description:
      "An ONNX model's inputs, outputs and opsets, read when it was registered; null for other formats and for models at a uri the hub cannot read.",
    resolve: (version) => version.signature as ModelSignature | null,
  }),
}));
