/**
 * The fleet as places and networks on a React Flow canvas. Sizes and handles are known up front
 * and only what is in view is rendered; below FOLD_ZOOM racks and VLANs fold into counts by state.
 * Filters dim the rest; search zooms to a machine; click opens its details; right-click offers its
 * actions; shift-click and shift-drag (lasso) select machines for bulk actions; the current view
 * exports as PNG or SVG.
 */
import {
  Controls,
  ReactFlow,
  ReactFlowProvider,
  getViewportForBounds,
  useReactFlow,
  useStore,
  type Node,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { toPng, toSvg } from 'html-to-image';
import { useEffect, useMemo, useState, type MouseEvent } from 'react';
import { POWER_ACTIONS, powerActionBlockedReason } from '../../../../shared/node-rules';
import { useClient } from '../../app/client-context';
import { openConsole } from '../../stores/consoles';
import { useFleet } from '../../stores/fleet';
import { toast } from '../../stores/toasts';
import { loadTopology, requestZoomTo, useTopology } from '../../stores/topology';
import { openNode, setSelection, useUi } from '../../stores/ui';
import { ACTION_LABELS, osLabel } from '../../util/format';
import { BulkActions } from '../fleet/BulkActions';
import { FleetToolbar } from '../fleet/FleetToolbar';
import { countMatching, facetsOf, primaryAddress } from '../fleet/fleet-view';
import { NodeDetail } from '../fleet/NodeDetail';
import { usePowerAction } from '../fleet/use-power-action';
import { TopologyMiniMap } from './TopologyMiniMap';
import { NODE_TYPES } from './topology-nodes';
import { buildElements, FOLD_ZOOM, type ElementData } from './topology-view';

function HoverCard({ nodeId, at }: { nodeId: string; at: { x: number; y: number } }) {
  const node = useFleet((s) => s.nodes.get(nodeId));
  if (!node) return null;
  return (
    <div className="hover-card" role="tooltip" style={{ left: at.x + 14, top: at.y + 14 }}>
      <strong>{node.hostname}</strong>
      <div>
        {node.state.replace('_', ' ')} · {osLabel(node.os)} {node.os.version}
      </div>
      <div className="muted">
        {node.facility?.code} · {node.plan} · {primaryAddress(node) || 'no address (layer-2 only)'}
      </div>
      {node.vlans.length > 0 && <div className="muted">VLAN {node.vlans.join(', ')}</div>}
    </div>
  );
}

function Canvas() {
  const client = useClient();
  const graph = useTopology((s) => s.graph);
  const collapsed = useUi((s) => s.collapsed);
  const folded = useStore((s) => s.transform[2] < FOLD_ZOOM);
  const flow = useReactFlow();
  const power = usePowerAction();
  const fleetNodes = useFleet((s) => s.nodes);
  const [hover, setHover] = useState<{ nodeId: string; at: { x: number; y: number } } | null>(null);
  const [menu, setMenu] = useState<{ nodeId: string; at: { x: number; y: number } } | null>(null);

  const elements = useMemo(() => (graph ? buildElements(graph, { folded, collapsed }) : { nodes: [], edges: [] }), [graph, folded, collapsed]);

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

  /** The current view, as the user sees it (only what is on screen is rendered anyway). */
  const exportView = async (format: 'png' | 'svg') => {
    const pane = document.querySelector<HTMLElement>('.topology-canvas .react-flow');
    if (!pane) return;
    const chrome = ['react-flow__controls', 'topo-export', 'topo-minimap', 'react-flow__panel'];
    const options = {
      backgroundColor: getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#ffffff',
      width: pane.clientWidth,
      height: pane.clientHeight,
      filter: (node: HTMLElement) => !chrome.some((c) => node.classList?.contains(c)),
    };
    try {
      const url = format === 'png' ? await toPng(pane, options) : await toSvg(pane, options);
      const a = document.createElement('a');
      a.href = url;
      a.download = `ironpane-topology.${format}`;
      a.click();
      toast('success', `Exported the topology as ${format.toUpperCase()}`);
    } catch (error) {
      toast('error', 'Export failed', error instanceof Error ? error.message : String(error));
    }
  };

  const menuNode = menu ? fleetNodes.get(menu.nodeId) : undefined;
  return (
    <>
      <ReactFlow
        nodes={elements.nodes}
        edges={elements.edges}
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
          const pane = document.querySelector('.topology-canvas')?.getBoundingClientRect();
          const viewport = getViewportForBounds({ x: 0, y: 0, width: graph.width, height: graph.height }, pane?.width ?? 1200, pane?.height ?? 800, 0.02, 2, 0.04);
          void instance.setViewport(viewport);
        }}
        proOptions={{ hideAttribution: true }}
        onSelectionChange={({ nodes }) => {
          const ids = (nodes as Node<ElementData>[]).map((n) => n.data.topology.nodeId).filter((id): id is string => Boolean(id));
          setSelection(new Set(ids));
        }}
        onNodeClick={(_e, node) => {
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
      >


        <Controls showInteractive={false} />
        {graph && <TopologyMiniMap graph={graph} />}
        <div className="topo-export">
          <button type="button" onClick={() => void exportView('png')}>
            Export PNG
          </button>
          <button type="button" onClick={() => void exportView('svg')}>
            Export SVG
          </button>
          {folded && <span className="muted">Zoom in to see machines</span>}
        </div>
      </ReactFlow>
      {hover && !menu && <HoverCard {...hover} />}
      {menu && menuNode && (
        <div className="context-menu" role="menu" aria-label={`Actions for ${menuNode.hostname}`} style={{ left: menu.at.x, top: menu.at.y }} onMouseLeave={() => setMenu(null)}>
          <button role="menuitem" type="button" onClick={() => (openNode(menuNode.id), setMenu(null))}>
            Details
          </button>
          <button role="menuitem" type="button" onClick={() => (void openConsole(client, menuNode.id), setMenu(null))}>
            Open console
          </button>
          {POWER_ACTIONS.map((action) => (
            <button
              key={action}
              role="menuitem"
              type="button"
              disabled={powerActionBlockedReason(menuNode, action) !== null}
              onClick={() => {
                setMenu(null);
                void power(menuNode, action);
              }}
            >
              {ACTION_LABELS[action]}
            </button>
          ))}
        </div>
      )}
    </>
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
  const selectionSize = useUi((s) => s.selection.size);
  const openNodeId = useUi((s) => s.openNodeId);
  const facets = useMemo(() => facetsOf(nodes.values()), [nodes]);
  const matching = useMemo(() => countMatching(nodes.values(), filters), [nodes, filters]);

  useEffect(() => {
    if (stale) void loadTopology(client);
  }, [client, stale]);

  const openNodeData = openNodeId ? nodes.get(openNodeId) : undefined;
  return (
    <div className="fleet-screen">
      <div className="fleet-main topology">
        <FleetToolbar facets={facets} shown={matching} total={nodes.size} onSubmitSearch={requestZoomTo} />
        {selectionSize > 0 && <BulkActions />}
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
