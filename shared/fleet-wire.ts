/**
 * The fleet as it crosses to a window: every distinct value once, each node a row of indexes into
 * them. A fleet is mostly the same few metros, plans, operating systems, tags, capability lists and
 * agent reports, and the same thirty key names on every node: at 50,000 nodes the snapshot was 66 MB
 * of JSON, which a window took seconds to parse and main seconds to write. Unpacked nodes share
 * their repeated values (the same `metro` object on every node in Amsterdam): nodes are read-only.
 */
import { z } from 'zod';
import type { FleetNode, FleetPatch } from './model';

export const PackedNodesSchema = z.object({
  /** The key lists of the nodes (one per shape; providers add their own fields). */
  shapes: z.array(z.array(z.string())),
  /** Every distinct value of every field, once. */
  values: z.array(z.unknown()),
  /** Per node: its shape, then the index of each field's value. */
  rows: z.array(z.array(z.number().int().nonnegative())),
});
export type PackedNodes = z.infer<typeof PackedNodesSchema>;

export const PackedFleetPatchSchema = z.object({ version: z.number(), upserts: PackedNodesSchema, removed: z.array(z.string()) });
export type PackedFleetPatch = z.infer<typeof PackedFleetPatchSchema>;

/**
 * Fields whose values are each node's own (ids, names, times, addresses): sent as they are, without looking for a twin. Looking costs a JSON text per value
 * and found none; at 50,000 nodes it was most of the packing time. A node's console host and
 * description are mostly its facility's or its role's: strings are looked up as they are, cheaply,
 * and sharing them took 1.5 MB off a 50,000-node snapshot.
 */
const OWN_FIELDS = new Set(['id', 'deviceId', 'shortId', 'hostname', 'ips', 'hardware', 'createdAt', 'updatedAt']);

export function packNodes(nodes: readonly FleetNode[]): PackedNodes {
  return new NodePacker().add(nodes).packed();
}

/** Packs nodes a batch at a time (a large fleet is packed between turns of the event loop). */
export class NodePacker {
  private readonly shapes: string[][] = [];
  private readonly shapeIndex = new Map<string, number>();
  private readonly values: unknown[] = [];
  private readonly rows: number[][] = [];
  // Strings by themselves, everything else by its JSON (a number and the string of its digits differ).
  private readonly strings = new Map<string, number>();
  private readonly others = new Map<string, number>();
  private readonly objects = new Map<object, number>();

  add(nodes: readonly FleetNode[]): this {
    for (const node of nodes) {
      const keys = Object.keys(node);
      const shapeKey = keys.join('\u0000');
      let shape = this.shapeIndex.get(shapeKey);
      if (shape === undefined) {
        shape = this.shapes.length;
        this.shapes.push(keys);
        this.shapeIndex.set(shapeKey, shape);
      }
      const row = [shape];
      for (const key of keys) {
        const value = (node as unknown as Record<string, unknown>)[key] ?? null;
        row.push(OWN_FIELDS.has(key) ? this.values.push(value) - 1 : this.intern(value));
      }
      this.rows.push(row);
    }
    return this;
  }

  packed(): PackedNodes {
    return { shapes: this.shapes, values: this.values, rows: this.rows };
  }

  private intern(value: unknown): number {
    // The very object again (nodes from one page, or from one unpacking, share their repeated values).
    const object = typeof value === 'object' && value !== null ? value : null;
    if (object) {
      const seen = this.objects.get(object);
      if (seen !== undefined) return seen;
    }
    const index = this.internByValue(value);
    if (object) this.objects.set(object, index);
    return index;
  }

  private internByValue(value: unknown): number {
    const table = typeof value === 'string' ? this.strings : this.others;
    const key = typeof value === 'string' ? value : JSON.stringify(value);
    let index = table.get(key);
    if (index === undefined) {
      index = this.values.push(value) - 1;
      table.set(key, index);
    }
    return index;
  }
}

/** The nodes back; a row that names a shape or a value the packing does not have is a broken message. */
export function unpackNodes(packed: PackedNodes): FleetNode[] {
  const { shapes, values, rows } = packed;
  return rows.map((row) => {
    const keys = shapes[row[0]!];
    if (!keys || row.length !== keys.length + 1) throw new Error('A packed fleet row does not match its shape.');
    const node: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) {
      const index = row[k + 1]!;
      if (index >= values.length) throw new Error('A packed fleet row points past its values.');
      node[keys[k]!] = values[index];
    }
    return node as unknown as FleetNode;
  });
}

export function packFleetPatch(patch: FleetPatch): PackedFleetPatch {
  return { version: patch.version, upserts: packNodes(patch.upserts), removed: patch.removed };
}

export function unpackFleetPatch(packed: PackedFleetPatch): FleetPatch {
  return { version: packed.version, upserts: unpackNodes(packed.upserts), removed: packed.removed };
}
