/** Full syncs, the fast lane for changing nodes, and the patches the renderer receives. */
import { packNodes, unpackNodes, type PackedNodes } from '../../../shared/fleet-wire';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetNode, FleetPatch } from '../../../shared/model';
import { fakeNode } from '../../../test/fakes/nodes';
import type { FleetProvider } from '../providers/provider';
import { startLab, type RunningLab } from '../../lab/lab';
import { EventBus } from '../../rpc/event-bus';
import { migrate, openDatabase } from '../store/database';
import { CONNECTION_MIGRATIONS, ConnectionStore } from '../store/connection-store';
import { ConnectionService } from '../connections/connection-service';
import { auditInMemory } from '../../../test/support/services';
import { systemClock } from '../ports';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from '../vault/encrypted-file-store';
import { diffAccountNodes } from './fleet-diff';
import { digestOf, fingerprintOf } from '../providers/node-fingerprint';
import { FleetCache } from './fleet-cache';
import { FleetService } from './fleet-service';

const quietLog = { info() {}, warn() {}, error() {} };

let lab: RunningLab | null = null;
let fleet: FleetService | null = null;
afterEach(async () => {
  fleet?.stop();
  await lab?.stop();
});

async function setUp(pollIntervalMs: number, busyPollIntervalMs: number, cache?: FleetCache) {
  const requests: string[] = [];
  lab = await startLab({ nodeCount: 40, failureRate: 0, timeScale: 0.05, onExchange: (e) => requests.push(`${e.method} ${e.path}`) });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-fleet-'));
  const bus = new EventBus();
  const patches: FleetPatch[] = [];
  bus.on((event, payload) => event === 'fleet.changed' && patches.push(payload as FleetPatch));
  const database = openDatabase(':memory:');
  migrate(database, CONNECTION_MIGRATIONS);
  const connections = new ConnectionService({
    store: new ConnectionStore(database, dataDir),
    audit: await auditInMemory(bus, 'test'),
    paths: { dataDir },
    secrets: new EncryptedFileSecretStore(path.join(dataDir, 's.json'), await aesGcmKeyFileCipher(path.join(dataDir, 'k'))),
    changed: () => undefined,
    lab: { baseUrl: lab.baseUrl, token: lab.token, projectId: lab.projectId },
  });
  fleet = new FleetService({
    connections,
    providerOf: (id) => connections.provider(id),
    bus,
    clock: systemClock,
    log: quietLog,
    pollIntervalMs,
    busyPollIntervalMs,
    cache,
  });
  fleet.start();
  await fleet.refresh();
  return { requests, patches, connections, bus, dataDir };
}

const fullSyncs = (requests: string[]) => requests.filter((r) => r.endsWith('/devices') && r.startsWith('GET')).length;

describe('FleetService', () => {
  it('tells when the first sync of the launch has finished without asking for another list', async () => {
    const { connections, requests } = await setUp(60_000, 60_000);
    fleet!.stop();
    const listsBefore = fullSyncs(requests);
    fleet = new FleetService({
      connections,
      providerOf: (id) => connections.provider(id),
      bus: new EventBus(),
      clock: systemClock,
      log: quietLog,
      pollIntervalMs: 60_000,
    });
    fleet.start();
    let settled = false;
    const synced = fleet.firstSyncs().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    await synced;
    expect(fleet.snapshot().nodes).toHaveLength(40);
    await new Promise((r) => setTimeout(r, 300));
    // One list of the devices (its pages counted as the first), not a second one asked for meanwhile.
    expect(fullSyncs(requests) - listsBefore).toBe(1);
  });

  it('follows a changing node on the fast lane to its final state without re-listing the fleet', async () => {
    const { requests, patches } = await setUp(60_000, 50);
    const node = fleet!.snapshot().nodes.find((n) => n.state === 'active' && !n.hostname.includes('gateway'))!;
    const listsBefore = fullSyncs(requests);
    lab!.fleet.action(node.deviceId, { type: 'power_off' });
    await fleet!.refreshNode(node.id);
    expect(fleet!.node(node.id).state).toBe('powering_off');
    await expect.poll(() => fleet!.node(node.id).state, { timeout: 5_000 }).toBe('inactive');
    expect(fullSyncs(requests)).toBe(listsBefore);
    expect(requests.filter((r) => r === `GET /metal/v1/devices/${node.deviceId}`).length).toBeGreaterThanOrEqual(2);
    // Versions are consecutive, so a renderer can detect a missed patch.
    expect(patches.map((p) => p.version)).toEqual(patches.map((_, i) => i + 1));
  });

  it('spaces full syncs by the poll interval', async () => {
    const { requests } = await setUp(200, 50);
    await new Promise((r) => setTimeout(r, 700));
    const syncs = fullSyncs(requests);
    expect(syncs).toBeGreaterThanOrEqual(2);
    expect(syncs).toBeLessThanOrEqual(6);
  });
});

describe('the fleet cache', () => {
  it('shows the fleet the last launch listed before the first sync answers, then patches only what moved', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-fleet-cache-'));
    const { connections, bus, patches } = await setUp(60_000, 60_000, new FleetCache(cacheDir, quietLog));
    const listed = fleet!.snapshot().nodes;
    expect(listed).toHaveLength(40);
    fleet!.stop();

    // Meanwhile one machine changes: the next launch must not show the cached state as current.
    const changed = listed.find((n) => n.state === 'active')!;
    lab!.fleet.action(changed.deviceId, { type: 'power_off' });
    patches.length = 0;
    fleet = new FleetService({
      connections,
      providerOf: (id) => connections.provider(id),
      bus,
      clock: systemClock,
      log: quietLog,
      pollIntervalMs: 60_000,
      busyPollIntervalMs: 60_000,
      cache: new FleetCache(cacheDir, quietLog),
    });
    fleet.start();
    // Synchronously, before any request: the cached fleet, and the time it was listed.
    expect(
      fleet
        .snapshot()
        .nodes.map((n) => n.id)
        .sort(),
    ).toEqual(listed.map((n) => n.id).sort());
    expect(fleet.node(changed.id).state).toBe('active');
    // The fleet owns each connection's sync state.
    const sync = fleet.syncOf(changed.accountId);
    expect(sync.status).toBe('connecting');
    expect(Date.parse(sync.lastSyncAt!)).toBeGreaterThan(Date.now() - 60_000);
    // A window's snapshot is the cache's packing as read, while nothing has changed since.
    const seeded = fleet.snapshot();
    expect(unpackNodes(fleet.seedPacked(seeded)!)).toEqual(seeded.nodes);

    await fleet.refresh();
    expect(fleet.node(changed.id).state).not.toBe('active');
    expect(fleet.seedPacked(fleet.snapshot())).toBeNull();
    expect(fleet.seedPacked(seeded)).toBeNull();
    // The seed, then one patch holding the one machine that moved.
    expect(patches.map((p) => p.upserts.length)).toEqual([40, 1]);
    expect(patches[1]!.upserts[0]!.id).toBe(changed.id);
  });

  it('holds the first sync back until a window has taken the cached fleet, then starts it', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-fleet-cache-'));
    const { connections, bus, requests } = await setUp(60_000, 60_000, new FleetCache(cacheDir, quietLog));
    fleet!.stop();
    const listsBefore = fullSyncs(requests);
    fleet = new FleetService({
      connections,
      providerOf: (id) => connections.provider(id),
      bus,
      clock: systemClock,
      log: quietLog,
      pollIntervalMs: 60_000,
      busyPollIntervalMs: 60_000,
      cache: new FleetCache(cacheDir, quietLog),
    });
    fleet.start();
    let syncStarted = false;
    void fleet.firstSyncStarted().then(() => (syncStarted = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(fullSyncs(requests)).toBe(listsBefore);
    // What waits for the first sync to start (the update servers' first round) waits with it.
    expect(syncStarted).toBe(false);
    expect(fleet.snapshotForView().nodes).toHaveLength(40);
    await new Promise((r) => setTimeout(r, 500));
    expect(fullSyncs(requests)).toBe(listsBefore);
    // A second or so after the window's snapshot, the sync runs.
    await expect.poll(() => fullSyncs(requests), { timeout: 3_000 }).toBeGreaterThan(listsBefore);
    expect(syncStarted).toBe(true);
  });

  it('writes the cache a slice at a time and reads it back as it was', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-fleet-cache-'));
    const cache = new FleetCache(cacheDir, quietLog);
    const nodes = Array.from({ length: 25_000 }, (_, i) =>
      fakeNode({ hostname: `n-${i}`, id: `lab:n-${i}`, accountId: 'lab', state: i % 3 ? 'active' : 'inactive' }),
    );
    const fingerprints = nodes.map((node) => fingerprintOf(node));
    await cache.saveSoon('lab', { savedAt: '2026-12-07T10:00:00Z', nodes, fingerprints });
    const loaded = cache.load('lab');
    expect(loaded?.savedAt).toBe('2026-12-07T10:00:00Z');
    expect(JSON.stringify(loaded?.nodes)).toBe(JSON.stringify(nodes));
    // Kept beside their nodes, so a restart does not work them out again.
    expect(loaded?.fingerprints).toEqual(fingerprints);
    expect(loaded?.nodes.map((node) => digestOf(node))).toEqual(fingerprints);
    // And the packing as read, for a window's first snapshot.
    expect(unpackNodes(loaded!.packed)).toEqual(loaded?.nodes);
    await cache.saveSoon('lab', { savedAt: '2026-12-07T10:01:00Z', nodes: [], fingerprints: [] });
    expect(cache.load('lab')?.nodes).toEqual([]);
  });

  it('ignores and removes a cache that is not a fleet of the account', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-fleet-cache-'));
    const warnings: string[] = [];
    const cache = new FleetCache(cacheDir, { ...quietLog, warn: (message) => warnings.push(message) });
    writeFileSync(path.join(cacheDir, 'lab.json'), '{"format":1,"accountId":"lab","savedAt":"2026-12-01T00:00:00Z","nodes":[{"id":"x"}]}');
    expect(cache.load('lab')).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/not a fleet of this account/)]);
    expect(existsSync(path.join(cacheDir, 'lab.json'))).toBe(false);
    writeFileSync(path.join(cacheDir, 'lab.json'), '{"format":1,');
    expect(cache.load('lab')).toBeNull();
    expect(cache.load('nothing-cached')).toBeNull();
    expect(warnings).toHaveLength(2);
    // Packed (format 3): a value that is no node state, a node of another account, a row past its
    // values, a fingerprint that is none or missing.
    const good = fakeNode({ hostname: 'a', accountId: 'lab' });
    const write = (nodes: PackedNodes, fingerprints = nodes.rows.map(() => digestOf(good))) =>
      writeFileSync(path.join(cacheDir, 'lab.json'), JSON.stringify({ format: 3, accountId: 'lab', savedAt: '2026-12-01T00:00:00Z', nodes, fingerprints }));
    write(packNodes([good]));
    expect(cache.load('lab')?.nodes).toEqual([good]);
    write(packNodes([good]), ['not a digest']);
    expect(cache.load('lab')).toBeNull();
    write(packNodes([good]), []);
    expect(cache.load('lab')).toBeNull();
    write(packNodes([{ ...good, state: 'exploded' as never }]));
    expect(cache.load('lab')).toBeNull();
    write(packNodes([good, { ...good, id: 'other:1', accountId: 'other' }]));
    expect(cache.load('lab')).toBeNull();
    const packed = packNodes([good]);
    write({ ...packed, rows: [[0, ...packed.rows[0]!.slice(1, -1), 99]] });
    expect(cache.load('lab')).toBeNull();
    expect(warnings).toHaveLength(7);
  });
});

describe('diffAccountNodes', () => {
  it('reports changed and removed nodes only', () => {
    const a = { id: 'a', state: 'active' } as never;
    const b = { id: 'b', state: 'active' } as never;
    const first = diffAccountNodes(new Map(), [a, b]);
    expect(first.upserts).toHaveLength(2);
    const second = diffAccountNodes(first.fingerprints, [{ ...(a as object), state: 'inactive' } as never]);
    expect(second.upserts).toEqual([{ id: 'a', state: 'inactive' }]);
    expect(second.removed).toEqual(['b']);
  });
});

describe('a provider that can list what changed (Ironic)', () => {
  it('keeps the fleet fresh with deltas between full lists, and lists everything when the provider cannot tell', async () => {
    const nodes = [
      fakeNode({ hostname: 'a', accountId: 'c1', id: 'c1:a', deviceId: 'a' }),
      fakeNode({ hostname: 'b', accountId: 'c1', id: 'c1:b', deviceId: 'b' }),
    ];
    const calls = { lists: 0, deltas: 0 };
    let pending: FleetNode[] | null = [];
    const provider: Partial<FleetProvider> = {
      listNodes: async () => {
        calls.lists += 1;
        return nodes;
      },
      listChanged: async () => {
        calls.deltas += 1;
        const changed = pending;
        pending = [];
        return changed;
      },
      getNode: async (id) => nodes.find((n) => n.deviceId === id)!,
    };
    const bus = new EventBus();
    fleet = new FleetService({
      connections: { ids: () => ['c1'] },
      providerOf: async () => provider as FleetProvider,
      bus,
      clock: systemClock,
      log: quietLog,
      pollIntervalMs: 40,
      busyPollIntervalMs: 1_000,
    });
    fleet.start();
    await fleet.refresh();
    const lists = calls.lists;
    pending = [{ ...nodes[1]!, state: 'inactive' }];
    await expect.poll(() => fleet!.node('c1:b').state, { timeout: 2_000 }).toBe('inactive');
    // The safety-net full list waits a minute; deltas ran meanwhile.
    expect(calls.lists).toBe(lists);
    expect(calls.deltas).toBeGreaterThanOrEqual(1);
    pending = null;
    await expect.poll(() => calls.lists, { timeout: 2_000 }).toBe(lists + 1);
  });
});

describe('reads that arrive out of order', () => {
  it('never takes a node back in time: a list page read before a node’s own newer read does not undo it', async () => {
    const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s)).toISOString();
    const listed = fakeNode({ hostname: 'w-08', accountId: 'c1', id: 'c1:w', deviceId: 'w', state: 'active', updatedAt: at(0) });
    let list: FleetNode[] = [listed];
    let single = listed;
    const provider: Partial<FleetProvider> = { listNodes: async () => list, getNode: async () => single };
    fleet = new FleetService({
      connections: { ids: () => ['c1'] },
      providerOf: async () => provider as FleetProvider,
      bus: new EventBus(),
      clock: systemClock,
      log: quietLog,
      pollIntervalMs: 60_000,
      busyPollIntervalMs: 60_000,
    });
    fleet.start();
    await fleet.refresh();
    // The node is read on its own: it is reinstalling now.
    single = { ...listed, state: 'reinstalling', updatedAt: at(5) };
    await fleet.refreshNode('c1:w');
    expect(fleet.node('c1:w').state).toBe('reinstalling');
    // A list whose page was read before that (still active at 0 s) lands afterwards: ignored for that node.
    list = [{ ...listed, hostname: 'w-08' }];
    await fleet.refresh();
    expect(fleet.node('c1:w')).toMatchObject({ state: 'reinstalling', updatedAt: at(5) });
    // A newer list moves it on.
    list = [{ ...listed, state: 'active', updatedAt: at(9) }];
    await fleet.refresh();
    expect(fleet.node('c1:w')).toMatchObject({ state: 'active', updatedAt: at(9) });
  });
});
