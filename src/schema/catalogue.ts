// What models, datasets and workflows share in the schema: their enums, list filters,
// ordering, and the shape of registration payloads.
import type { ObjectRef } from '@pothos/core';
import type DataLoader from 'dataloader';
import {
  type Catalogue,
  type CatalogueOrderField,
  type CatalogueRow,
  catalogueOrdering,
  listEntries,
} from '../resolvers/registry/catalogue.ts';
import { builder, type Types } from './builder.ts';
import type { GraphQLContext } from './context.ts';
import { ProjectRef } from './refs.ts';

export const TaskEnum = builder.enumType('Task', {
  description: 'What a model does, or what a dataset is labelled for.',
  values: {
    IMAGE_CLASSIFICATION: { description: 'One label per image.' },
    OBJECT_DETECTION: { description: 'Labelled boxes per image.' },
    SEMANTIC_SEGMENTATION: { description: 'A label per pixel.' },
    TABULAR_CLASSIFICATION: { description: 'One label per row of features.' },
    REGRESSION: { description: 'A number per item.' },
    OTHER: { description: 'Anything else.' },
  },
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Ascending or descending.',
  values: {
    ASC: { description: 'Smallest, oldest or A first.' },
    DESC: { description: 'Largest, newest or Z first.' },
  },
});

export const CatalogueOrderFieldEnum = builder.enumType('CatalogueOrderField', {
  description: 'What a list of models, datasets or workflows is ordered by.',
  values: {
    CREATED_AT: { description: 'When it was registered.' },
    UPDATED_AT: { description: 'When it last changed or got a new version.' },
    NAME: { description: 'Its name.' },
  },
});

export const CatalogueOrder = builder.inputType('CatalogueOrder', {
  description: 'An ordering of models, datasets or workflows.',
  fields: (t) => ({
    field: t.field({
      type: CatalogueOrderFieldEnum,
      required: true,
      description: 'What to order by.',
    }),
    direction: t.field({ type: OrderDirectionEnum, required: true, description: 'Which way.' }),
  }),
});

export function catalogueFilter(name: string, withTask: boolean) {
  return builder.inputType(name, {
    description: 'Narrows a list; every given condition must hold.',
    fields: (t) => ({
      project: t.string({ description: 'Only in this project (slug).' }),
      search: t.string({ description: 'Only those whose name contains this text, ignoring case.' }),
      tag: t.string({ description: 'Only those carrying this tag.' }),
      ...(withTask
        ? { task: t.field({ type: TaskEnum, description: 'Only for this task.' }) }
        : {}),
    }),
  });
}

/** The root list field of a catalogue (`models`, `datasets`, `workflows`). */
export function catalogueListField(
  catalogue: Catalogue,
  ref: ObjectRef<Types, CatalogueRow>,
  filter: ReturnType<typeof catalogueFilter>,
  description: string,
) {
  builder.queryField(`${catalogue.entity}s`, (t) =>
    t.connection(
      {
        type: ref,
        description,
        args: {
          filter: t.arg({ type: filter, description: 'Conditions the items meet.' }),
          orderBy: t.arg({
            type: CatalogueOrder,
            description: 'Defaults to newest first.',
          }),
        },
        resolve: async (_root, args, ctx: GraphQLContext) => {
          const order = args.orderBy ?? { field: 'CREATED_AT', direction: 'DESC' };
          const ordering = catalogueOrdering(
            catalogue,
            order.field as CatalogueOrderField,
            order.direction,
          );
          const page = await listEntries(
            ctx,
            catalogue,
            args.filter ?? {},
            ordering,
            args,
            (project) => ctx.loaders.project.prime(project.id, project),
          );
          // Listed, so loaded: a version's `model` on the page costs nothing more.
          const entries = ctx.loaders[catalogue.entity] as DataLoader<string, CatalogueRow | null>;
          for (const { node } of page.edges) entries.prime(node.id, node);
          return page;
        },
      },
      { name: `${catalogue.type}Connection` },
      { name: `${catalogue.type}Edge` },
    ),
  );
}

/**
 * The payload of a registration: what was registered, and whether it is new; for a version,
 * the label it already had when it was not.
 */
export function registrationPayload<T>(
  name: string,
  field: string,
  type: ObjectRef<Types, T>,
  what: string,
  versioned = false,
) {
  return builder.objectRef<{ value: T; created: boolean }>(name).implement({
    description: `The ${what} registered.`,
    fields: (t) => ({
      // The generic T defeats Pothos' inference; the ref guarantees the shape.
      [field]: t.field({
        type,
        description: `The ${what}.`,
        resolve: (payload) => payload.value as never,
      }),
      created: t.exposeBoolean('created', {
        description: `False when the same ${what} was already recorded and is returned as it was.`,
      }),
      ...(versioned
        ? {
            alreadyRegisteredAs: t.string({
              nullable: true,
              description:
                'When `created` is false: the label this content was already registered under, which is the one kept (a different label you gave was not recorded). Null when created.',
              resolve: (payload) =>
                payload.created ? null : (payload.value as { version: string }).version,
            }),
          }
        : {}),
    }),
  });
}

/** The fields every catalogue entry has, described for `what` ("model", "dataset"...). */
export function catalogueEntryFields(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, CatalogueRow>,
  what: string,
) {
  return {
    project: t.field({
      type: ProjectRef,
      description: `The project the ${what} belongs to.`,
      resolve: async (entry, _args, ctx) => (await ctx.loaders.project.load(entry.projectId))!,
    }),
    name: t.exposeString('name', { description: 'Unique within its project.' }),
    description: t.exposeString('description', {
      description: `What the ${what} is, for a person to read.`,
    }),
    tags: t.exposeStringList('tags', { description: 'Lowercase labels for finding it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      description: 'When it last changed or got a new version.',
    }),
  };
}
