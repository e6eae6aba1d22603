/**
 * Keeps the normalised fleet in main and pushes patches to the renderer.
 *
 * Each account has one loop. A full sync lists every device (the Metal API has no "changed since"
 * filter); it runs every `pollIntervalMs`, stretched to at least 8× the last full sync's duration so
 * a large fleet never spends more than about a tenth of its time polling. Between full syncs, nodes in a
 * transitional state (powering_off, provisioning, …) are followed individually every
 * `busyPollIntervalMs` (the "fast lane"), so the user sees `powering_off → inactive` promptly
 * without re-listing 10,000 machines. An action asks for a prompt refresh of its node.
 */
import { AppError, isAppError } from '../../../shared/errors';
import { forEachLimited } from '../../../shared/concurrency';
import { TRANSITIONAL_STATES, type Connection, type FleetNode, type NodeEvent } from '../../../shared/model';
import type { FleetSnapshot } from '../../../shared/contract';
import type { EventBus } from '../../rpc/event-bus';
import type { ConnectionService } from '../connections/connection-service';
import type { FleetProvider } from '../providers/provider';
import type { Clock, Logger } from '../ports';
import type { FleetCache } from './fleet-cache';
import { NodeInterner } from './node-interner';
import { diffAccountNodes } from './fleet-diff';
import { fingerprintOf } from '../providers/node-fingerprint';
import type { PackedNodes } from '../../../shared/fleet-wire';

export interface FleetServiceOptions {
  /** Which connections there are (the fleet syncs each). */
  connections: Pick<ConnectionService, 'ids'>;
  /** A connection's provider, lent by compose: the fleet does not reach into the connection service's map. */
  providerOf(connectionId: string): Promise<FleetProvider>;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** Steady-state interval between polls of one account. */
  pollIntervalMs?: number;
  /** Interval while something is changing state. */
  busyPollIntervalMs?: number;
  /** Where the last listed fleet is kept across launches; none in tests that do not need it. */
  cache?: FleetCache;
  /** A connection's sync state changed (compose tells the window, with the connection list). */
  syncChanged?(): void;
}

/** How a connection's syncing goes: the fleet owns it, since the fleet is what syncs. */
export type SyncState = Connection['sync'];
const NOT_SYNCED: SyncState = { status: 'connecting', lastSyncAt: null, nodeCount: 0, error: null };

interface AccountLoop {
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  /** A full sync was asked for while one was running. */
  again: boolean;
  stopped: boolean;
  nextFullAt: number;
  lastFullMs: number;
  /** The account's nodes changed since the cache was last written. */
  unsaved: boolean;
  /** When the cache was last written (clock ms); 0: not this launch. */
  savedAt: number;
  /** The provider can list what changed (Ironic): deltas keep the fleet fresh between full lists. */
  deltas: boolean;
  nextDeltaAt: number;
  /** Settles when the account's first sync of this launch has finished (or the loop stopped first). */
  firstSynced: Promise<void>;
  markFirstSynced(): void;
}

/** Above this many changing nodes, following them one by one costs more than a full list. */
const FAST_LANE_MAX = 25;
const FAST_LANE_CONCURRENCY = 4;
/** The cache is rewritten after a sync that changed something, at most this often (and at stop). */
const CACHE_SAVE_EVERY_MS = 60_000;
/** How long a launch with a cached fleet waits for a window before its first sync starts anyway. */
const CACHED_FIRST_SYNC_DELAY_MS = 3_000;
/** How long a window has to show the cached fleet before the first sync competes with it. */
const SNAPSHOT_HEAD_START_MS = 1_000;
/**
 * A sync waits at least this many times its own duration: at most 5 % of one core on polling
 * (a steady-state 10,000-node poll is a light list, see MetalProvider and `npm run bench`).
 */
export const FULL_SYNC_COST_FACTOR = 19;
/**
 * With deltas, a full list is only the safety net for what a delta cannot see (nodes enrolled or
 * deleted), so it runs at most this often; the deltas run at the steady pace.
 */
const FULL_SYNC_WITH_DELTAS_MS = 60_000;
/** Nodes of a first sync's page patched and sent per turn of the event loop (showInSlices). */
const SHOW_SLICE = 100;
/** How long a node read on its own outranks an older copy of it in a list (fleet-service.ts, newest). */
const LIST_DEFERS_TO_READ_MS = 30_000;

export class FleetService {
  private readonly nodes = new Map<string, FleetNode>();
  private readonly fingerprints = new Map<string, Map<string, string>>();
  private readonly loops = new Map<string, AccountLoop>();
  private version = 0;
  private started = false;
  /** Connections whose first sync waits for a window to take the cached fleet (deferFirstSync). */
  private readonly deferred = new Set<string>();
  /** Duration of the last poll's normalise + diff work, for the bench. */
  lastPollCost = { fetchMs: 0, diffMs: 0, upserts: 0 };

  private readonly syncs = new Map<string, SyncState>();

  constructor(private readonly options: FleetServiceOptions) {}

  /** A connection's sync state (connecting, until its first sync answers). */
  syncOf(accountId: string): SyncState {
    return this.syncs.get(accountId) ?? NOT_SYNCED;
  }

  private setSync(accountId: string, next: Partial<SyncState>): void {
    const current = this.syncOf(accountId);
    const merged = { ...current, ...next };
    if (JSON.stringify(merged) === JSON.stringify(current)) return;
    this.syncs.set(accountId, merged);
    this.options.syncChanged?.();
  }

  start(): void {
    this.started = true;
    this.syncLoops();
    // Nothing waits for a window: the first syncs have started (or there is nothing to sync).
    if (this.deferred.size === 0) this.markSyncStarted();
  }

  private markSyncStarted: () => void = () => undefined;
  private readonly syncStarted = new Promise<void>((resolve) => (this.markSyncStarted = resolve));

  /**
   * Settles when the launch's first sync starts: at once, or, where the fleet came from the cache,
   * once a window has had its head start with it (deferFirstSync). Other start-up work that competes
   * with the window (the update servers' first round) waits for it too.
   */
  firstSyncStarted(): Promise<void> {
    return this.syncStarted;
  }

  stop(): void {
    this.started = false;
    this.markSyncStarted();
    for (const [accountId, loop] of this.loops) {
      loop.stopped = true;
      loop.markFirstSynced();
      if (loop.timer) clearTimeout(loop.timer);
      if (loop.unsaved && loop.savedAt > 0) this.saveCache(accountId, loop);
    }
    this.loops.clear();
  }

  /** Call after connections change: starts loops for new connections, drops nodes of removed ones. */
  syncLoops(): void {
    if (!this.started) return;
    const ids = new Set(this.options.connections.ids());
    for (const [accountId, loop] of this.loops) {
      if (ids.has(accountId)) continue;
      loop.stopped = true;
      loop.markFirstSynced();
      if (loop.timer) clearTimeout(loop.timer);
      this.loops.delete(accountId);
      this.syncs.delete(accountId);
      this.dropAccount(accountId);
      this.options.cache?.remove(accountId);
    }
    for (const accountId of ids) {
      if (!this.loops.has(accountId)) {
        let markFirstSynced = () => {};
        const firstSynced = new Promise<void>((resolve) => (markFirstSynced = resolve));
        this.loops.set(accountId, {
          firstSynced,
          markFirstSynced,
          timer: null,
          running: null,
          again: false,
          stopped: false,
          nextFullAt: 0,
          lastFullMs: 0,
          unsaved: false,
          savedAt: 0,
          deltas: false,
          nextDeltaAt: 0,
        });
        if (this.seedFromCache(accountId)) this.deferFirstSync(accountId);
        else void this.poll(accountId);
      }
    }
  }

  /**
   * Shows the fleet the account listed last launch until its first sync answers; that sync then
   * patches only what moved meanwhile. The account's sync time says how old it is.
   */
  private seedFromCache(accountId: string): boolean {
    if (this.fingerprints.has(accountId)) return false;
    const cached = this.options.cache?.load(accountId);
    if (!cached) return false;
    const fingerprints = new Map<string, string>();
    cached.nodes.forEach((node, k) => {
      this.keep(node);
      fingerprints.set(node.id, cached.fingerprints[k]!);
    });
    this.fingerprints.set(accountId, fingerprints);
    this.changed(cached.nodes, []);
    // The only fleet there is: a window's snapshot can be the cache's packing as read (seedPacked).
    if (this.nodes.size === cached.nodes.length) this.seed = { version: this.version, packed: cached.packed };
    this.setSync(accountId, { status: 'connecting', lastSyncAt: cached.savedAt, nodeCount: cached.nodes.length });
    return true;
  }

  /** The cache's packing as read, while the fleet is still what it held (dropped by the next change). */
  private seed: { version: number; packed: PackedNodes } | null = null;

  /**
   * The packed form of a snapshot of this version, when the fleet is still the cache's: at 50,000
   * nodes packing it again was half a second of main's time while a restarted window waited.
   */
  seedPacked(snapshot: FleetSnapshot): PackedNodes | null {
    return this.seed?.version === snapshot.version ? this.seed.packed : null;
  }

  /** A new version of the fleet, told to the bus; the cache's packing no longer describes it. */
  private changed(upserts: FleetNode[], removed: string[]): void {
    this.seed = null;
    this.version += 1;
    this.options.bus.emit('fleet.changed', { version: this.version, upserts, removed });
  }

  /**
   * With a cached fleet to show, the window gets it first: a 10,000-node first sync keeps main and
   * the API busy for seconds, and on a small machine the window loading beside it got neither the
   * CPU to take a 13 MB snapshot nor main's attention (page load → table 4.7 s with the cache and
   * the sync at once). The sync starts SNAPSHOT_HEAD_START_MS after a window took its snapshot, or
   * CACHED_FIRST_SYNC_DELAY_MS after launch if no window asks.
   */
  private deferFirstSync(accountId: string): void {
    const loop = this.loops.get(accountId)!;
    loop.timer = setTimeout(() => {
      loop.timer = null;
      void this.poll(accountId);
    }, CACHED_FIRST_SYNC_DELAY_MS);
    loop.timer.unref?.();
    this.deferred.add(accountId);
  }

  /** The snapshot a window asked for: any first sync held back for it starts right after it is sent. */
  snapshotForView(): FleetSnapshot {
    for (const accountId of this.deferred) {
      const loop = this.loops.get(accountId);
      if (!loop?.timer) continue;
      clearTimeout(loop.timer);
      loop.timer = setTimeout(() => {
        loop.timer = null;
        void this.poll(accountId);
      }, SNAPSHOT_HEAD_START_MS);
      loop.timer.unref?.();
    }
    this.deferred.clear();
    return this.snapshot();
  }

  private markUnsaved(accountId: string): void {
    const loop = this.loops.get(accountId);
    if (loop) loop.unsaved = true;
  }

  /** `soon`: packed between turns of the event loop (after a sync); else at once (at stop). */
  private saveCache(accountId: string, loop: AccountLoop, soon = false): Promise<void> {
    const nodes: FleetNode[] = [];
    const fingerprints: string[] = [];
    for (const [id, fingerprint] of this.fingerprints.get(accountId) ?? []) {
      const node = this.nodes.get(id);
      if (!node) continue;
      nodes.push(node);
      fingerprints.push(fingerprint);
    }
    const fleet = { savedAt: new Date(this.options.clock.now()).toISOString(), nodes, fingerprints };
    loop.unsaved = false;
    loop.savedAt = this.options.clock.now();
    if (soon) return this.options.cache?.saveSoon(accountId, fleet) ?? Promise.resolve();
    this.options.cache?.save(accountId, fleet);
    return Promise.resolve();
  }

  snapshot(): FleetSnapshot {
    return { version: this.version, nodes: [...this.nodes.values()] };
  }

  snapshotNode(nodeId: string): FleetNode | undefined {
    return this.nodes.get(nodeId);
  }

  node(nodeId: string): FleetNode {
    const node = this.nodes.get(nodeId);
    if (!node) throw new AppError('not_found', `Node ${nodeId} is not in the fleet (it may have been deleted).`);
    return node;
  }

  async nodeEvents(nodeId: string): Promise<NodeEvent[]> {
    const node = this.node(nodeId);
    const provider = await this.options.providerOf(node.accountId);
    return provider.nodeEvents(node.deviceId);
  }

  /** Polls now (or right after the poll in flight) and resolves when that poll has finished. */
  /**
   * Settles once every account has finished its first sync of this launch, asking for none: what
   * must look at the nodes first (resuming operations) waits here. Asking for a refresh instead ran a
   * second full list right after the first, 50,000 devices again at start.
   */
  async firstSyncs(): Promise<void> {
    await Promise.all([...this.loops.values()].map((loop) => loop.firstSynced));
  }

  async refresh(accountId?: string): Promise<number> {
    const ids = accountId ? [accountId] : [...this.loops.keys()];
    await Promise.all(ids.map((id) => this.poll(id)));
    return ids.length;
  }

  /** Fetches one node now (after an action on it) and lets the fast lane follow it from there. */
  async refreshNode(nodeId: string): Promise<void> {
    const node = this.node(nodeId);
    const provider = await this.options.providerOf(node.accountId);
    this.applyPartial(node.accountId, [await provider.getNode(node.deviceId)]);
    const loop = this.loops.get(node.accountId);
    if (loop && !loop.running && !loop.stopped) {
      if (loop.timer) clearTimeout(loop.timer);
      this.settle(node.accountId, loop);
    }
  }

  /** Runs a full sync now (or right after the one in flight); resolves when it has finished. */
  private poll(accountId: string): Promise<void> {
    const loop = this.loops.get(accountId);
    if (!loop || loop.stopped) return Promise.resolve();
    if (loop.running) {
      // The caller wants data fresher than the sync in flight: run one more after it, and wait for it.
      loop.again = true;
      return loop.running.then(() => loop.running ?? undefined);
    }
    if (loop.timer) clearTimeout(loop.timer);
    loop.timer = null;
    this.markSyncStarted();
    loop.running = this.fullSync(accountId, loop).finally(() => {
      loop.markFirstSynced();
      this.settle(accountId, loop);
    });
    return loop.running;
  }

  /** After any tick: run a full sync that was asked for meanwhile, else plan the next tick. */
  private settle(accountId: string, loop: AccountLoop): void {
    loop.running = null;
    if (loop.stopped) return;
    if (loop.again) {
      loop.again = false;
      void this.poll(accountId);
      return;
    }
    const now = this.options.clock.now();
    const busy = this.busyNodes(accountId).length;
    const busyInterval = this.options.busyPollIntervalMs ?? 1_000;
    // Many nodes changing at once: full syncs at the busy pace, still bounded by their own cost. A
    // provider that can tell what changed needs none: its deltas follow them.
    if (busy > FAST_LANE_MAX && !loop.deltas) loop.nextFullAt = Math.min(loop.nextFullAt, now + Math.max(busyInterval, 3 * loop.lastFullMs));
    const dueIn = Math.max(0, loop.nextFullAt - now);
    const followIn = busy > 0 && busy <= FAST_LANE_MAX ? Math.min(dueIn, busyInterval) : dueIn;
    const delay = loop.deltas ? Math.min(followIn, Math.max(0, loop.nextDeltaAt - now)) : followIn;
    loop.timer = setTimeout(() => {
      loop.timer = null;
      if (loop.stopped) return;
      if (this.options.clock.now() >= loop.nextFullAt) void this.poll(accountId);
      else loop.running = this.followChanges(accountId, loop).finally(() => this.settle(accountId, loop));
    }, delay);
    loop.timer.unref?.();
  }

  private async fullSync(accountId: string, loop: AccountLoop): Promise<void> {
    const { clock, log } = this.options;
    const started = clock.now();
    let waited = 0;
    try {
      const provider = await this.options.providerOf(accountId);
      loop.deltas = typeof provider.listChanged === 'function' && provider.followsChanges !== false;
      // On an account's first sync, show each page as it lands instead of waiting for the last.
      const firstSync = !this.fingerprints.has(accountId);
      if (firstSync) this.fingerprints.set(accountId, new Map());
      // Each page is shown a slice per turn of the event loop, in order: a page of 500 nodes patched
      // and sent to the window in one go held main for 20–40 ms.
      let shown = Promise.resolve();
      const showPage = (page: FleetNode[]) => {
        shown = shown.then(() => this.showInSlices(accountId, loop, page));
      };
      const fresh = await provider.listNodes(firstSync ? showPage : undefined);
      await shown;
      waited = provider.lastListWaitMs ?? 0;
      const fetched = clock.now();
      if (loop.stopped) return;
      const upserts = this.apply(accountId, fresh);
      this.lastPollCost = { fetchMs: fetched - started, diffMs: clock.now() - fetched, upserts };
      // The first sync of a launch always writes: the cache then says when the fleet was last confirmed.
      if (loop.savedAt === 0 || (loop.unsaved && clock.now() - loop.savedAt >= CACHE_SAVE_EVERY_MS)) await this.saveCache(accountId, loop, true);
      const warning = provider.lastWarning ? new AppError('invalid', provider.lastWarning, { retryable: false }).toData() : null;
      this.setSync(accountId, {
        status: 'ok',
        lastSyncAt: new Date(clock.now()).toISOString(),
        nodeCount: fresh.length,
        error: warning,
        follows: loop.deltas && provider.followsChanges !== false ? 'changes' : 'lists',
      });
    } catch (cause) {
      const error = isAppError(cause) ? cause : new AppError('internal', 'Refreshing the fleet failed; see the main process log.', { cause });
      if (!isAppError(cause)) log.error('fleet poll failed', { accountId, cause });
      this.setSync(accountId, { status: 'error', error: error.toData() });
    } finally {
      const now = clock.now();
      // What a sync costs, not how long it queued behind a bulk operation for the account's request
      // budget: the pace of the next syncs (and so of verification) must not slow down with the queue.
      loop.lastFullMs = Math.max(0, now - started - waited);
      const steady = this.options.pollIntervalMs ?? 5_000;
      // Back off while the account is failing; never spend more than about a tenth of the time polling.
      const base = this.syncOf(accountId).error ? steady * 2 : steady;
      loop.nextFullAt = now + Math.max(loop.deltas && !this.syncOf(accountId).error ? FULL_SYNC_WITH_DELTAS_MS : base, FULL_SYNC_COST_FACTOR * loop.lastFullMs);
      loop.nextDeltaAt = now + base;
    }
  }

  /** Between full lists: the changing nodes one by one, and, where the provider can tell, what changed. */
  private async followChanges(accountId: string, loop: AccountLoop): Promise<void> {
    // Many changing nodes are the deltas' to follow where the provider has them (a list's otherwise).
    if (this.busyNodes(accountId).length <= FAST_LANE_MAX) await this.followBusy(accountId);
    const { clock } = this.options;
    if (!loop.deltas || clock.now() < loop.nextDeltaAt) return;
    const started = clock.now();
    try {
      const provider = await this.options.providerOf(accountId);
      const changed = await provider.listChanged!();
      if (loop.stopped) return;
      // Null: the provider cannot tell what changed (too much did): list everything now.
      if (changed === null) loop.nextFullAt = clock.now();
      else this.applyPartial(accountId, changed);
    } catch (cause) {
      this.options.log.warn('listing changed nodes failed', { accountId, cause: isAppError(cause) ? cause.message : String(cause) });
    } finally {
      const steady = this.options.pollIntervalMs ?? 5_000;
      loop.nextDeltaAt = clock.now() + Math.max(steady, FULL_SYNC_COST_FACTOR * (clock.now() - started));
    }
  }

  /** The fast lane: fetch each changing node on its own and patch what moved. */
  private async followBusy(accountId: string): Promise<void> {
    const ids = this.busyNodes(accountId);
    if (ids.length === 0) return;
    try {
      const provider = await this.options.providerOf(accountId);
      const fresh: FleetNode[] = [];
      await forEachLimited(ids, FAST_LANE_CONCURRENCY, async (id) => {
        const node = this.nodes.get(id);
        if (node) fresh.push(await provider.getNode(node.deviceId));
      });
      this.applyPartial(accountId, fresh);
    } catch (cause) {
      // A deleted node or a blip: the next full sync settles it.
      this.options.log.warn('following changing nodes failed', { accountId, cause: isAppError(cause) ? cause.message : String(cause) });
    }
  }

  /**
   * Nodes in a transitional state, by account, kept as nodes are stored (keep, forget): the loop
   * asks every second, and walking 50,000 nodes for it was most of main's idle time.
   */
  private readonly busy = new Map<string, Set<string>>();

  private busyNodes(accountId: string): string[] {
    return [...(this.busy.get(accountId) ?? [])];
  }

  /** One copy of each repeated value across the stored nodes. */
  private readonly interner = new NodeInterner();

  /** Stores a node of the fleet (every write to `nodes` goes through here or forget). */
  private keep(node: FleetNode): void {
    this.nodes.set(node.id, this.interner.intern(node));
    let busy = this.busy.get(node.accountId);
    if (TRANSITIONAL_STATES.has(node.state)) {
      if (!busy) this.busy.set(node.accountId, (busy = new Set()));
      busy.add(node.id);
    } else busy?.delete(node.id);
  }

  private forget(id: string): void {
    const node = this.nodes.get(id);
    if (node) this.busy.get(node.accountId)?.delete(id);
    this.nodes.delete(id);
  }

  /** When each node was last read on its own (the fast lane, a step's refresh, a delta), on our clock. */
  private readonly readAlone = new Map<string, number>();

  /**
   * A list does not take a node back in time: its pages are read over seconds (a large fleet, or
   * the account's request budget pacing them), so a node read on its own since can be newer than
   * its page (judged by the provider's own update times). Only for a while: a provider whose update
   * times go backwards must not freeze a node, so after LIST_DEFERS_TO_READ_MS the list wins.
   */
  private newest(fresh: FleetNode[]): FleetNode[] {
    const now = this.options.clock.now();
    // Only the few nodes read on their own lately are looked at: a 50,000-node list is not copied.
    for (const [id, readAt] of this.readAlone) if (now - readAt > LIST_DEFERS_TO_READ_MS) this.readAlone.delete(id);
    if (this.readAlone.size === 0) return fresh;
    return fresh.map((node) => {
      const known = this.readAlone.has(node.id) ? this.nodes.get(node.id) : undefined;
      return known && Date.parse(node.updatedAt) < Date.parse(known.updatedAt) ? known : node;
    });
  }

  private async showInSlices(accountId: string, loop: AccountLoop, page: FleetNode[]): Promise<void> {
    for (let start = 0; start < page.length && !loop.stopped; start += SHOW_SLICE) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      this.applyPartial(accountId, page.slice(start, start + SHOW_SLICE), false);
    }
  }

  /** `alone`: these nodes were read one by one (not a list's pages), so a list may defer to them for a while. */
  private applyPartial(accountId: string, fresh: FleetNode[], alone = true): void {
    const fingerprints = this.fingerprints.get(accountId);
    if (!fingerprints) return;
    if (alone) {
      const now = this.options.clock.now();
      for (const node of fresh) this.readAlone.set(node.id, now);
    }
    const upserts: FleetNode[] = [];
    for (const node of fresh) {
      // Kept even when unchanged, as apply() does: the provider hands this object back next time.
      this.keep(node);
      const fingerprint = fingerprintOf(node);
      if (fingerprints.get(node.id) === fingerprint) continue;
      fingerprints.set(node.id, fingerprint);
      upserts.push(node);
    }
    if (upserts.length === 0) return;
    this.markUnsaved(accountId);
    this.changed(upserts, []);
  }

  /** Returns how many nodes changed. */
  private apply(accountId: string, read: FleetNode[]): number {
    const fresh = this.newest(read);
    const previous = this.fingerprints.get(accountId) ?? new Map<string, string>();
    const { upserts, removed, fingerprints } = diffAccountNodes(previous, fresh, (id) => this.nodes.get(id));
    this.fingerprints.set(accountId, fingerprints);
    // Keep the objects just listed, changed or not: a provider that returns the same object for an
    // unchanged device next time then costs the diff nothing.
    for (const node of fresh) this.keep(node);
    if (upserts.length === 0 && removed.length === 0) return 0;
    this.markUnsaved(accountId);
    for (const id of removed) this.forget(id);
    this.changed(upserts, removed);
    return upserts.length;
  }

  private dropAccount(accountId: string): void {
    const removed = [...(this.fingerprints.get(accountId)?.keys() ?? [])];
    this.fingerprints.delete(accountId);
    if (removed.length === 0) return;
    for (const id of removed) this.forget(id);
    this.changed([], removed);
  }
}
