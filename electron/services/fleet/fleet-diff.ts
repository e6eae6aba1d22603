/** Pure diffing of one account's fresh node list against what the renderer already has. */
import type { FleetNode } from '../../../shared/model';
import { fingerprintOf } from '../providers/node-fingerprint';

export interface FleetDiff {
  upserts: FleetNode[];
  removed: string[];
}

/**
 * `previous` maps node id → a fingerprint of the node as last sent (fingerprintOf), measured in
 * `npm run bench`. A provider that hands back the very object it
 * returned last time for an unchanged device (`sent` says which object that was) costs nothing.
 */
export function diffAccountNodes(
  previous: ReadonlyMap<string, string>,
  next: readonly FleetNode[],
  sent: (id: string) => FleetNode | undefined = () => undefined,
): FleetDiff & { fingerprints: Map<string, string> } {
  const fingerprints = new Map<string, string>();
  const upserts: FleetNode[] = [];
  for (const node of next) {
    const known = previous.get(node.id);
    if (known !== undefined && sent(node.id) === node) {
      fingerprints.set(node.id, known);
      continue;
    }
    const fingerprint = fingerprintOf(node);
    fingerprints.set(node.id, fingerprint);
    if (known !== fingerprint) upserts.push(node);
  }
  const removed = [...previous.keys()].filter((id) => !fingerprints.has(id));
  return { upserts, removed, fingerprints };
}
