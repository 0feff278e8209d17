// Lineage: trace, impact and lineagePath, and the graph they answer with.
import { encodeGlobalId } from '../resolvers/core/global-id.ts';
import { lineageProvDocument } from '../resolvers/lineage/prov.ts';
import {
  findLineagePath,
  impactOf,
  type LineageEdge,
  type LineageGraph,
  type LineageNode,
  type LineagePath,
  traceLineage,
} from '../resolvers/lineage/trace.ts';
import { builder } from './builder.ts';
import type { GraphQLContext } from './context.ts';
import { loadNode } from './node.ts';
import { ArtifactRef, DatasetVersionRef, FindingRef, ModelVersionRef, RunRef } from './refs.ts';

const LineageDirectionEnum = builder.enumType('LineageDirection', {
  description: 'Which way to walk the lineage graph.',
  values: {
    UPSTREAM: { description: 'Towards what a node came from: inputs, sources, causes.' },
    DOWNSTREAM: { description: 'Towards what came of a node: runs, results, derived versions.' },
    BOTH: { description: 'Both ways from the start (not sideways from the nodes reached).' },
  } as const,
});

const LineageRelationEnum = builder.enumType('LineageRelation', {
  description: 'The W3C PROV verb of an edge, read from `from` to `to`.',
  values: {
    USED: { description: 'A run used a model or dataset version (role: the input role).' },
    GENERATED: {
      description: 'A run generated a finding, artifact or version (role: the output name).',
    },
    WAS_DERIVED_FROM: { description: 'A dataset version was derived from another one.' },
    TRAINED_ON: { description: 'A model version was trained on a dataset version.' },
    PART_OF: { description: 'A step run is part of a workflow run (role: the step id).' },
    EXECUTED: {
      description: 'A run executed a workflow version (role: the step id, for a step).',
    },
    REPRODUCES: {
      description: 'A run re-executed another to check that its results come out the same.',
    },
    VERSION_OF: { description: 'A version is a version of a model, dataset or workflow.' },
  } as const,
});

const globalIdOf = (node: { type: string; id: string }) => encodeGlobalId(node.type, node.id);

const LineageNodeRef = builder.objectRef<LineageNode>('LineageNode').implement({
  description: 'A node of a lineage graph and its distance from where the walk started.',
  fields: (t) => ({
    id: t.id({ description: 'Its global id.', resolve: globalIdOf }),
    type: t.exposeString('type', { description: 'Its GraphQL type, e.g. "DatasetVersion".' }),
    depth: t.exposeInt('depth', {
      description: 'Fewest steps from the start (0 for the start itself).',
    }),
    node: t.field({
      type: builder.nodeInterfaceRef(),
      description: 'The object itself, to ask for its fields (digests, config, seed...).',
      resolve: async (node, _args, ctx) => (await loadNode(ctx, globalIdOf(node)))!,
    }),
  }),
});

const LineageEdgeRef = builder.objectRef<LineageEdge>('LineageEdge').implement({
  description: 'An edge: `from` <relation> `to`, e.g. a run USED a dataset version.',
  fields: (t) => ({
    from: t.id({ description: 'Global id of the subject.', resolve: (e) => globalIdOf(e.from) }),
    to: t.id({ description: 'Global id of the object.', resolve: (e) => globalIdOf(e.to) }),
    relation: t.field({
      type: LineageRelationEnum,
      description: 'The verb.',
      resolve: (e) => e.relation,
    }),
    role: t.string({
      nullable: true,
      description: 'The input role, output name or step id the edge carries, if any.',
      resolve: (e) => e.role,
    }),
  }),
});

const LineageGraphRef = builder.objectRef<LineageGraph>('LineageGraph').implement({
  description:
    'The nodes reached from a start and the edges between them. Nodes in projects you may not see are never shown, and the walk does not pass through them.',
  fields: (t) => ({
    start: t.id({
      description: 'Global id of where the walk started.',
      resolve: (g) => globalIdOf(g.start),
    }),
    nodes: t.field({
      type: [LineageNodeRef],
      description: 'Nearest first.',
      resolve: (g) => g.nodes,
    }),
    edges: t.field({
      type: [LineageEdgeRef],
      description: 'Edges between the nodes.',
      resolve: (g) => g.edges,
    }),
    isPartial: t.boolean({
      description: 'Whether `depth` or `maxNodes` left nodes out.',
      resolve: (g) => g.truncatedAt !== null,
    }),
    truncatedAt: t.int({
      nullable: true,
      description:
        'The depth at which nodes were left out: the `depth` limit, or the level where `maxNodes` ran out. Null when the graph is complete.',
      resolve: (g) => g.truncatedAt,
    }),
    hiddenNodes: t.boolean({
      description:
        'Whether the walk stopped at nodes in projects you may not see (they are not shown).',
      resolve: (g) => g.hiddenNodes,
    }),
    hiddenNodeCount: t.int({
      description:
        'How many distinct nodes the walk stopped at because they are in projects you may not see (0 when none): counted, never shown.',
      resolve: (g) => g.hiddenNodeCount,
    }),
    prov: t.field({
      type: 'JSON',
      description: 'The graph as a W3C PROV-JSON document, with each node’s identifying facts.',
      resolve: (g, _args, ctx) => lineageProvDocument(ctx, g),
    }),
  }),
});

/** Nodes of one type downstream of the start, loaded through the request's DataLoaders. */
function nodesOfType<T>(
  graph: LineageGraph,
  type: string,
  load: (id: string) => Promise<T | null>,
): Promise<T[]> {
  // The start (depth 0) is what the impact is of, not part of it.
  const nodes = graph.nodes.filter((n) => n.type === type && n.depth > 0);
  return Promise.all(nodes.map((n) => load(n.id))).then((rows) =>
    rows.filter((row): row is Awaited<T> => row !== null),
  );
}

const ImpactRef = builder.objectRef<LineageGraph>('Impact').implement({
  description:
    'Everything downstream of a node: the runs that used it, what they concluded, the versions derived from it, and so on down.',
  fields: (t) => ({
    graph: t.field({
      type: LineageGraphRef,
      description: 'The whole downstream graph.',
      resolve: (g) => g,
    }),
    isPartial: t.boolean({
      description: 'Whether `maxNodes` left nodes out.',
      resolve: (g) => g.truncatedAt !== null,
    }),
    findings: t.field({
      type: [FindingRef],
      description: 'Findings now suspect, most severe first.',
      resolve: async (g, _args, ctx: GraphQLContext) => {
        const rank = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];
        const rows = await nodesOfType(g, 'Finding', (id) => ctx.loaders.finding.load(id));
        return rows.sort((a, b) => rank.indexOf(a.severity) - rank.indexOf(b.severity));
      },
    }),
    runs: t.field({
      type: [RunRef],
      description: 'Runs downstream.',
      resolve: (g, _args, ctx) => nodesOfType(g, 'Run', (id) => ctx.loaders.run.load(id)),
    }),
    datasetVersions: t.field({
      type: [DatasetVersionRef],
      description: 'Dataset versions derived or generated downstream.',
      resolve: (g, _args, ctx) =>
        nodesOfType(g, 'DatasetVersion', (id) => ctx.loaders.datasetVersion.load(id)),
    }),
    modelVersions: t.field({
      type: [ModelVersionRef],
      description: 'Model versions trained or generated downstream.',
      resolve: (g, _args, ctx) =>
        nodesOfType(g, 'ModelVersion', (id) => ctx.loaders.modelVersion.load(id)),
    }),
    artifacts: t.field({
      type: [ArtifactRef],
      description: 'Artifacts generated downstream.',
      resolve: (g, _args, ctx) => nodesOfType(g, 'Artifact', (id) => ctx.loaders.artifact.load(id)),
    }),
  }),
});

const LineagePathRef = builder.objectRef<LineagePath>('LineagePath').implement({
  description: 'A shortest chain of edges from one node to another.',
  fields: (t) => ({
    direction: t.field({
      type: LineageDirectionEnum,
      description: 'UPSTREAM when `to` is among what `from` came from; DOWNSTREAM otherwise.',
      resolve: (p) => p.direction,
    }),
    nodes: t.field({
      type: [LineageNodeRef],
      description: 'From `from` to `to`.',
      resolve: (p) => p.nodes,
    }),
    edges: t.field({
      type: [LineageEdgeRef],
      description: 'The edges between consecutive nodes, in order.',
      resolve: (p) => p.edges,
    }),
  }),
});

builder.queryFields((t) => ({
  trace: t.field({
    type: LineageGraphRef,
    nullable: true,
    description:
      'The lineage graph around a node: UPSTREAM from a finding reaches its run, the workflow version, every model and dataset version the run used, and all they were derived from or trained on. A model, dataset or workflow starts from all its versions. One SQL statement whatever the depth; cycles are safe. Null when the node does not exist or is not visible.',
    args: {
      id: t.arg.id({ required: true, description: 'Global id of where to start.' }),
      direction: t.arg({
        type: LineageDirectionEnum,
        defaultValue: 'UPSTREAM',
        required: true,
        description: 'Which way to walk.',
      }),
      depth: t.arg.int({
        defaultValue: 10,
        required: true,
        description: 'How many steps at most (0 to 1000).',
      }),
      maxNodes: t.arg.int({
        defaultValue: 1000,
        required: true,
        description: 'How many nodes at most (1 to 10000).',
      }),
    },
    resolve: (_root, args, ctx) =>
      traceLineage(ctx, {
        id: String(args.id),
        direction: args.direction,
        depth: args.depth,
        maxNodes: args.maxNodes,
      }),
  }),
  impact: t.field({
    type: ImpactRef,
    nullable: true,
    description:
      'Everything downstream of a node, however deep: "this dataset version had a labelling bug; which findings are now suspect?" Null when the node does not exist or is not visible.',
    args: {
      id: t.arg.id({ required: true, description: 'Global id of a version, run or other node.' }),
      maxNodes: t.arg.int({
        defaultValue: 1000,
        required: true,
        description: 'How many nodes at most (1 to 10000).',
      }),
    },
    resolve: (_root, args, ctx) => impactOf(ctx, String(args.id), args.maxNodes),
  }),
  lineagePath: t.field({
    type: LineagePathRef,
    nullable: true,
    description:
      'A shortest path from one node to another, following edges one way (upstream, else downstream); null when there is none within 100 steps and 5000 nodes.',
    args: {
      from: t.arg.id({ required: true, description: 'Global id of the first node.' }),
      to: t.arg.id({ required: true, description: 'Global id of the last node.' }),
    },
    resolve: (_root, args, ctx) => findLineagePath(ctx, String(args.from), String(args.to)),
  }),
}));
