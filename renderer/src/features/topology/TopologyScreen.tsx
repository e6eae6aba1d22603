/**
 * The fleet as places and networks on a React Flow canvas. Sizes and handles are known up front
 * and only what is in view is rendered; below FOLD_ZOOM racks and VLANs fold into counts by state.
 * Filters dim the rest; search zooms to a machine; click opens its details; right-click offers its
 * actions; shift-click and shift-drag (lasso) select machines for bulk actions; the current view
 * exports whole as PNG or SVG (drawn from the graph: React Flow renders only the view).
 */
import { ControlButton, Controls, ReactFlow, ReactFlowProvider, getViewportForBounds, useReactFlow, useStore, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef, useState, type MouseEvent, type PointerEvent } from 'react';
import { useClient } from '../../app/client-context';
import { useFleet } from '../../stores/fleet';
import { toast } from '../../stores/toasts';
import { useUpdates } from '../../stores/updates';
import { loadTopology, requestZoomTo, useTopology } from '../../stores/topology';
import { openNode, setSelection, toggleSelected, useUi } from '../../stores/ui';
import { BulkActions, BulkProgress } from '../fleet/BulkActions';
import { FleetToolbar } from '../fleet/FleetToolbar';
import { countMatching, facetsOf } from '../fleet/fleet-view';
import { NodeDetail } from '../fleet/NodeDetail';
import { ReprovisionDialog } from '../fleet/ReprovisionDialog';
import { RollbackDialog } from '../fleet/RollbackDialog';
import { RunbookDialog } from '../fleet/RunbookDialog';
import { TopologyMiniMap } from './TopologyMiniMap';
import { HoverCard, TopologyContextMenu } from './TopologyContextMenu';
import { download, svgToPng, topologySvg, type ExportColors } from './topology-export';
import { NODE_TYPES } from './topology-nodes';
import { buildElements, edgesNear, edgeWindowKey, edgeWindowOf, FOLD_ZOOM, initialBounds, READABLE_ZOOM, type ElementData } from './topology-view';

function Canvas() {
  const graph = useTopology((s) => s.graph);
  const collapsed = useUi((s) => s.collapsed);
  const folded = useStore((s) => s.transform[2] < FOLD_ZOOM);
  const flow = useReactFlow();
  const fleetNodes = useFleet((s) => s.nodes);
  const [hover, setHover] = useState<{ nodeId: string; at: { x: number; y: number } } | null>(null);
  const [menu, setMenu] = useState<{ nodeId: string; at: { x: number; y: number } } | null>(null);
  const [lifecycle, setLifecycle] = useState<{ kind: 'reprovision' | 'rollback' | 'runbook'; nodeId: string } | null>(null);
  // The overview map starts hidden when the pane is narrow (details open, 1024 px): it would cover machines.
  const [showMap, setShowMap] = useState(() => (document.querySelector('.topology-canvas')?.clientWidth ?? 1200) >= 900);

  // The selection lives in the ui store (shared with the fleet table and bulk actions); each machine
  // card shows its own membership, so a selection change never rebuilds the elements.
  const elements = useMemo(() => (graph ? buildElements(graph, { folded, collapsed }) : { nodes: [], edges: [] }), [graph, folded, collapsed]);

  // React Flow gets only the edges to machines near the view (edgesNear), re-picked when the view
  // has moved half a screen or zoomed a quarter octave.
  const boxes = useMemo(() => new Map((graph?.nodes ?? []).map((n) => [n.id, n])), [graph]);
  const windowKey = useStore((s) => edgeWindowKey(s.transform, s));
  const edges = useMemo(() => edgesNear(elements.edges, boxes, edgeWindowOf(windowKey)), [elements.edges, boxes, windowKey]);

  /**
   * Shift-click toggles a machine in the selection. React Flow cannot do it here: while Shift is
   * held its selection-box layer covers the nodes (that is what Shift-drag uses), so the click never
   * reaches a node. We look under the pointer ourselves, before React Flow sees the event.
   */
  const reportedSelection = useRef('');
  const onShiftClick = (event: PointerEvent<HTMLDivElement>) => {
    if (!event.shiftKey || event.button !== 0) return;
    // By geometry, not hit-testing: with Shift held the selection layer takes the pointer events.
    const hit = [...event.currentTarget.querySelectorAll('.react-flow__node-machine')].find((el) => {
      const r = el.getBoundingClientRect();
      return event.clientX >= r.left && event.clientX <= r.right && event.clientY >= r.top && event.clientY <= r.bottom;
    });
    const elementId = hit?.getAttribute('data-id');
    const nodeId = elementId ? elements.nodes.find((n) => n.id === elementId)?.data.topology.nodeId : undefined;
    if (!nodeId) return;
    // Before React Flow starts a (zero-size) selection box that would clear the selection.
    event.stopPropagation();
    event.preventDefault();
    toggleSelected(nodeId);
  };

  // Search zooms to the first machine that matches, from the shared toolbar's Enter.
  const zoomRequest = useTopology((s) => s.zoomRequest);
  useEffect(() => {
    const text = zoomRequest?.text.trim().toLowerCase();
    if (!text || !graph) return;
    // Handled once: coming back to the screen later must not jump to an old search.
    useTopology.setState({ zoomRequest: null });
    const target = graph.nodes.find((n) => n.kind === 'machine' && n.label.toLowerCase().includes(text));
    if (!target) return void toast('info', `No node matches “${text}”`);
    // fitView only knows nodes React Flow has rendered; positions are ours, so centre on them directly.
    void flow.setCenter(target.x + target.width / 2, target.y + target.height / 2, { zoom: 1.1, duration: 400 });
    openNode(target.nodeId);
  }, [flow, graph, zoomRequest]);

  /** The whole diagram, whatever part of it is in view, in the theme's colours. */
  const exportWhole = async (format: 'png' | 'svg') => {
    if (!graph) return;
    const style = getComputedStyle(document.documentElement);
    const color = (name: string, fallback: string) => style.getPropertyValue(`--${name}`).trim() || fallback;
    const colors: ExportColors = {
      background: color('bg', '#ffffff'),
      text: color('text', '#1b1f24'),
      muted: color('muted', '#59626e'),
      border: color('border', '#dde1e7'),
      panel: color('panel', '#ffffff'),
      l2: color('l2', '#7a4fd6'),
      accent: color('accent', '#2159cc'),
      ok: color('ok', '#167a41'),
      bad: color('bad', '#c42f2f'),
      busy: color('busy', '#8a5d00'),
    };
    try {
      const svg = topologySvg(graph, fleetNodes, colors);
      const blob = format === 'svg' ? new Blob([svg], { type: 'image/svg+xml' }) : await svgToPng(svg, graph.width, graph.height);
      download(blob, `ironpane-topology.${format}`);
      toast('success', `Exported the whole topology as ${format.toUpperCase()}`, `${graph.nodes.filter((n) => n.kind === 'machine').length} machines.`);
    } catch (error) {
      toast('error', 'Export failed', error instanceof Error ? error.message : String(error));
    }
  };

  const paneSize = () => {
    const pane = document.querySelector('.topology-canvas')?.getBoundingClientRect();
    return { width: pane?.width || 1200, height: pane?.height || 800 };
  };
  const viewportFor = (bounds: { x: number; y: number; width: number; height: number }) => {
    const { width, height } = paneSize();
    return getViewportForBounds(bounds, width, height, 0.02, 2, 0.04);
  };
  const fitWhole = () => {
    if (graph) void flow.setViewport(viewportFor({ x: 0, y: 0, width: graph.width, height: graph.height }), { duration: 300 });
  };

  const menuNode = menu ? fleetNodes.get(menu.nodeId) : undefined;
  return (
    <div className="topology-flow" onPointerDownCapture={onShiftClick}>
      {/* Above the diagram, not over it: with details open the pane is narrow and overlays hid machines. */}
      <div className="topo-bar" role="toolbar" aria-label="Topology view">
        <button type="button" onClick={() => void exportWhole('png')}>
          Export PNG
        </button>
        <button type="button" onClick={() => void exportWhole('svg')}>
          Export SVG
        </button>
        <button type="button" aria-pressed={showMap} onClick={() => setShowMap((v) => !v)}>
          {showMap ? 'Hide map' : 'Show map'}
        </button>
      </div>
      <ReactFlow
        nodes={elements.nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onlyRenderVisibleElements
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        selectionKeyCode="Shift"
        multiSelectionKeyCode="Shift"
        minZoom={0.05}
        maxZoom={2}
        onInit={(instance) => {
          if (!graph) return;
          void instance.setViewport(viewportFor(initialBounds(graph, paneSize())));
        }}
        proOptions={{ hideAttribution: true }}
        onSelectionChange={({ nodes }) => {
          const ids = (nodes as Node<ElementData>[]).map((n) => n.data.topology.nodeId).filter((id): id is string => Boolean(id));
          // React Flow re-reports its own selection whenever its nodes change; act only when that
          // selection itself changed (a lasso, a click), so a Shift-click kept in the ui store survives.
          const key = ids.join(',');
          if (key === reportedSelection.current) return;
          reportedSelection.current = key;
          setSelection(new Set(ids));
        }}
        onNodeClick={(e, node) => {
          // Shift (or Ctrl/Cmd) click adds to the selection (onShiftClick); it does not open details.
          if (e.shiftKey || e.ctrlKey || e.metaKey) return;
          const nodeId = (node as Node<ElementData>).data.topology.nodeId;
          if (nodeId) openNode(nodeId);
        }}
        onNodeMouseEnter={(e: MouseEvent, node) => {
          const nodeId = (node as Node<ElementData>).data.topology.nodeId;
          if (nodeId) setHover({ nodeId, at: { x: e.clientX, y: e.clientY } });
        }}
        onNodeMouseLeave={() => setHover(null)}
        onNodeContextMenu={(e, node) => {
          const nodeId = (node as Node<ElementData>).data.topology.nodeId;
          if (!nodeId) return;
          e.preventDefault();
          setMenu({ nodeId, at: { x: e.clientX, y: e.clientY } });
        }}
        onPaneClick={() => setMenu(null)}
        onMoveStart={() => setMenu(null)}
      >
        <Controls showInteractive={false} showFitView={false}>
          {/* React Flow's own fit only sees the nodes it has rendered, i.e. the current view. */}
          <ControlButton title="Fit the whole fleet" aria-label="Fit view" onClick={fitWhole}>
            ⤢
          </ControlButton>
        </Controls>
        {graph && showMap && <TopologyMiniMap graph={graph} />}
        {folded && (
          <div className="topo-export">
            <button type="button" className="link" onClick={() => void flow.zoomTo(READABLE_ZOOM, { duration: 300 })}>
              Show machines (zoom to {Math.round(READABLE_ZOOM * 100)} %)
            </button>
          </div>
        )}
      </ReactFlow>
      {hover && !menu && <HoverCard {...hover} />}
      {menu && menuNode && (
        <TopologyContextMenu node={menuNode} at={menu.at} onClose={() => setMenu(null)} onLifecycle={(kind) => setLifecycle({ kind, nodeId: menuNode.id })} />
      )}
      {lifecycle && fleetNodes.get(lifecycle.nodeId) && (
        <>
          {lifecycle.kind === 'reprovision' && <ReprovisionDialog node={fleetNodes.get(lifecycle.nodeId)!} onClose={() => setLifecycle(null)} />}
          {lifecycle.kind === 'rollback' && <RollbackDialog node={fleetNodes.get(lifecycle.nodeId)!} onClose={() => setLifecycle(null)} />}
          {lifecycle.kind === 'runbook' && <RunbookDialog nodes={[fleetNodes.get(lifecycle.nodeId)!]} onClose={() => setLifecycle(null)} />}
        </>
      )}
    </div>
  );
}

export function TopologyScreen() {
  const client = useClient();
  const status = useTopology((s) => s.status);
  const stale = useTopology((s) => s.stale);
  const error = useTopology((s) => s.error);
  const hasGraph = useTopology((s) => s.graph !== null);
  const nodes = useFleet((s) => s.nodes);
  const filters = useUi((s) => s.filters);
  const updates = useUpdates((s) => s.byNode);
  const selectionSize = useUi((s) => s.selection.size);
  const openNodeId = useUi((s) => s.openNodeId);
  const facets = useMemo(() => facetsOf(nodes), [nodes]);
  const matching = useMemo(() => countMatching(nodes.values(), filters, updates), [nodes, filters, updates]);

  useEffect(() => {
    if (stale) void loadTopology(client);
  }, [client, stale]);

  const openNodeData = openNodeId ? nodes.get(openNodeId) : undefined;
  return (
    <div className="fleet-screen">
      <div className="fleet-main topology">
        <FleetToolbar facets={facets} shown={matching} total={nodes.size} onSubmitSearch={requestZoomTo} />
        {selectionSize > 0 && <BulkActions />}
        <BulkProgress />
        {!hasGraph && status === 'error' && (
          <div className="empty" role="alert">
            <h2>The topology could not be built</h2>
            <p>{error?.message}</p>
          </div>
        )}
        {!hasGraph && status !== 'error' && (
          <div className="empty" role="status">
            <div className="spinner" aria-hidden="true" />
            Laying out the fleet…
          </div>
        )}
        {hasGraph && (
          <div className="topology-canvas" aria-label="Topology">
            <ReactFlowProvider>
              <Canvas />
            </ReactFlowProvider>
          </div>
        )}
      </div>
      {openNodeData && <NodeDetail node={openNodeData} />}
    </div>
  );
}
