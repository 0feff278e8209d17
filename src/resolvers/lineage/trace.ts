// Lineage: trace a node up to what it came from or down to what came of it, the impact of
// a version, and a shortest path between two nodes. The walking is walk.ts's one
// statement; this file decides where a walk starts, its limits, and what a client sees.

import { and, eq } from 'drizzle-orm';
import {
  artifacts,
  datasets,
  datasetVersions,
  findings,
  models,
  modelVersions,
  runs,
  workflows,
  workflowVersions,
} from '../../db/schema.ts';
import { visibleProjects, visibleSlugs } from '../core/actor.ts';
import type { ServiceContext } from '../core/context.ts';
import { ValidationError } from '../core/errors.ts';
import { decodeGlobalId } from '../core/global-id.ts';
import { selectVersions } from '../registry/version-queries.ts';
import { type WalkDirection, type WalkEdge, type WalkResult, walkLineage } from './walk.ts';

export type LineageDirection = WalkDirection | 'BOTH';

/** The node types a lineage graph holds. */
export type LineageNodeType =
  | 'Run'
  | 'Finding'
  | 'Artifact'
  | 'ModelVersion'
  | 'DatasetVersion'
  | 'WorkflowVersion'
  | 'Model'
  | 'Dataset'
  | 'Workflow';

export interface LineageNode {
  type: LineageNodeType;
  id: string;
  /** Steps from where the trace started (0 for the start). */
  depth: number;
}

export type LineageRelation =
  | 'USED'
  | 'GENERATED'
  | 'WAS_DERIVED_FROM'
  | 'TRAINED_ON'
  | 'PART_OF'
  | 'EXECUTED'
  | 'REPRODUCES'
  | 'VERSION_OF';

/** An edge as its verb reads: `from` USED `to`, `from` GENERATED `to`, and so on. */
export interface LineageEdge {
  from: { type: LineageNodeType; id: string };
  to: { type: LineageNodeType; id: string };
  relation: LineageRelation;
  role: string | null;
}

export interface LineageGraph {
  start: { type: LineageNodeType; id: string };
  nodes: LineageNode[];
  edges: LineageEdge[];
  /** The depth at which nodes were left out by `depth` or `maxNodes`; null when complete. */
  truncatedAt: number | null;
  /** Whether the walk stopped at nodes in projects the actor may not see (they are not shown). */
  hiddenNodes: boolean;
  /** How many distinct such nodes it stopped at. */
  hiddenNodeCount: number;
}

export const LINEAGE_LIMITS = { maxDepth: 1000, maxNodes: 10_000 } as const;

/** Relations whose subject is the up end: a run GENERATED its results; a step is PART_OF its workflow run. */
const SUBJECT_IS_UP = new Set(['GENERATED', 'PART_OF']);

function edgeOf(edge: WalkEdge): LineageEdge {
  const up = { type: edge.upType as LineageNodeType, id: edge.upId };
  const down = { type: edge.downType as LineageNodeType, id: edge.downId };
  const subjectIsUp = SUBJECT_IS_UP.has(edge.relation);
  return {
    from: subjectIsUp ? up : down,
    to: subjectIsUp ? down : up,
    relation: edge.relation as LineageRelation,
    role: edge.role,
  };
}

interface Start {
  node: { type: LineageNodeType; id: string };
  /** Where the walk begins: the node itself, or a model's, dataset's or workflow's versions. */
  seeds: { type: LineageNodeType; id: string }[];
}

/**
 * Where a walk from `globalId` starts, or null when nothing the actor may see has that id.
 * A Model, Dataset or Workflow starts from all of its versions.
 */
async function resolveStart(ctx: ServiceContext, globalId: string): Promise<Start | null> {
  const decoded = decodeGlobalId(globalId);
  if (!decoded) return null;
  const { db, actor } = ctx;
  const id = decoded.id;
  const self = (type: LineageNodeType) => ({ node: { type, id }, seeds: [{ type, id }] });
  const exists = async (rows: Promise<unknown[]>, type: LineageNodeType) =>
    (await rows).length ? self(type) : null;
  const versionsOf = async (
    type: LineageNodeType,
    versionType: LineageNodeType,
    rows: Promise<{ id: string | null }[]>,
  ): Promise<Start | null> => {
    const found = await rows;
    if (!found.length) return null;
    return {
      node: { type, id },
      seeds: found.flatMap((row) => (row.id ? [{ type: versionType, id: row.id }] : [])),
    };
  };
  switch (decoded.type) {
    case 'Run':
      return exists(
        db
          .select({ id: runs.id })
          .from(runs)
          .where(and(eq(runs.id, id), visibleProjects(actor, runs.projectId))),
        'Run',
      );
    case 'Finding':
      return exists(
        db
          .select({ id: findings.id })
          .from(findings)
          .where(and(eq(findings.id, id), visibleProjects(actor, findings.projectId))),
        'Finding',
      );
    case 'Artifact':
      return exists(
        db
          .select({ id: artifacts.id })
          .from(artifacts)
          .where(and(eq(artifacts.id, id), visibleProjects(actor, artifacts.projectId))),
        'Artifact',
      );
    case 'ModelVersion':
      return exists(
        selectVersions(db, 'MODEL_VERSION', actor, ({ table }) => eq(table.id, id)),
        'ModelVersion',
      );
    case 'DatasetVersion':
      return exists(
        selectVersions(db, 'DATASET_VERSION', actor, ({ table }) => eq(table.id, id)),
        'DatasetVersion',
      );
    case 'WorkflowVersion':
      return exists(
        db
          .select({ id: workflowVersions.id })
          .from(workflowVersions)
          .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
          .where(and(eq(workflowVersions.id, id), visibleProjects(actor, workflows.projectId))),
        'WorkflowVersion',
      );
    case 'Model':
      return versionsOf(
        'Model',
        'ModelVersion',
        db
          .select({ id: modelVersions.id })
          .from(models)
          .leftJoin(modelVersions, eq(modelVersions.modelId, models.id))
          .where(and(eq(models.id, id), visibleProjects(actor, models.projectId))),
      );
    case 'Dataset':
      return versionsOf(
        'Dataset',
        'DatasetVersion',
        db
          .select({ id: datasetVersions.id })
          .from(datasets)
          .leftJoin(datasetVersions, eq(datasetVersions.datasetId, datasets.id))
          .where(and(eq(datasets.id, id), visibleProjects(actor, datasets.projectId))),
      );
    case 'Workflow':
      return versionsOf(
        'Workflow',
        'WorkflowVersion',
        db
          .select({ id: workflowVersions.id })
          .from(workflows)
          .leftJoin(workflowVersions, eq(workflowVersions.workflowId, workflows.id))
          .where(and(eq(workflows.id, id), visibleProjects(actor, workflows.projectId))),
      );
    default:
      return null;
  }
}

function checkLimits(depth: number, maxNodes: number) {
  if (!Number.isInteger(depth) || depth < 0 || depth > LINEAGE_LIMITS.maxDepth)
    throw new ValidationError(`depth must be from 0 to ${LINEAGE_LIMITS.maxDepth}`, ['depth']);
  if (!Number.isInteger(maxNodes) || maxNodes < 1 || maxNodes > LINEAGE_LIMITS.maxNodes)
    throw new ValidationError(`maxNodes must be from 1 to ${LINEAGE_LIMITS.maxNodes}`, [
      'maxNodes',
    ]);
}

function graphOf(start: Start, walk: WalkResult): LineageGraph {
  // Walking both ways, a node on a cycle is met in both directions: keep it once, nearest.
  const nearest = new Map<string, LineageNode>();
  for (const node of walk.nodes) {
    const seen = nearest.get(node.id);
    if (!seen || node.depth < seen.depth)
      nearest.set(node.id, { type: node.type as LineageNodeType, id: node.id, depth: node.depth });
  }
  const nodes = [...nearest.values()];
  const edges = walk.edges.map(edgeOf);
  // A model, dataset or workflow stands at depth 0 with its versions.
  if (start.seeds.length !== 1 || start.seeds[0]!.id !== start.node.id) {
    nodes.unshift({ ...start.node, depth: 0 });
    for (const seed of start.seeds)
      edges.push({ from: seed, to: start.node, relation: 'VERSION_OF', role: null });
  }
  return {
    start: start.node,
    nodes,
    edges,
    truncatedAt: walk.truncatedAt,
    hiddenNodes: walk.hiddenNodes,
    hiddenNodeCount: walk.hiddenNodeCount,
  };
}

export interface TraceArgs {
  id: string;
  direction: LineageDirection;
  depth: number;
  maxNodes: number;
}

/** The lineage graph around a node, or null when the actor may not see it. */
export async function traceLineage(
  ctx: ServiceContext,
  args: TraceArgs,
): Promise<LineageGraph | null> {
  checkLimits(args.depth, args.maxNodes);
  const start = await resolveStart(ctx, args.id);
  if (!start) return null;
  const walk = await walkLineage(ctx.db, {
    start: start.seeds,
    directions: args.direction === 'BOTH' ? ['UPSTREAM', 'DOWNSTREAM'] : [args.direction],
    maxDepth: args.depth,
    maxNodes: args.maxNodes,
    visibleProjects: visibleSlugs(ctx.actor),
  });
  return graphOf(start, walk);
}

/** Everything downstream of a node, however deep, up to `maxNodes`. */
export function impactOf(
  ctx: ServiceContext,
  id: string,
  maxNodes: number,
): Promise<LineageGraph | null> {
  return traceLineage(ctx, {
    id,
    direction: 'DOWNSTREAM',
    depth: LINEAGE_LIMITS.maxDepth,
    maxNodes,
  });
}

export interface LineagePath {
  /** UPSTREAM when `to` is among what `from` came from; DOWNSTREAM when it came of `from`. */
  direction: WalkDirection;
  /** From `from` to `to`, in order. */
  nodes: LineageNode[];
  /** The edges between consecutive nodes, in order. */
  edges: LineageEdge[];
}

/** How far a path search looks before it gives up. */
const PATH_LIMITS = { maxDepth: 100, maxNodes: 5000 };

/**
 * A shortest path between two nodes, following edges one way: up from `from` to `to`, or
 * else down. Null when there is none within 100 steps and 5000 nodes (or one end is not
 * visible). Both searches are one statement.
 */
export async function findLineagePath(
  ctx: ServiceContext,
  fromId: string,
  toId: string,
): Promise<LineagePath | null> {
  const [from, to] = await Promise.all([resolveStart(ctx, fromId), resolveStart(ctx, toId)]);
  if (!from || !to) return null;
  const single = (start: Start) => start.seeds.length === 1 && start.seeds[0]!.id === start.node.id;
  if (!single(from) || !single(to))
    throw new ValidationError('a path runs between versions, runs, findings or artifacts', [
      single(from) ? 'to' : 'from',
    ]);
  if (from.node.id === to.node.id)
    return { direction: 'UPSTREAM', nodes: [{ ...from.node, depth: 0 }], edges: [] };
  const walk = await walkLineage(ctx.db, {
    start: from.seeds,
    directions: ['UPSTREAM', 'DOWNSTREAM'],
    ...PATH_LIMITS,
    visibleProjects: visibleSlugs(ctx.actor),
    target: to.node.id,
  });
  const reached = walk.nodes
    .filter((node) => node.id === to.node.id)
    .sort((a, b) => a.depth - b.depth)[0];
  if (!reached) return null;
  const direction = reached.direction;
  const levelOf = new Map(
    walk.nodes.filter((node) => node.direction === direction).map((node) => [node.id, node]),
  );
  // Walk back from the target: each step to a node one level nearer the start.
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  let current = reached;
  while (current.depth > 0) {
    nodes.unshift({ type: current.type as LineageNodeType, id: current.id, depth: current.depth });
    const [edge, previous] = walk.edges
      .map((edge) => {
        const [near, far] =
          direction === 'UPSTREAM' ? [edge.downId, edge.upId] : [edge.upId, edge.downId];
        const candidate = far === current.id ? levelOf.get(near) : undefined;
        return [edge, candidate] as const;
      })
      .filter(([, candidate]) => candidate && candidate.depth === current.depth - 1)
      .sort(([, a], [, b]) => a!.id.localeCompare(b!.id))[0] ?? [undefined, undefined];
    if (!edge || !previous) throw new Error(`lineage path: no edge back from ${current.id}`);
    edges.unshift(edgeOf(edge));
    current = previous;
  }
  nodes.unshift({ ...from.node, depth: 0 });
  return { direction, nodes, edges };
}
