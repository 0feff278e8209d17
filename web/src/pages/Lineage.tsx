// The lineage explorer: the graph around one node, laid out by ELK and drawn by React
// Flow; a click on a node adds its own neighbours. Says so when the hub cut the graph.
import '@xyflow/react/dist/style.css';
import { Background, Controls, type Edge, type Node, Position, ReactFlow } from '@xyflow/react';
import ELK from 'elkjs/lib/elk.bundled.js';
import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { Link } from 'wouter';
import type { LineageDirection, UiTraceQuery } from '../gql/graphql.ts';
import { graphql } from '../gql/index.ts';
import { Failure, useFilters } from '../parts/common.tsx';

const TraceQuery = graphql(`
  query UiTrace($id: ID!, $direction: LineageDirection!, $depth: Int!, $maxNodes: Int!) {
    trace(id: $id, direction: $direction, depth: $depth, maxNodes: $maxNodes) {
      start isPartial hiddenNodes truncatedAt
      nodes {
        id type depth
        node {
          __typename
          ... on ModelVersion { version model { name } }
          ... on DatasetVersion { version dataset { name } }
          ... on Run { runName: name runnerId runStatus: status stepId }
          ... on Finding { title severity status }
          ... on Artifact { name }
          ... on Model { name }
          ... on Dataset { name }
          ... on WorkflowVersion { number workflow { name } }
          ... on Workflow { name }
          ... on Project { slug }
        }
      }
      edges { from to relation role }
    }
  }
`);

type Graph = NonNullable<UiTraceQuery['trace']>;
type GraphNode = Graph['nodes'][number];

const elk = new ELK();
const MAX_NODES = 200;

function label(n: GraphNode): string {
  const x = n.node as Record<string, unknown> & { __typename: string };
  const named = (o: unknown) => (o as { name: string }).name;
  switch (x.__typename) {
    case 'ModelVersion':
      return `model ${named(x.model)}@${x.version}`;
    case 'DatasetVersion':
      return `dataset ${named(x.dataset)}@${x.version}`;
    case 'Run':
      return `run ${x.stepId ?? x.runName ?? x.runnerId} · ${x.runStatus}`;
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

/** Positions from ELK's layered layout, left to right in the direction of the flow. */
async function layout(graph: Graph): Promise<{ nodes: Node[]; edges: Edge[] }> {
  const laid = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '20',
      'elk.layered.spacing.nodeNodeBetweenLayers': '60',
    },
    children: graph.nodes.map((n) => ({ id: n.id, width: 220, height: 44 })),
    edges: graph.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  });
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return {
    nodes: (laid.children ?? []).map((c) => {
      const n = byId.get(c.id)!;
      return {
        id: c.id,
        position: { x: c.x ?? 0, y: c.y ?? 0 },
        sourcePosition: Position.Right,
        targetPosition: Position.Left,
        data: { label: label(n) },
        className: `lineage-node lineage-${n.type.toLowerCase()}${c.id === graph.start ? ' lineage-start' : ''}`,
        ariaLabel: label(n),
      };
    }),
    edges: graph.edges.map((e, i) => ({
      id: `e${i}`,
      source: e.from,
      target: e.to,
      label: e.role ?? e.relation.toLowerCase(),
    })),
  };
}

function merge(a: Graph, b: Graph): Graph {
  const ids = new Set(a.nodes.map((n) => n.id));
  const keys = new Set(a.edges.map((e) => `${e.from}>${e.to}>${e.relation}`));
  return {
    ...a,
    isPartial: a.isPartial || b.isPartial,
    hiddenNodes: a.hiddenNodes || b.hiddenNodes,
    nodes: [...a.nodes, ...b.nodes.filter((n) => !ids.has(n.id))],
    edges: [...a.edges, ...b.edges.filter((e) => !keys.has(`${e.from}>${e.to}>${e.relation}`))],
  };
}

export default function Lineage() {
  const [params, change] = useFilters();
  const id = params.get('id') ?? '';
  const direction = (params.get('direction') ?? 'BOTH') as LineageDirection;
  return (
    <>
      <h1>Lineage</h1>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          change({ id: String(new FormData(e.currentTarget).get('id') ?? '').trim() });
        }}
      >
        <label>
          Start from (id) <input name="id" size={50} defaultValue={id} />
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
        <Explorer key={`${id}/${direction}`} id={id} direction={direction} />
      ) : (
        <p>Give the id of a run, finding, model or dataset version, or follow a “trace” link.</p>
      )}
    </>
  );
}

function Explorer({ id, direction }: { id: string; direction: LineageDirection }) {
  const client = useClient();
  const [graph, setGraph] = useState<Graph | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [drawn, setDrawn] = useState<{ nodes: Node[]; edges: Edge[] } | null>(null);

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
  useEffect(() => {
    if (graph) layout(graph).then(setDrawn, setError);
  }, [graph]);

  if (missing) return <p>Nothing with id {id} (or not visible to you).</p>;
  return (
    <section aria-label="Lineage graph">
      <Failure error={error} />
      {graph && (
        <p className="graph-facts" aria-live="polite">
          {graph.nodes.length} nodes, {graph.edges.length} edges.{' '}
          {graph.isPartial && (
            <strong className="partial">
              Partial: the graph was cut at {graph.truncatedAt ?? MAX_NODES} nodes; click a node to
              expand it.{' '}
            </strong>
          )}
          {graph.hiddenNodes && <strong>Some nodes are in projects you may not see.</strong>} Click
          a node to add its neighbours.
        </p>
      )}
      <div className="graph">
        {drawn ? (
          <ReactFlow
            nodes={drawn.nodes}
            edges={drawn.edges}
            fitView
            minZoom={0.1}
            nodesConnectable={false}
            onNodeClick={async (_e, node) => {
              const more = await fetchTrace(node.id, 1);
              if (more && graph) setGraph(merge(graph, more));
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
