// ELK's layered layout, left to right in the direction of the flow: the lineage explorer and
// a workflow run's steps place their nodes with it. ELK runs in a web worker of its own:
// loading it (most of the graph code's size) and laying out a few hundred nodes take a
// second or more of CPU that would otherwise freeze the page. The worker starts when the
// first page that draws a graph is loaded, so ELK is ready by the time that page's data is.
import ELK from 'elkjs/lib/elk-api.js';
import ElkWorker from 'elkjs/lib/elk-worker.min.js?worker';

/** Rejected when the worker cannot run (its script failed to load): a layout then fails too. */
let workerFailed: (error: Error) => void = () => {};
const broken = new Promise<never>((_, reject) => {
  workerFailed = reject;
});
broken.catch(() => {});

const elk = new ELK({
  algorithms: ['layered'],
  workerFactory: () => {
    const worker = new ElkWorker();
    worker.addEventListener('error', (event) =>
      workerFailed(new Error(`the graph layout could not start: ${event.message}`)),
    );
    return worker;
  },
});

export interface Box {
  id: string;
  width: number;
  height: number;
}

/** Each node's top-left corner. */
export async function layeredLayout(
  nodes: readonly Box[],
  edges: readonly { from: string; to: string }[],
  spacing = { node: 20, layer: 60 },
): Promise<Map<string, { x: number; y: number }>> {
  const layout = elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': String(spacing.node),
      'elk.layered.spacing.nodeNodeBetweenLayers': String(spacing.layer),
    },
    children: nodes.map((n) => ({ ...n })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  });
  const laid = await Promise.race([layout, broken]);
  return new Map((laid.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
