/** Reading an update server's instances as what changed, against the lab's Nebraska over real HTTP. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { INSTANCE_STATUS, OMAHA_EVENT, OMAHA_RESULT } from '../../../shared/updates/nebraska-rules';
import type { OmahaAppRequest, OmahaEvent } from '../../lab/updates/omaha-xml';
import { FLATCAR_APP_ID, UpdateModel } from '../../lab/updates/update-model';
import { LabUpdateServer } from '../../lab/updates/update-server';
import { NebraskaClient } from '../providers/nebraska/nebraska-client';
import type { GroupWire, InstanceWire } from '../providers/nebraska/wire';
import { FULL_INSTANCES_EVERY_MS, readInstances, type InstanceRead } from './instance-reads';

const TOKEN = 'instance-reads-test';
const MINUTE = 60_000;
let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops) await stop();
  stops = [];
});

/** The lab's update server on a clock the test moves (check-ins half an hour ago, so every window holds them). */
async function labServer() {
  let clock = Date.now() - 30 * MINUTE;
  const model = new UpdateModel({ now: () => clock });
  const server = new LabUpdateServer({ model, token: TOKEN });
  const baseUrl = await server.listen();
  stops.push(() => server.close());
  const requests: string[] = [];
  const hooks: { beforeRequest: ((query: Record<string, string>) => void) | null } = { beforeRequest: null };
  const client = new NebraskaClient({
    baseUrl,
    app: FLATCAR_APP_ID,
    token: TOKEN,
    onRequest: (r) => {
      requests.push(`${r.path}?${new URLSearchParams(r.query).toString()}`);
      hooks.beforeRequest?.(r.query);
    },
  });
  stops.push(() => client.close());
  const checkIn = (i: number, what: { version?: string; ping?: boolean; events?: OmahaEvent[] } = {}) => {
    const app: OmahaAppRequest = {
      appId: FLATCAR_APP_ID,
      version: what.version ?? '4152.2.3',
      track: 'stable',
      machineId: `machine${String(i).padStart(4, '0')}`,
      machineAlias: `node-${i}`,
      oem: 'packet',
      alephVersion: '4081.2.1',
      board: 'amd64-usr',
      ping: what.ping ?? true,
      updateCheck: false,
      events: what.events ?? [],
    };
    server.register(app, `10.0.${i >> 8}.${i & 255}`);
  };
  return {
    hooks,
    model,
    client,
    requests,
    checkIn,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
    groups: () => client.groups(),
  };
}

/** What a read knows of each instance: its group, version and status. */
function facts(instances: Map<string, InstanceWire[]>) {
  const out: Record<string, string> = {};
  for (const [groupId, list] of instances)
    for (const i of list) out[i.id] = `${groupId} ${i.application?.version} ${i.application?.status} ${i.application?.last_check_for_updates}`;
  return out;
}

/** How many instances a read holds, across its groups. */
const held = (read: InstanceRead) => [...read.instances.values()].reduce((n, list) => n + list.length, 0);

async function fullFacts(client: NebraskaClient, groups: GroupWire[]) {
  return facts((await readInstances(client, groups, new Map(), null, Date.now())).instances);
}

describe('readInstances', () => {
  it('between full lists reads only the instances that checked in since, and ends where a full list would', async () => {
    const lab = await labServer();
    for (let i = 0; i < 40; i++) {
      lab.checkIn(i);
      lab.advance(10_000); // one check-in every 10 s, the last 400 s after the first
    }
    const groups = await lab.groups();
    const first = await readInstances(lab.client, groups, new Map(), null, lab.now());
    expect(first.kind).toBe('full');
    expect(held(first)).toBe(40);

    lab.advance(MINUTE);
    lab.checkIn(3, { version: '4230.2.3' });
    lab.requests.length = 0;
    const second = await readInstances(lab.client, groups, first.instances, first.mark, lab.now());
    expect(second.kind).toBe('changes');
    // The one that checked in, and those within the margin (60 s) behind the newest check-in seen
    // before, that one included: 7.
    expect(second.fetched).toBe(8);
    // One page per group, sorted by the last check-in, newest first; nothing listed in full.
    expect(lab.requests.filter((r) => r.includes('/instances?'))).toHaveLength(groups.length);
    expect(
      lab.requests.every((r) => !r.includes('/instances?') || (r.includes('sortFilter=2') && r.includes('sortOrder=1') && r.includes('duration=1h'))),
    ).toBe(true);
    expect(facts(second.instances)).toEqual(await fullFacts(lab.client, groups));
    expect(second.instances.get(groups.find((g) => g.track === 'stable')!.id)!.find((i) => i.id === 'machine0003')!.application!.version).toBe('4230.2.3');

    // Nothing checked in: only the margin is read again.
    lab.advance(MINUTE);
    const third = await readInstances(lab.client, groups, second.instances, second.mark, lab.now());
    expect(third).toMatchObject({ kind: 'changes', fetched: 1 });
    expect(facts(third.instances)).toEqual(await fullFacts(lab.client, groups));
  });

  it('follows a status that moves by events alone, and lists everything again once the safety net is due', async () => {
    const lab = await labServer();
    for (let i = 0; i < 12; i++) lab.checkIn(i);
    const groups = await lab.groups();
    let read: InstanceRead = await readInstances(lab.client, groups, new Map(), null, lab.now());
    // Instance 5 was granted an update at its last check-in (as Nebraska's GetUpdatePackage leaves it).
    const granted = lab.model.instances.get('machine0005')!;
    granted.status = INSTANCE_STATUS.updateGranted;
    granted.updateInProgress = true;
    granted.lastUpdateVersion = '4230.2.3';
    lab.advance(MINUTE);
    lab.checkIn(5);
    read = await readInstances(lab.client, groups, read.instances, read.mark, lab.now());
    expect(read.kind).toBe('changes');

    const statusOf = (r: InstanceRead) => r.instances.get(granted.groupId)!.find((i) => i.id === granted.id)!.application!.status;
    // update_engine reports its download in event-only requests: the last check-in does not move.
    for (const [event, status] of [
      [{ type: OMAHA_EVENT.downloadStarted, result: OMAHA_RESULT.success }, INSTANCE_STATUS.downloading],
      [{ type: OMAHA_EVENT.downloadFinished, result: OMAHA_RESULT.success }, INSTANCE_STATUS.downloaded],
      // An error leaves the statuses listed mid-update: the instance is fetched alone.
      [{ type: OMAHA_EVENT.installed, result: OMAHA_RESULT.error }, INSTANCE_STATUS.error],
    ] as const) {
      const checkedBefore = granted.lastCheckForUpdates;
      lab.advance(MINUTE);
      lab.checkIn(0); // another instance's ping moves the newest check-in on
      lab.checkIn(5, { ping: false, events: [{ ...event, previousVersion: '', errorCode: 7 }] });
      expect(granted.lastCheckForUpdates).toBe(checkedBefore);
      lab.requests.length = 0;
      read = await readInstances(lab.client, groups, read.instances, read.mark, lab.now());
      expect(read.kind).toBe('changes');
      expect(statusOf(read)).toBe(status);
      expect(facts(read.instances)).toEqual(await fullFacts(lab.client, groups));
    }
    expect(lab.requests.some((r) => r.endsWith('/instances/machine0005?'))).toBe(true);

    // Nothing is mid-update any more: a read is one page per group again.
    lab.advance(MINUTE / 2);
    lab.requests.length = 0;
    read = await readInstances(lab.client, groups, read.instances, read.mark, lab.now());
    expect(lab.requests.filter((r) => r.includes('/instances'))).toHaveLength(groups.length);

    lab.advance(FULL_INSTANCES_EVERY_MS);
    read = await readInstances(lab.client, groups, read.instances, read.mark, lab.now());
    expect(read.kind).toBe('full');
    expect(held(read)).toBe(12);
  });

  it('keeps every instance in a full list while instances check in between its pages', async () => {
    const lab = await labServer();
    for (let i = 0; i < 2_500; i++) {
      lab.checkIn(i);
      lab.advance(100);
    }
    const groups = await lab.groups();
    // Before each page after the first, five of the oldest check in: they move to the front and
    // push the rest along by five.
    let next = 0;
    lab.hooks.beforeRequest = (query) => {
      if (query.sortFilter !== '2' || query.page === '1') return;
      lab.advance(1_000);
      for (let k = 0; k < 5; k++) lab.checkIn(next++);
    };
    const read = await readInstances(lab.client, groups, new Map(), null, lab.now());
    const ids = [...read.instances.values()].flat().map((i) => i.id);
    expect(new Set(ids).size).toBe(2_500);
    expect(ids).toHaveLength(2_500);
    expect(read.mark.ordered).toBe(true);
  });

  it('moves an instance that checked in to another group out of its old one', async () => {
    const lab = await labServer();
    for (let i = 0; i < 6; i++) lab.checkIn(i);
    const groups = await lab.groups();
    const before = await readInstances(lab.client, groups, new Map(), null, lab.now());
    lab.advance(2 * MINUTE);
    const beta = [...lab.model.groups.values()].find((g) => g.track === 'beta')!;
    lab.model.instances.get('machine0002')!.groupId = beta.id;
    lab.model.instances.get('machine0002')!.lastCheckForUpdates = lab.now();
    const after = await readInstances(lab.client, groups, before.instances, before.mark, lab.now());
    expect(after.kind).toBe('changes');
    expect(facts(after.instances)).toEqual(await fullFacts(lab.client, groups));
    expect(after.instances.get(beta.id)!.map((i) => i.id)).toEqual(['machine0002']);
  });

  it('lists in full when a server ignores the order it was asked for', async () => {
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * MINUTE).toISOString();
    const instance = (id: string, checked: string): InstanceWire => ({
      id,
      ip: '10.0.0.1',
      created_ts: at(100),
      alias: id,
      application: { group_id: 'g1', version: '4152.2.3', status: 1, last_check_for_updates: checked, update_in_progress: false },
    });
    // Oldest first, whatever sortFilter and sortOrder say (an older server, or another product).
    const listed = [instance('a', at(9)), instance('b', at(5)), instance('c', at(1))];
    let instancePages = 0;
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('Content-Type', 'application/json');
      if (url.pathname.endsWith('/instances')) {
        instancePages += 1;
        res.end(JSON.stringify({ total: listed.length, instances: listed }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => server.close(() => resolve())));
    const client = new NebraskaClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, app: FLATCAR_APP_ID });
    stops.push(() => client.close());
    const groups = [{ id: 'g1' } as GroupWire];
    const first = await readInstances(client, groups, new Map(), null, Date.now());
    const second = await readInstances(client, groups, first.instances, first.mark, Date.now() + MINUTE);
    expect(second).toMatchObject({ kind: 'full', fetched: 3 });
    // The full list showed the order is not kept: the next read is a full list again.
    expect(instancePages).toBe(2);
  });
});
