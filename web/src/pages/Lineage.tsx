// The lineage explorer: the graph around one node (found by its words, given by id or reached
// by a link), laid out by ELK and drawn by React Flow; a click on a node adds its own
// neighbours; the path from the start to a chosen node (a finding to the dataset it rests on)
// is highlighted. Says so when the hub cut the graph.
import '@xyflow/react/dist/style.css';
import {
  Background,
  Controls,
  type Edge,
  type Node,
  Position,
  ReactFlow,
  type ReactFlowInstance,
} from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import { useClient } from 'urql';
import { Link } from 'wouter';
import type { LineageDirection, UiLineageNodeFragment, UiTraceQuery } from '../gql/graphql.ts';
import { graphql } from '../gql/index.ts';
import { layeredLayout } from '../graph/layout.ts';
import { Failure, useFilters } from '../parts/common.tsx';
import LineagePicker from './LineagePicker.tsx';

// The fields of a node that its label shows, in a graph and on a path.
graphql(`
  fragment UiLineageNode on LineageNode {
        id type depth
        node {
          __typename
          ... on ModelVersion { version model { name } }
          ... on DatasetVersion { version dataset { name } }
          ... on Run { runName: name runnerId runStatus: status stepId runWorkflow: workflowVersion { workflow { name } } }
          ... on Finding { title severity status }
          ... on Artifact { name }
          ... on Model { name }
          ... on Dataset { name }
          ... on WorkflowVersion { number workflow { name } }
          ... on Workflow { name }
          ... on Project { slug }
        }
  }
`);

const TraceQuery = graphql(`
  query UiTrace($id: ID!, $direction: LineageDirection!, $depth: Int!, $maxNodes: Int!) {
    trace(id: $id, direction: $direction, depth: $depth, maxNodes: $maxNodes) {
      start isPartial hiddenNodes hiddenNodeCount truncatedAt
      nodes { ...UiLineageNode }
      edges { from to relation role }
    }
  }
`);

const PathQuery = graphql(`
  query UiLineagePath($from: ID!, $to: ID!) {
    lineagePath(from: $from, to: $to) {
      direction
      nodes { ...UiLineageNode }
      edges { from to relation role }
    }
  }
`);

type Graph = NonNullable<UiTraceQuery['trace']>;
type GraphNode = UiLineageNodeFragment;
type GraphEdge = Graph['edges'][number];

const MAX_NODES = 200;
/** Past this many nodes the boxes are smaller and closer, so that the whole graph fits. */
const COMPACT = 60;

function label(n: GraphNode): string {
  const x = n.node as Record<string, unknown> & { __typename: string };
  const named = (o: unknown) => (o as { name: string }).name;
  switch (x.__typename) {
    case 'ModelVersion':
      return `model ${named(x.model)}@${x.version}`;
    case 'DatasetVersion':
      return `dataset ${named(x.dataset)}@${x.version}`;
    case 'Run': {
      // An unnamed workflow run goes by its workflow, as everywhere else.
      const ran = x.runWorkflow as { workflow: { name: string } } | null;
      return `run ${x.stepId ?? x.runName ?? ran?.workflow.name ?? x.runnerId} · ${x.runStatus}`;
    }
    case 'Finding':
      return `finding ${x.severity}: ${x.title}`;
    case 'WorkflowVersion':
      return `workflow ${named(x.workflow)} v${x.number}`;
    case 'Project':
      return `project ${x.slug}`;
    default:
      return `${x.__typename.toLowerCase()} ${String(x.name ?? '')}`;
  }
}

/**
 * A node's box: given to React Flow too, so that a redrawn node (a new path, an expansion)
 * needs no measuring before it is shown and fitted.
 */
const sizeOf = (count: number) => ({ width: 220, height: count > COMPACT ? 28 : 44 });

const edgeKey = (e: GraphEdge) => `${e.from}>${e.to}>${e.relation}`;

/** Nodes a path is most often wanted to: the versions first, then by label. */
const TARGET_ORDER = ['DatasetVersion', 'ModelVersion'];
const targetRank = (n: GraphNode) => {
  const rank = TARGET_ORDER.indexOf(n.type);
  return rank < 0 ? TARGET_ORDER.length : rank;
};

/**
 * The graph with `b`'s nodes and edges added. The node and edge lists stay the same arrays
 * when `b` adds none, so that the graph is not laid out again.
 */
function merge(a: Graph, b: Pick<Graph, 'nodes' | 'edges'> & Partial<Graph>): Graph {
  const ids = new Set(a.nodes.map((n) => n.id));
  const keys = new Set(a.edges.map(edgeKey));
  const newNodes = b.nodes.filter((n) => !ids.has(n.id));
  const newEdges = b.edges.filter((e) => !keys.has(edgeKey(e)));
  return {
    ...a,
    isPartial: a.isPartial || Boolean(b.isPartial),
    hiddenNodes: a.hiddenNodes || Boolean(b.hiddenNodes),
    // Walks from different nodes may stop at the same hidden node: the larger count is a floor.
    hiddenNodeCount: Math.max(a.hiddenNodeCount, b.hiddenNodeCount ?? 0),
    nodes: newNodes.length ? [...a.nodes, ...newNodes] : a.nodes,
    edges: newEdges.length ? [...a.edges, ...newEdges] : a.edges,
  };
}

export default function Lineage() {
  const [params, change] = useFilters();
  const id = params.get('id') ?? '';
  const direction = (params.get('direction') ?? 'BOTH') as LineageDirection;
  return (
    <>
      <h1>Lineage</h1>
      <LineagePicker onPick={(start) => change({ id: start, to: null })} />
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const start = String(new FormData(e.currentTarget).get('id') ?? '').trim();
          change({ id: start, to: null });
        }}
      >
        <label>
          Start from (id) <input name="id" size={50} key={id} defaultValue={id} />
        </label>
        <label>
          Direction{' '}
          <select value={direction} onChange={(e) => change({ direction: e.target.value, id })}>
            <option>BOTH</option>
            <option>UPSTREAM</option>
            <option>DOWNSTREAM</option>
          </select>
        </label>
        <button type="submit">Trace</button>
      </form>
      {id ? (
        <Explorer
          key={`${id}/${direction}`}
          id={id}
          direction={direction}
          to={params.get('to')}
          onTarget={(to) => change({ to })}
        />
      ) : (
        <p>
          Find a model, dataset, run or finding to start from, give its id, or follow a “trace”
          link.
        </p>
      )}
    </>
  );
}

function Explorer({
  id,
  direction,
  to,
  onTarget,
}: {
  id: string;
  direction: LineageDirection;
  to: string | null;
  onTarget: (to: string | null) => void;
}) {
  const client = useClient();
  const [graph, setGraph] = useState<Graph | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  // The graph as last laid out, with its positions: drawn only once its layout is done.
  const [laid, setLaid] = useState<{
    graph: Pick<Graph, 'start' | 'nodes' | 'edges'>;
    positions: Map<string, { x: number; y: number }>;
  } | null>(null);
  const [path, setPath] = useState<{ to: string; nodes: GraphNode[]; edges: GraphEdge[] } | null>(
    null,
  );
  const [expanding, setExpanding] = useState<string | null>(null);
  /** Whether the graph holds more than one walk (its hidden count is then a floor). */
  const [expanded, setExpanded] = useState(false);
  const [flow, setFlow] = useState<ReactFlowInstance | null>(null);

  const fetchTrace = async (from: string, depth: number) => {
    const result = await client
      .query(
        TraceQuery,
        { id: from, direction, depth, maxNodes: MAX_NODES },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    if (result.error) setError(result.error);
    return result.data?.trace ?? null;
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the explorer is keyed by id and direction
  useEffect(() => {
    fetchTrace(id, 3).then((g) => (g ? setGraph(g) : setMissing(true)));
  }, []);

  // The path to the chosen node; its nodes join the graph when the walk had not reached them.
  useEffect(() => {
    if (!to) return setPath(null);
    let live = true;
    client
      .query(PathQuery, { from: id, to }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (!live) return;
        if (result.error) setError(result.error);
        const found = result.data?.lineagePath;
        setPath(
          found ? { to, nodes: found.nodes, edges: found.edges } : { to, nodes: [], edges: [] },
        );
        if (found) setGraph((g) => (g ? merge(g, found) : g));
      });
    return () => {
      live = false;
    };
  }, [client, id, to]);

  // Laid out again only when nodes or edges were added (see merge).
  const start = graph?.start;
  const nodes = graph?.nodes;
  const edges = graph?.edges;
  useEffect(() => {
    if (!start || !nodes || !edges) return;
    let live = true;
    layeredLayout(
      nodes.map((n) => ({ id: n.id, ...sizeOf(nodes.length) })),
      edges,
      nodes.length > COMPACT ? { node: 6, layer: 40 } : { node: 20, layer: 110 },
    ).then((positions) => live && setLaid({ graph: { start, nodes, edges }, positions }), setError);
    return () => {
      live = false;
    };
  }, [start, nodes, edges]);

  const drawn = useMemo(() => {
    if (!laid) return null;
    const { graph, positions } = laid;
    const onPath = new Set(path?.nodes.map((n) => n.id));
    const pathEdges = new Set(path?.edges.map(edgeKey));
    const nodes: Node[] = graph.nodes.map((n) => ({
      id: n.id,
      position: positions.get(n.id) ?? { x: 0, y: 0 },
      ...sizeOf(graph.nodes.length),
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      data: { label: label(n) },
      className: [
        'lineage-node',
        `lineage-${n.type.toLowerCase()}`,
        n.id === graph.start ? 'lineage-start' : '',
        onPath.has(n.id) ? 'lineage-on-path' : '',
        graph.nodes.length > COMPACT ? 'lineage-compact' : '',
      ]
        .filter(Boolean)
        .join(' '),
      ariaLabel: `${label(n)}${onPath.has(n.id) ? ', on the path' : ''}`,
    }));
    const edges: Edge[] = graph.edges.map((e) => ({
      id: edgeKey(e),
      source: e.from,
      target: e.to,
      label: e.role ?? e.relation.toLowerCase(),
      animated: pathEdges.has(edgeKey(e)),
      className: pathEdges.has(edgeKey(e)) ? 'lineage-path-edge' : undefined,
    }));
    return { nodes, edges };
  }, [laid, path]);

  // A graph that grew (an expanded node, a path's nodes) is fitted on screen again.
  const shown = drawn?.nodes.length ?? 0;
  useEffect(() => {
    if (shown) flow?.fitView();
  }, [flow, shown]);

  if (missing) return <p>Nothing with id {id} (or not visible to you).</p>;
  const targets = graph
    ? graph.nodes
        .filter((n) => n.id !== graph.start)
        .sort((a, b) => targetRank(a) - targetRank(b) || label(a).localeCompare(label(b)))
    : [];
  return (
    <section aria-label="Lineage graph">
      <Failure error={error} />
      {graph && (
        <>
          <p className="graph-facts" aria-live="polite">
            {graph.nodes.length} nodes, {graph.edges.length} edges.{' '}
            {graph.isPartial ? (
              <strong className="partial">
                Partial: the hub cut the walk
                {graph.truncatedAt === null ? '' : ` at depth ${graph.truncatedAt}`} (at most{' '}
                {MAX_NODES} nodes a walk), so some nodes are left out; click a node to expand it.{' '}
              </strong>
            ) : (
              'Complete within the walk. '
            )}
            {graph.hiddenNodes ? (
              <strong className="partial">
                Hidden: {expanded ? 'at least ' : ''}
                {graph.hiddenNodeCount} {graph.hiddenNodeCount === 1 ? 'node' : 'nodes'} in projects
                you may not see; not shown, and the walk did not pass through them.{' '}
              </strong>
            ) : (
              'No hidden nodes. '
            )}
            {expanding ? `Expanding ${expanding}…` : 'Click a node to add its neighbours.'}
          </p>
          <label className="row">
            Highlight the path to{' '}
            <select value={to ?? ''} onChange={(e) => onTarget(e.target.value || null)}>
              <option value="">nothing</option>
              {targets.map((n) => (
                <option key={n.id} value={n.id}>
                  {label(n)}
                </option>
              ))}
            </select>
          </label>
          {path && (
            <div aria-live="polite">
              {path.nodes.length ? (
                <ol className="lineage-path" aria-label="the path">
                  {path.nodes.map((n) => (
                    <li key={n.id}>{label(n)}</li>
                  ))}
                </ol>
              ) : (
                <p>No path between them within 100 steps.</p>
              )}
            </div>
          )}
        </>
      )}
      <div className="graph">
        {drawn ? (
          <ReactFlow
            nodes={drawn.nodes}
            edges={drawn.edges}
            fitView
            onInit={setFlow}
            minZoom={0.02}
            nodesDraggable={false}
            nodesConnectable={false}
            onNodeClick={async (_e, node) => {
              setExpanding(String(node.data.label));
              const more = await fetchTrace(node.id, 1);
              if (more) setGraph((g) => (g ? merge(g, more) : g));
              setExpanded(true);
              setExpanding(null);
            }}
          >
            <Background />
            <Controls />
          </ReactFlow>
        ) : (
          <p>Laying out…</p>
        )}
      </div>
      {graph && (
        <details>
          <summary>Nodes as a list</summary>
          <ul>
            {graph.nodes.map((n) => (
              <li key={n.id}>
                {n.type === 'Run' ? <Link href={`/runs/${n.id}`}>{label(n)}</Link> : label(n)}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
