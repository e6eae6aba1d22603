/**
 * What a machine on the topology offers under the pointer: a hover card, and on right-click its
 * actions as a menu (arrow keys move, Escape closes, focus starts on the first item). Items that
 * cannot act now say why (the one Button's disabledReason).
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import { capabilityMissingReason } from '../../../../shared/capabilities';
import type { FleetNode } from '../../../../shared/model';
import { POWER_ACTIONS, powerActionBlockedReason, reinstallBlockedReason, runbookBlockedReason } from '../../../../shared/node-rules';
import { useClient } from '../../app/client-context';
import { openConsole } from '../../stores/consoles';
import { useFleet } from '../../stores/fleet';
import { openNode } from '../../stores/ui';
import { Button } from '../../ui/Button';
import { ACTION_LABELS, osText } from '../../util/format';
import { primaryAddress } from '../fleet/fleet-view';
import { usePowerAction } from '../fleet/use-power-action';

export function HoverCard({ nodeId, at }: { nodeId: string; at: { x: number; y: number } }) {
  const node = useFleet((s) => s.nodes.get(nodeId));
  if (!node) return null;
  return (
    <div className="hover-card" role="tooltip" style={{ left: at.x + 14, top: at.y + 14 }}>
      <strong>{node.hostname}</strong>
      <div>
        {node.state.replace('_', ' ')} · {osText(node.os)}
      </div>
      <div className="muted">
        {node.facility?.code} · {node.plan} · {primaryAddress(node) || 'no address (layer-2 only)'}
      </div>
      {node.vlans.length > 0 && <div className="muted">VLAN {node.vlans.join(', ')}</div>}
    </div>
  );
}

export function TopologyContextMenu({
  node,
  at,
  onClose,
  onLifecycle,
}: {
  node: FleetNode;
  at: { x: number; y: number };
  onClose(): void;
  onLifecycle(kind: 'reprovision' | 'rollback' | 'runbook'): void;
}) {
  const client = useClient();
  const power = usePowerAction();
  const menuRef = useRef<HTMLDivElement>(null);
  // The canvas re-renders as the fleet moves; the latest onClose is used without re-running the
  // effect, which would move focus back to the first item under the user's arrow keys.
  const close = useRef(onClose);
  useLayoutEffect(() => {
    close.current = onClose;
  });
  useEffect(() => {
    menuRef.current?.querySelector<HTMLButtonElement>('button')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        close.current();
      } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        // Disabled items stay in the round (aria-disabled): focused, they read out why.
        const items = [...(menuRef.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
        const index = items.indexOf(document.activeElement as HTMLButtonElement);
        event.preventDefault();
        items[(index + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const then = (act: () => void) => () => {
    onClose();
    act();
  };
  return (
    <div
      ref={menuRef}
      className="context-menu"
      role="menu"
      aria-label={`Actions for ${node.hostname}`}
      style={{ left: at.x, top: at.y }}
      onMouseLeave={onClose}
    >
      <Button role="menuitem" onClick={then(() => openNode(node.id))}>
        Details
      </Button>
      <Button role="menuitem" disabledReason={capabilityMissingReason(node, 'serialConsole')} onClick={then(() => void openConsole(client, node.id))}>
        Open console
      </Button>
      {POWER_ACTIONS.map((action) => (
        <Button key={action} role="menuitem" disabledReason={powerActionBlockedReason(node, action)} onClick={then(() => void power(node, action))}>
          {ACTION_LABELS[action]}
        </Button>
      ))}
      <Button role="menuitem" disabledReason={reinstallBlockedReason(node)} onClick={then(() => onLifecycle('reprovision'))}>
        Reprovision…
      </Button>
      <Button role="menuitem" onClick={then(() => onLifecycle('rollback'))}>
        Roll back…
      </Button>
      <Button role="menuitem" disabledReason={runbookBlockedReason(node)} onClick={then(() => onLifecycle('runbook'))}>
        Run runbook…
      </Button>
    </div>
  );
}
