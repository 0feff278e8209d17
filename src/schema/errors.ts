// The typed failures of mutations. Each error class of src/resolvers/core/errors.ts becomes an
// object type implementing `Error`, so clients can ask `... on Error { message }`.
import {
  ConflictError,
  DigestMismatchError,
  domainErrors,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../resolvers/core/errors.ts';
import { encodeGlobalId } from '../resolvers/core/global-id.ts';
import { builder } from './builder.ts';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'A failure the caller can act on; nothing was changed.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for a person to read.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input is wrong.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    path: t.stringList({
      description: 'Where in the input, e.g. ["input", "digest"].',
      resolve: (error) => error.inputPath,
    }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'Nothing you may see answers to a reference in the input.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    entity: t.exposeString('entity', {
      description: 'The kind of thing looked for, e.g. "model".',
    }),
    ref: t.exposeString('ref', { description: 'The reference as given.' }),
  }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description:
    'The change contradicts what is recorded, e.g. new content under a used version label.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    existingId: t.id({
      nullable: true,
      description: 'Global id of the record it conflicts with, when there is one.',
      resolve: (error) =>
        error.existing ? encodeGlobalId(error.existing.type, error.existing.id) : null,
    }),
  }),
});

builder.objectType(DigestMismatchError, {
  name: 'DigestMismatchError',
  description: 'The digest given is not the digest of the content at the uri.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    expected: t.exposeString('expected', { description: 'The digest given.' }),
    actual: t.exposeString('actual', { description: 'The digest of the content.' }),
  }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'You may see the project, but your role there does not allow this change.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    project: t.exposeString('project', {
      nullable: true,
      description: 'The project (slug); null for what only a hub admin may do.',
    }),
    required: t.exposeString('required', { description: 'The role the change takes.' }),
    held: t.exposeString('held', {
      nullable: true,
      description: 'The role you hold there (null for what only an admin may do).',
    }),
  }),
});

/** The `errors` option of a mutation: its payload, or one of the typed errors, as union `name`. */
export const resultUnion = (
  name: string,
  /** Error classes of this mutation only, each made an object type implementing `Error`. */
  // biome-ignore lint/suspicious/noExplicitAny: error classes take any constructor arguments
  more: ReadonlyArray<new (...args: any[]) => Error> = [],
) => ({
  types: [...domainErrors, ...more],
  directResult: true as const,
  union: {
    name,
    description: 'The payload, or the error that stopped the change (nothing was changed then).',
  },
});
