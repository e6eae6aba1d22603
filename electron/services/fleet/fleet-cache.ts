/**
 * The last fleet each account listed, kept on disk so that a restart shows it at once while the
 * first sync runs: at 10,000 nodes that sync fetches ~45 MB and takes seconds of main's time
 * (docs/architecture.md#fleet-sync). The fleet it holds is marked as of its sync time until the
 * first sync of the launch replaces it; nodes carry no secrets (FleetNodeSchema), and the file is
 * the user's alone like the rest of the data folder.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { FleetNodeSchema, type FleetNode } from '../../../shared/model';
import { NodePacker, PackedNodesSchema, packNodes, unpackNodes, type PackedNodes } from '../../../shared/fleet-wire';

/** Nodes packed, and values or rows written out as text, per turn of the event loop when the cache is written after a sync. */
const PACK_BATCH = 2_000;
const TEXT_SLICE = 2_000;
import type { Logger } from '../ports';

/**
 * Bump when FleetNode or its fingerprint changes: a cache of another format is ignored, not
 * migrated. 2: nodes packed. 3: each node's fingerprint kept beside it.
 */
const FORMAT = 3;
/** A node's fingerprint as node-fingerprint.ts writes it: a SHA-1 in base64. */
const FINGERPRINT = /^[A-Za-z0-9+/]{27}=$/;

/** Rows are checked by checkedNodes (a loop over 1.5 million indexes at 50,000 nodes, where zod took 0.4 s). */
const CachedFleetSchema = z.object({
  format: z.literal(FORMAT),
  accountId: z.string(),
  savedAt: z.string(),
  nodes: PackedNodesSchema.extend({ rows: z.array(z.unknown()) }),
  /**
   * Each row's node fingerprint, in row order: working them out again took a second of main's time
   * at 50,000 nodes, while a restarted window waited for its snapshot. They are trusted as the
   * nodes are: both come from this data folder (see load).
   */
  fingerprints: z.array(z.string().regex(FINGERPRINT)),
});

/**
 * The packed nodes' values, each checked once against the schema of every field it stands for, and
 * each shape against the node's keys: what checking all 50,000 nodes one by one would prove, at a
 * fraction of the cost (most values are shared). Returns the nodes, or null.
 */
function checkedNodes(packed: PackedNodes): FleetNode[] | null {
  const fields = FleetNodeSchema.shape as Record<string, z.ZodType>;
  // A plain string field is checked by its type: zod for 300,000 ids, names and times took a second.
  const plainString = (schema: z.ZodType) => schema instanceof z.ZodString && (schema._zod.def.checks ?? []).length === 0;
  const isPlain = new Map(Object.entries(fields).map(([key, schema]) => [key, plainString(schema)]));
  const required = Object.entries(fields)
    .filter(([, schema]) => !schema.safeParse(undefined).success)
    .map(([key]) => key);
  // Per field, which values were checked already (most are shared): a flag per value, no keys built.
  const checked = new Map<string, Uint8Array>();
  for (const keys of packed.shapes) {
    if (keys.some((key) => !(key in fields)) || required.some((key) => !keys.includes(key))) return null;
    for (const key of keys) if (!checked.has(key)) checked.set(key, new Uint8Array(packed.values.length));
  }
  for (const row of packed.rows as unknown[]) {
    if (!Array.isArray(row) || !Number.isInteger(row[0])) return null;
    const keys = packed.shapes[row[0] as number];
    if (!keys || row.length !== keys.length + 1) return null;
    for (let k = 0; k < keys.length; k++) {
      const index = row[k + 1] as number;
      if (!Number.isInteger(index) || index < 0 || index >= packed.values.length) return null;
      const done = checked.get(keys[k]!)!;
      if (done[index] === 1) continue;
      const value = packed.values[index];
      if (isPlain.get(keys[k]!) ? typeof value !== 'string' : !fields[keys[k]!]!.safeParse(value).success) return null;
      done[index] = 1;
    }
  }
  return unpackNodes(packed);
}

export interface CachedFleet {
  /** When the sync that listed these nodes finished (ISO 8601). */
  savedAt: string;
  nodes: FleetNode[];
  /** Each node's fingerprint (fingerprintOf), in the order of `nodes`. */
  fingerprints: string[];
}

/** A fleet read from the cache: also packed as it was on disk, which a window's first snapshot can send as it is. */
export interface LoadedFleet extends CachedFleet {
  packed: PackedNodes;
}

export class FleetCache {
  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  private file(accountId: string): string {
    return path.join(this.dir, `${encodeURIComponent(accountId)}.json`);
  }

  /**
   * The account's cached fleet, or null. Read synchronously at start-up, before the first sync
   * competes for the event loop. A file that is unreadable, of another format or not this
   * account's is dropped with a warning: it is a cache, the sync rebuilds it. The fingerprints are
   * taken as written: a file here that lies about a node could as well lie in the node itself, and
   * the data folder (mode 0700) also holds the vault's key.
   */
  load(accountId: string): LoadedFleet | null {
    const file = this.file(accountId);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn('fleet cache unreadable; the first sync rebuilds it', { file, cause });
      return null;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = null;
    }
    const parsed = CachedFleetSchema.safeParse(raw);
    // The nodes as written, not as zod rebuilt them: zod puts keys in schema order, and the sync
    // compares nodes by their JSON, so every cached node would have looked changed.
    const nodes = parsed.success && parsed.data.accountId === accountId ? checkedNodes((raw as { nodes: PackedNodes }).nodes) : null;
    if (!parsed.success || !nodes || nodes.length !== parsed.data.fingerprints.length || nodes.some((node) => node.accountId !== accountId)) {
      this.log.warn('fleet cache is not a fleet of this account or format; ignored and removed', { file });
      this.remove(accountId);
      return null;
    }
    return { savedAt: parsed.data.savedAt, nodes, fingerprints: parsed.data.fingerprints, packed: (raw as { nodes: PackedNodes }).nodes };
  }

  /**
   * Writes the account's fleet, then renames it into place, so a crash mid-write leaves the previous
   * cache. Synchronous: it runs after a sync or at shutdown, where a promise might not be awaited.
   */
  save(accountId: string, fleet: CachedFleet): void {
    const { savedAt, fingerprints } = fleet;
    this.writeTextSync(accountId, JSON.stringify({ format: FORMAT, accountId, savedAt, nodes: packNodes(fleet.nodes), fingerprints }));
  }

  /**
   * Writes the parts in order through one file handle, each encoded as it is written: joining 25 MB
   * of text and encoding it in one write held main for a tenth of a second.
   */
  private async writeParts(accountId: string, parts: readonly string[]): Promise<void> {
    const file = this.file(accountId);
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'w', 0o600);
      try {
        for (const part of parts) await handle.write(part);
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (cause) {
      this.log.warn('fleet cache not written', { file, cause });
      await rm(temp, { force: true });
    }
  }

  private writeTextSync(accountId: string, text: string): void {
    const file = this.file(accountId);
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(temp, text, { mode: 0o600 });
      renameSync(temp, file);
    } catch (cause) {
      // A full disk or a read-only folder costs the next launch its head start, nothing more.
      this.log.warn('fleet cache not written', { file, cause });
      rmSync(temp, { force: true });
    }
  }

  /**
   * As save, packing the nodes a batch at a time between turns of the event loop: after a sync,
   * where packing 50,000 nodes in one go held main for over a second.
   */
  async saveSoon(accountId: string, fleet: CachedFleet): Promise<void> {
    const packer = new NodePacker();
    for (let start = 0; start < fleet.nodes.length; start += PACK_BATCH) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      packer.add(fleet.nodes.slice(start, start + PACK_BATCH));
    }
    // The text too a slice at a time: 25 MB of JSON at 50,000 nodes was a quarter second in one go.
    const { shapes, values, rows } = packer.packed();
    const parts = [
      `{"format":${FORMAT},"accountId":${JSON.stringify(accountId)},"savedAt":${JSON.stringify(fleet.savedAt)},"nodes":{"shapes":${JSON.stringify(shapes)}`,
    ];
    for (const [name, list] of [
      ['values', values],
      ['rows', rows],
      ['fingerprints', fleet.fingerprints],
    ] as const) {
      parts.push(name === 'fingerprints' ? '},"fingerprints":[' : `,"${name}":[`);
      for (let start = 0; start < list.length; start += TEXT_SLICE) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        parts.push(`${start > 0 ? ',' : ''}${JSON.stringify(list.slice(start, start + TEXT_SLICE)).slice(1, -1)}`);
      }
      parts.push(']');
    }
    parts.push('}');
    await this.writeParts(accountId, parts);
  }

  remove(accountId: string): void {
    rmSync(this.file(accountId), { force: true });
  }
}
