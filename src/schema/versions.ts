// What model and dataset versions share in the schema: the Version interface (their common
// fields), their entry's `versions` and `latestVersion`, the fields of their registration
// input, and the mutation registering their entry.
import type { ObjectRef } from '@pothos/core';
import type { Connection } from '../resolvers/core/pagination.ts';
import { type CatalogueRow, registerEntry } from '../resolvers/registry/catalogue.ts';
import { type VersionRow, versionCatalogue } from '../resolvers/registry/version-catalogue.ts';
import type { VersionKind } from '../runners/contract.ts';
import { builder, type Types } from './builder.ts';
import { registrationPayload, TaskEnum } from './catalogue.ts';
import type { GraphQLContext } from './context.ts';
import { resultUnion } from './errors.ts';
import { asksTotalCount } from './lookahead.ts';
import { DatasetVersionRef, ModelVersionRef, VersionRef } from './refs.ts';

VersionRef.implement({
  description: 'An immutable, content-addressed version of a model or a dataset.',
  resolveType: (version) => ('modelId' in version ? 'ModelVersion' : 'DatasetVersion'),
  fields: (t) => ({
    version: t.exposeString('version', {
      description: 'Its label, unique within its model or dataset (v1, v2... by default).',
    }),
    uri: t.exposeString('uri', {
      description:
        "Where its content is: a file:// URL, content:sha256:<hex> (uploaded to the hub's store), or a remote URI.",
    }),
    digest: t.exposeString('digest', {
      description: '`sha256:<hex>` of its content (see README for folders).',
    }),
    sizeBytes: t.float({
      nullable: true,
      description: 'Size of its content in bytes, when the hub could read it.',
      resolve: (version) => version.sizeBytes,
    }),
    metadata: t.expose('metadata', {
      type: 'JSON',
      description: 'MAITE-style metadata (index2label, input shape...).',
    }),
    labels: t.exposeStringList('labels', {
      nullable: true,
      description:
        'Class names in index order: from metadata.index2label, else (datasets) as found in the content.',
    }),
    createdBy: t.exposeString('createdBy', { description: 'Who registered it.' }),
    createdByName: t.string({
      description: "Who registered it, for people to read: a token's owner and name, or the user.",
      resolve: (row, _args, ctx) => ctx.loaders.actorName.load(row.createdBy),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
  }),
});

/** The page loader of each kind's versions. */
const pagesOf = (kind: VersionKind, ctx: GraphQLContext) =>
  kind === 'MODEL_VERSION' ? ctx.loaders.modelVersions : ctx.loaders.datasetVersions;

/** A model's or dataset's `task`, `versions` and `latestVersion`. */
export function versionedEntryFields(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, CatalogueRow>,
  kind: VersionKind,
  task: string,
) {
  const versionRef = (kind === 'MODEL_VERSION' ? ModelVersionRef : DatasetVersionRef) as ObjectRef<
    Types,
    VersionRow
  >;
  return {
    task: t.field({ type: TaskEnum, description: task, resolve: (entry) => entry.task as never }),
    versions: t.connection({
      type: versionRef,
      description: 'Its versions, newest first.',
      resolve: (entry, args, ctx, info) =>
        pagesOf(kind, ctx)({ ...args, withTotal: asksTotalCount(info) }).load(entry.id) as Promise<
          Connection<VersionRow>
        >,
    }),
    latestVersion: t.field({
      type: versionRef,
      nullable: true,
      description: 'Its newest version, if it has any.',
      resolve: async (entry, _args, ctx) =>
        (await pagesOf(kind, ctx)({ first: 1 }).load(entry.id)).edges[0]?.node ?? null,
    }),
  };
}

/** The fields of a version's registration input that both kinds have, but its entry's. */
export function versionInputFields(t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) {
  return {
    version: t.string({ description: 'Label; v1, v2... when absent.' }),
    uri: t.string({
      required: true,
      description:
        'An absolute local path or file:// URL (the hub computes the digest), content:sha256:<hex> for content uploaded to the project (PUT /api/v1/content/sha256/<hex>), or a remote URI.',
    }),
    digest: t.string({
      description: '`sha256:<hex>`; checked against local content, required for remote.',
    }),
    metadata: t.field({
      type: 'JSON',
      description: 'MAITE-style metadata, e.g. {"index2label": {"0": "cat"}}.',
    }),
  };
}

/** `registerModel` / `registerDataset`: registers an entry, or returns the one of that name. */
export function registerEntryMutation(
  kind: VersionKind,
  entryRef: ObjectRef<Types, CatalogueRow>,
  task: string,
) {
  const { catalogue } = versionCatalogue(kind);
  const { entity, type } = catalogue;
  const input = builder.inputType(`Register${type}Input`, {
    description: `A ${entity} to register.`,
    fields: (t) => ({
      project: t.string({ required: true, description: 'Project slug; created on first use.' }),
      name: t.string({ required: true, description: 'Unique within the project.' }),
      description: t.string({ description: 'What it is.' }),
      task: t.field({ type: TaskEnum, required: true, description: task }),
      tags: t.stringList({ description: 'Labels for finding it.' }),
    }),
  });
  const payload = registrationPayload(`Register${type}Payload`, entity, entryRef, entity);
  builder.mutationField(`register${type}`, (t) =>
    t.field({
      type: payload,
      description: `Registers a ${entity}, or returns the one of that name (updating its description and tags).`,
      args: { input: t.arg({ type: input, required: true, description: `The ${entity}.` }) },
      errors: resultUnion(`Register${type}Result`),
      resolve: async (_root, args, ctx) => {
        const { entry, created } = await registerEntry(ctx, catalogue, args.input);
        return { value: entry, created };
      },
    }),
  );
}
