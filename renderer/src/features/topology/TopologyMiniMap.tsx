/**
 * A minimap of places, not machines: metros, facilities and racks (a few hundred boxes at 10,000
 * nodes) plus the current view. React Flow's <MiniMap> draws every node, which at 10,000 nodes
 * added ~0.7 s to the first paint here (npm run bench). Click or drag on it to move the view.
 */
import { useReactFlow, useStore } from '@xyflow/react';
import { memo, useMemo, useRef, type PointerEvent } from 'react';
import type { TopologyGraph } from '../../../../shared/model';

const WIDTH = 220;
const HEIGHT = 150;

const Boxes = memo(function Boxes({ graph }: { graph: TopologyGraph }) {
  return (
    <>
      {graph.nodes
        .filter((n) => n.kind === 'metro' || n.kind === 'facility' || n.kind === 'rack')
        .map((n) => (
          <rect key={n.id} x={n.x} y={n.y} width={n.width} height={n.height} className={`mini-${n.kind}`} />
        ))}
    </>
  );
});

export function TopologyMiniMap({ graph }: { graph: TopologyGraph }) {
  const flow = useReactFlow();
  const [tx, ty, zoom] = useStore((s) => s.transform);
  const paneWidth = useStore((s) => s.width);
  const paneHeight = useStore((s) => s.height);
  const svgRef = useRef<SVGSVGElement>(null);
  const scale = useMemo(() => Math.min(WIDTH / Math.max(1, graph.width), HEIGHT / Math.max(1, graph.height)), [graph.width, graph.height]);
  const view = { x: -tx / zoom, y: -ty / zoom, width: paneWidth / zoom, height: paneHeight / zoom };

  const moveTo = (event: PointerEvent<SVGSVGElement>) => {
    const rect = svgRef.current!.getBoundingClientRect();
    const x = (event.clientX - rect.left) / scale;
    const y = (event.clientY - rect.top) / scale;
    void flow.setCenter(x, y, { zoom });
  };

  return (
    <svg
      ref={svgRef}
      className="topo-minimap"
      role="img"
      aria-label="Topology overview (click to move the view)"
      width={Math.max(1, graph.width * scale)}
      height={Math.max(1, graph.height * scale)}
      viewBox={`0 0 ${graph.width} ${graph.height}`}
      onPointerDown={(e) => {
        svgRef.current?.setPointerCapture(e.pointerId);
        moveTo(e);
      }}
      onPointerMove={(e) => e.buttons === 1 && moveTo(e)}
    >
      <Boxes graph={graph} />
      <rect className="mini-view" x={view.x} y={view.y} width={view.width} height={view.height} />
    </svg>
  );
}
