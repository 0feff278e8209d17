// `node(id:)` and `nodes(ids:)`: any object of the graph by its global id, through the
// request's DataLoaders (so scope applies). A malformed or unknown id answers null.
import { brandWithType } from '@pothos/core';
import { decodeGlobalId } from '../resolvers/core/global-id.ts';
import { boundedList, MAX_NODE_IDS } from '../resolvers/core/list-limit.ts';
import { builder } from './builder.ts';
import type { GraphQLContext } from './context.ts';

type NodeLoader = (ctx: GraphQLContext, id: string) => Promise<object | null>;

const nodeLoaders: Record<string, NodeLoader> = {
  Project: (ctx, id) => ctx.loaders.project.load(id),
  Model: (ctx, id) => ctx.loaders.model.load(id),
  ModelVersion: (ctx, id) => ctx.loaders.modelVersion.load(id),
  Dataset: (ctx, id) => ctx.loaders.dataset.load(id),
  DatasetVersion: (ctx, id) => ctx.loaders.datasetVersion.load(id),
  Workflow: (ctx, id) => ctx.loaders.workflow.load(id),
  WorkflowVersion: (ctx, id) => ctx.loaders.workflowVersion.load(id),
  Run: (ctx, id) => ctx.loaders.run.load(id),
  Finding: (ctx, id) => ctx.loaders.finding.load(id),
  Artifact: (ctx, id) => ctx.loaders.artifact.load(id),
};

export async function loadNode(ctx: GraphQLContext, globalId: string): Promise<object | null> {
  const decoded = decodeGlobalId(globalId);
  const load = decoded && nodeLoaders[decoded.type];
  if (!load) return null;
  const node = await load(ctx, decoded.id);
  // The brand tells the Node interface which object type this row is.
  if (node) brandWithType(node, decoded.type as never);
  return node;
}

builder.queryFields((t) => ({
  node: t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description:
      'Any object by its global id; null when it does not exist or is not visible to you.',
    args: { id: t.arg.id({ required: true, description: 'A global id.' }) },
    resolve: (_root, { id }, ctx) => loadNode(ctx, String(id)),
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description:
      'Objects by their global ids, in order; null for each that does not exist or is not visible.',
    args: {
      ids: t.arg.idList({ required: true, description: `Global ids, at most ${MAX_NODE_IDS}.` }),
    },
    resolve: (_root, { ids }, ctx) =>
      Promise.all(boundedList(ids, MAX_NODE_IDS, 'ids').map((id) => loadNode(ctx, String(id)))),
  }),
}));
