/** Says when another console on the shared store is acting on this node, and who (live). */
import { useEffect, useState } from 'react';
import type { NodeLeaseView } from '../../../../shared/contract';
import { useClient } from '../../app/client-context';

/**
 * A lease that ran out is announced by nobody (its console stopped renewing it): the list is read
 * again this long after the soonest expiry, when a renewal would have moved it on.
 */
const RECHECK_AFTER_EXPIRY_MS = 1_000;

export function NodeBusyNote({ nodeId }: { nodeId: string }) {
  const client = useClient();
  const [held, setHeld] = useState<NodeLeaseView[]>([]);
  useEffect(() => {
    client.call('operations.leases', {}).then(setHeld, () => undefined);
    return client.on('operations.leasesChanged', setHeld);
  }, [client]);
  const lease = held.find((l) => l.nodeId === nodeId);
  useEffect(() => {
    if (!lease) return;
    const timer = setTimeout(
      () => client.call('operations.leases', {}).then(setHeld, () => undefined),
      Math.max(0, Date.parse(lease.expiresAt) - Date.now()) + RECHECK_AFTER_EXPIRY_MS,
    );
    return () => clearTimeout(timer);
  }, [client, lease]);
  if (!lease) return null;
  return (
    <p className="note warning" role="status">
      <strong>Busy:</strong> {lease.actor} (console <span className="mono">{lease.console}</span>) is running {lease.what} on it since{' '}
      {new Date(lease.since).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}. This console sends it nothing until that finishes.
    </p>
  );
}
