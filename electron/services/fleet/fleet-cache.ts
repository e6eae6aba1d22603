/**
 * The last fleet each account listed, kept on disk so that a restart shows it at once while the
 * first sync runs: at 10,000 nodes that sync fetches ~45 MB and takes seconds of main's time
 * (docs/architecture.md#fleet-sync). The fleet it holds is marked as of its sync time until the
 * first sync of the launch replaces it; nodes carry no secrets (FleetNodeSchema), and the file is
 * the user's alone like the rest of the data folder.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { FleetNodeSchema, type FleetNode } from '../../../shared/model';
import type { Logger } from '../ports';

/** Bump when FleetNode changes shape: a cache of another format is ignored, not migrated. */
const FORMAT = 1;

const CachedFleetSchema = z.object({
  format: z.literal(FORMAT),
  accountId: z.string(),
  savedAt: z.string(),
  nodes: z.array(FleetNodeSchema),
});

export interface CachedFleet {
  /** When the sync that listed these nodes finished (ISO 8601). */
  savedAt: string;
  nodes: FleetNode[];
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
   * account's is dropped with a warning: it is a cache, the sync rebuilds it.
   */
  load(accountId: string): CachedFleet | null {
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
    if (!parsed.success || parsed.data.accountId !== accountId || parsed.data.nodes.some((node) => node.accountId !== accountId)) {
      this.log.warn('fleet cache is not a fleet of this account or format; ignored and removed', { file });
      this.remove(accountId);
      return null;
    }
    // The nodes as written, not as zod rebuilt them: zod puts keys in schema order, and the sync
    // compares nodes by their JSON, so every cached node would have looked changed.
    return { savedAt: parsed.data.savedAt, nodes: (raw as { nodes: FleetNode[] }).nodes };
  }

  /**
   * Writes the account's fleet, then renames it into place, so a crash mid-write leaves the previous
   * cache. Synchronous: it runs after a sync or at shutdown, where a promise might not be awaited.
   */
  save(accountId: string, fleet: CachedFleet): void {
    const file = this.file(accountId);
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(temp, JSON.stringify({ format: FORMAT, accountId, savedAt: fleet.savedAt, nodes: fleet.nodes }), { mode: 0o600 });
      renameSync(temp, file);
    } catch (cause) {
      // A full disk or a read-only folder costs the next launch its head start, nothing more.
      this.log.warn('fleet cache not written', { file, cause });
      rmSync(temp, { force: true });
    }
  }

  remove(accountId: string): void {
    rmSync(this.file(accountId), { force: true });
  }
}
