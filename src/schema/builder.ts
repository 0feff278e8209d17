import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import { decodeGlobalId, encodeGlobalId } from '../resolvers/core/global-id.ts';
import type { GraphQLContext } from './context.ts';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: Date; Output: Date };
  };
  /** Every connection can count its rows, lazily: the count is a statement of its own. */
  Connection: { totalCount: number | (() => Promise<number>) };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  plugins: [ErrorsPlugin, RelayPlugin],
  // Fields are non-null unless they say otherwise: the schema then states what may be missing.
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    encodeGlobalID: (type, id) => encodeGlobalId(type, String(id)),
    decodeGlobalID: (globalId) => {
      const decoded = decodeGlobalId(globalId);
      // An unreadable id is an id of no type, which `node` answers with null.
      return decoded ? { typename: decoded.type, id: decoded.id } : { typename: '', id: globalId };
    },
    nodeTypeOptions: { description: 'An object with a global id, fetchable with `node(id:)`.' },
    pageInfoTypeOptions: { description: 'Where a page sits in its connection.' },
    // node and nodes are defined in node.ts, which answers null for a malformed id.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    idFieldOptions: { description: 'Global id, usable with `node(id:)`.' },
    defaultConnectionTypeOptions: {
      description: 'A page of items, with cursors to fetch the pages around it.',
    },
    defaultEdgeTypeOptions: { description: 'An item of a page, with its cursor.' },
    cursorFieldOptions: { description: 'Opaque position of this edge, for `after` and `before`.' },
    edgesFieldOptions: {
      nullable: { list: false, items: false },
      description: 'The items of this page, each with its cursor.',
    },
    nodeFieldOptions: { nullable: false, description: 'The item.' },
    pageInfoFieldOptions: {
      description: 'Whether there are more pages, and the cursors bounding this one.',
    },
    hasNextPageFieldOptions: { description: 'Whether items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first edge of the page.' },
    endCursorFieldOptions: { description: 'Cursor of the last edge of the page.' },
    firstArgOptions: {
      description: 'Page forward: at most this many items (default 20, at most 500).',
    },
    afterArgOptions: { description: 'Page forward from this cursor.' },
    lastArgOptions: { description: 'Page backward: at most this many items.' },
    beforeArgOptions: { description: 'Page backward from this cursor.' },
  },
  errors: { defaultTypes: [] },
});

/** The schema types of this builder, for helpers that build fields outside a type definition. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

builder.queryType({ description: 'Reads of the lineage graph.' });
builder.mutationType({
  description: 'Changes to the lineage graph; each returns a typed result union.',
});

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'How many items the connection holds in all, across every page.',
    resolve: (connection) =>
      typeof connection.totalCount === 'function' ? connection.totalCount() : connection.totalCount,
  }),
);
