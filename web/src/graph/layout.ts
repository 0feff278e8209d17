// ELK's layered layout, left to right in the direction of the flow: the lineage explorer and
// a workflow run's steps place their nodes with it. ELK is most of the graph chunk's size;
// only the pages that draw a graph load it.
import ELK from 'elkjs/lib/elk.bundled.js';

const elk = new ELK();

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
  const laid = await elk.layout({
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
  return new Map((laid.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
