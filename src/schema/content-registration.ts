// Registrations of versions whose local content is hashed in the background: their state
// and progress, read once or followed as they change.

import { brandWithType, type ObjectRef } from '@pothos/core';
import { decodeGlobalId, encodeGlobalId } from '../resolvers/core/global-id.ts';
import {
  type ContentRegistrationRow,
  contentRegistrationUpdates,
  findContentRegistration,
  type PendingRegistration,
  registrationFailure,
} from '../resolvers/registry/content-registrations.ts';
import { builder, type Types } from './builder.ts';
import { ErrorInterface, resultUnion } from './errors.ts';
import { DatasetVersionRef, ModelVersionRef, ProjectRef } from './refs.ts';

const TYPE = 'ContentRegistration';

export const ContentRegistrationStateEnum = builder.enumType('ContentRegistrationState', {
  description: 'Where a background registration is.',
  values: {
    QUEUED: { description: 'Waiting for a hub process to hash it.' },
    HASHING: { description: 'Its content is being hashed.' },
    DONE: { description: 'The version is registered.' },
    FAILED: { description: 'It was refused; `error` says why, and nothing was registered.' },
  },
});

export const ContentRegistrationRef = builder.objectRef<ContentRegistrationRow>(TYPE).implement({
  description:
    'A model or dataset version being registered from local content too large to hash in the request (EVALHUB_INLINE_HASH_BYTES): the hub hashes it in the background, then registers the version exactly as the request would have.',
  fields: (t) => ({
    id: t.id({
      description: 'Its id, for `contentRegistration` and `contentRegistrationProgress`.',
      resolve: (row) => encodeGlobalId(TYPE, row.id),
    }),
    project: t.field({
      type: ProjectRef,
      description: 'The project of the model or dataset.',
      resolve: async (row, _args, ctx) => (await ctx.loaders.project.load(row.projectId))!,
    }),
    state: t.field({
      type: ContentRegistrationStateEnum,
      description: 'Where it is.',
      resolve: (row) => row.state as never,
    }),
    bytesHashed: t.float({
      description: 'Bytes of its content hashed so far (all of them once done).',
      resolve: (row) => row.bytesHashed,
    }),
    bytesTotal: t.float({
      description: 'Bytes of its content.',
      resolve: (row) => row.bytesTotal,
    }),
    registeredModelVersion: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'Once done, the model version registered (null for a dataset).',
      resolve: (row, _args, ctx) =>
        row.modelVersionId ? ctx.loaders.modelVersion.load(row.modelVersionId) : null,
    }),
    registeredDatasetVersion: t.field({
      type: DatasetVersionRef,
      nullable: true,
      description: 'Once done, the dataset version registered (null for a model).',
      resolve: (row, _args, ctx) =>
        row.datasetVersionId ? ctx.loaders.datasetVersion.load(row.datasetVersionId) : null,
    }),
    versionCreated: t.boolean({
      nullable: true,
      description:
        'Once done: false when the same content was already registered, and that version is returned.',
      resolve: (row) => row.created,
    }),
    error: t.field({
      type: ErrorInterface,
      nullable: true,
      description: 'When failed: the typed error that stopped it, as the mutation would give it.',
      resolve: (row) => {
        const failure = registrationFailure(row);
        if (!failure) return null;
        // Told apart as the errors plugin's are: by the class it was made as.
        const error = { ...failure.fields };
        brandWithType(error, failure.type as never);
        return error as unknown as Error;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was asked.' }),
    finishedAt: t.expose('finishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was done or failed.',
    }),
  }),
});

const idOf = (globalId: string) => {
  const decoded = decodeGlobalId(globalId);
  return decoded?.type === TYPE ? decoded.id : null;
};

builder.queryField('contentRegistration', (t) =>
  t.field({
    type: ContentRegistrationRef,
    nullable: true,
    description: 'A background registration, if you may see its project.',
    args: { id: t.arg.id({ required: true, description: 'Its id.' }) },
    resolve: (_root, args, ctx) => {
      const id = idOf(String(args.id));
      return id ? findContentRegistration(ctx.db, ctx.actor, id) : null;
    },
  }),
);

builder.subscriptionField('contentRegistrationProgress', (t) =>
  t.field({
    type: ContentRegistrationRef,
    description:
      'A background registration as it is, then as it progresses, until it is done or failed (then the stream completes). Nothing when you may not see its project. If the hub loses its notification connection the stream ends with an error: subscribe again.',
    args: { id: t.arg.id({ required: true, description: 'Its id.' }) },
    subscribe: (_root, args, ctx) => {
      const id = idOf(String(args.id));
      return id
        ? contentRegistrationUpdates(ctx.db, ctx.actor, ctx.listener, id)
        : (async function* () {})();
    },
    resolve: (row: ContentRegistrationRow) => row,
  }),
);

/**
 * The `errors` option of a version registration: its payload, one of the typed errors, or
 * the ContentRegistration of content too large to hash in the request.
 */
export function registrationResult(
  name: string,
  payload: ObjectRef<Types, unknown>,
  payloadName: string,
  more: Parameters<typeof resultUnion>[1] = [],
) {
  const union = resultUnion(name, more);
  return {
    ...union,
    union: {
      ...union.union,
      description:
        'The payload; the registration, when the content is hashed in the background; or the error that stopped the change (nothing was changed then).',
      // The errors plugin's union holds the errors and the payload: the registration joins them.
      types: [...union.types, payload, ContentRegistrationRef],
      // Errors come wrapped by the plugin (not `instanceof Error`), each named as its type.
      resolveType: (value: object) =>
        isRegistration(value)
          ? TYPE
          : typeof (value as { name?: unknown }).name === 'string'
            ? (value as Error).name
            : payloadName,
    } as typeof union.union,
  };
}

const isRegistration = (value: object): value is ContentRegistrationRow =>
  'bytesTotal' in value && 'state' in value;

/** A registration's answer: the payload of the version, or its background registration. */
export function registrationAnswer<T>(
  result: { version: T; created: boolean } | PendingRegistration,
): { value: T; created: boolean } {
  // A ContentRegistration member of the union (registrationResult), told apart by its shape.
  return 'pending' in result
    ? (result.pending as never)
    : { value: result.version, created: result.created };
}
