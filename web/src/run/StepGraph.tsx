// A workflow run's steps as a small graph, each step an arrow's head after the steps it
// depends on, coloured by its live status; a click opens the step's run. A lazy chunk: it
// shares React Flow and ELK with the lineage explorer.
import '@xyflow/react/dist/style.css';
import { type Edge, type Node, Position, ReactFlow } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import { useLocation } from 'wouter';
import { layeredLayout } from '../graph/layout.ts';
import type { StepStates } from './stepStatus.ts';
import './run.css';

export interface SpecStep {
  id: string;
  runner: string;
  dependsOn?: string[];
}

const WIDTH = 170;
const HEIGHT = 40;

export default function StepGraph({
  steps,
  states,
}: {
  steps: readonly SpecStep[];
  states: StepStates;
}) {
  const [, navigate] = useLocation();
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }> | null>(null);
  const edges = useMemo(
    () => steps.flatMap((s) => (s.dependsOn ?? []).map((from) => ({ from, to: s.id }))),
    [steps],
  );
  useEffect(() => {
    layeredLayout(
      steps.map((s) => ({ id: s.id, width: WIDTH, height: HEIGHT })),
      edges,
      { node: 16, layer: 50 },
    ).then(setPositions);
  }, [steps, edges]);
  if (!positions) return <p>Laying out…</p>;
  const nodes: Node[] = steps.map((s) => {
    const status = states.get(s.id)?.status ?? 'PENDING';
    const label = `${s.id} · ${status}`;
    return {
      id: s.id,
      position: positions.get(s.id) ?? { x: 0, y: 0 },
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      data: { label },
      ariaLabel: `step ${label}`,
      className: `step-node step-${status.toLowerCase()}`,
      // A known size: a node redrawn with a new status needs no measuring to be shown.
      width: WIDTH,
      height: HEIGHT,
    };
  });
  const drawn: Edge[] = edges.map((e, i) => ({
    id: `e${i}`,
    source: e.from,
    target: e.to,
    animated: states.get(e.to)?.status === 'RUNNING',
  }));
  return (
    <div className="step-graph">
      <ReactFlow
        nodes={nodes}
        edges={drawn}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        nodesDraggable={false}
        nodesConnectable={false}
        zoomOnScroll={false}
        preventScrolling={false}
        onNodeClick={(_e, node) => {
          const run = states.get(node.id)?.runId;
          if (run) navigate(`/runs/${run}`);
        }}
      />
    </div>
  );
}
