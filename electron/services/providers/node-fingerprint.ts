/**
 * A node's fingerprint: the SHA-1 of its JSON text, exact for telling a change (a collision would
 * need 2^80 nodes) and 28 characters where the text itself held 66 MB of main's heap at 50,000
 * nodes. A provider that reads its nodes in a worker works the fingerprints out there and notes them
 * with each node; the fleet then takes them as they are (nodes are never changed in place).
 */
import { hash } from 'node:crypto';
import type { FleetNode } from '../../../shared/model';

const noted = new WeakMap<FleetNode, string>();

export function digestOf(node: FleetNode): string {
  return hash('sha1', JSON.stringify(node), 'base64');
}

export function fingerprintOf(node: FleetNode): string {
  let fingerprint = noted.get(node);
  if (fingerprint === undefined) {
    fingerprint = digestOf(node);
    noted.set(node, fingerprint);
  }
  return fingerprint;
}

/** The fingerprint worked out where the node was made (digestOf, in a worker). */
export function noteFingerprint(node: FleetNode, fingerprint: string): void {
  noted.set(node, fingerprint);
}
