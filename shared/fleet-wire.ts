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

export function packNodes(nodes: readonly FleetNode[]): PackedNodes {
  const shapes: string[][] = [];
  const shapeIndex = new Map<string, number>();
  const values: unknown[] = [];
  // Strings by themselves, everything else by its JSON (a number and the string of its digits differ).
  const strings = new Map<string, number>();
  const others = new Map<string, number>();
  const intern = (value: unknown): number => {
    const table = typeof value === 'string' ? strings : others;
    const key = typeof value === 'string' ? value : JSON.stringify(value);
    let index = table.get(key);
    if (index === undefined) {
      index = values.length;
      values.push(value);
      table.set(key, index);
    }
    return index;
  };
  const rows = nodes.map((node) => {
    const keys = Object.keys(node);
    const shapeKey = keys.join('\u0000');
    let shape = shapeIndex.get(shapeKey);
    if (shape === undefined) {
      shape = shapes.length;
      shapes.push(keys);
      shapeIndex.set(shapeKey, shape);
    }
    const row = [shape];
    for (const key of keys) row.push(intern((node as unknown as Record<string, unknown>)[key] ?? null));
    return row;
  });
  return { shapes, values, rows };
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
