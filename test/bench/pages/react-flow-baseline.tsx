/**
 * Runs in the console's own page (evaluated by the topology bench): React Flow on its own, handed
 * the same graph's boxes that meet the app's first view, presized and at the positions the app
 * uses, with the app's first viewport, drawn with React Flow's default node over the topology
 * canvas. No edges, no derivation, no fleet join, no lazy chunk. The time from render to the frame
 * after its first node is the anchor the app's topology first paint is a ratio of.
 */
import { getViewportForBounds, ReactFlow, type Node } from '@xyflow/react';
import { createRoot } from 'react-dom/client';
import type { TopologyGraph } from '../../../shared/model';
import { initialBounds, overlaps } from '../../../renderer/src/features/topology/topology-view';

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function reactFlowBaseline(graph: TopologyGraph, rect: Rect): Promise<{ firstPaintMs: number; nodesInDom: number }> {
  const host = document.createElement('div');
  Object.assign(host.style, {
    position: 'fixed',
    left: `${rect.x}px`,
    top: `${rect.y}px`,
    width: `${rect.width}px`,
    height: `${rect.height}px`,
    zIndex: '9999',
    background: '#fff',
  });
  document.body.appendChild(host);
  // The boxes that meet the first view. React Flow's visible-only rendering culls only once it has
  // measured its pane, so its first frame drew all 10,707 boxes; the app's canvas is measured first.
  const view = initialBounds(graph, rect);
  const nodes: Node[] = graph.nodes
    .filter((t) => overlaps(t, view))
    .map((t) => ({
      id: t.id,
      position: { x: t.x, y: t.y },
      width: t.width,
      height: t.height,
      data: { label: t.label },
      draggable: false,
      connectable: false,
      selectable: false,
    }));
  const viewport = getViewportForBounds(view, rect.width, rect.height, 0.02, 2, 0.04);
  const root = createRoot(host);
  const painted = new Promise<number>((resolve) => {
    const observer = new MutationObserver(() => {
      if (!host.querySelector('.react-flow__node')) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now()));
    });
    observer.observe(host, { subtree: true, childList: true });
  });
  const started = performance.now();
  root.render(
    <ReactFlow
      nodes={nodes}
      edges={[]}
      width={rect.width}
      height={rect.height}
      onlyRenderVisibleElements
      defaultViewport={viewport}
      minZoom={0.05}
      maxZoom={2}
      proOptions={{ hideAttribution: true }}
    />,
  );
  const firstPaintMs = (await painted) - started;
  const nodesInDom = host.querySelectorAll('.react-flow__node').length;
  root.unmount();
  host.remove();
  return { firstPaintMs, nodesInDom };
}

(window as unknown as { __reactFlowBaseline: typeof reactFlowBaseline }).__reactFlowBaseline = reactFlowBaseline;
