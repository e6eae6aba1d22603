/**
 * A BMC's server-sent events (DSP0266 §13.5) as the fleet's deltas, against a small BMC of our own
 * on loopback: what an event names is read alone, what it cannot place lists everything, and a
 * stream that misbehaves (too big, silent, elsewhere, not a stream) is dropped without taking
 * anything with it.
 */
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { hostilePeer, sendJson, type HostilePeer } from '../../../../test/support/hostile-peer';
import { EventBus } from '../../../rpc/event-bus';
import { FleetService } from '../../fleet/fleet-service';
import { systemClock } from '../../ports';
import { RedfishClient } from './redfish-client';
import type { EventStreamOptions } from './redfish-events';
import { RedfishProvider } from './redfish-provider';

const peers: HostilePeer[] = [];
const providers: RedfishProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

const until = async (check: () => boolean, what: string, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

interface FakeBmcOptions {
  /** What EventService says; null: the service root links none. */
  eventService?: Record<string, unknown> | null;
  /** Answers the stream itself instead of holding it open for `push`. */
  stream?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
}

/** A BMC with two systems and an event stream the test writes to. */
async function fakeBmc(options: FakeBmcOptions = {}) {
  const power: Record<string, string> = { '1': 'On', '2': 'On' };
  const streams = new Set<http.ServerResponse>();
  const peer = await hostilePeer((req, res) => {
    const url = req.url ?? '';
    if (url === '/redfish/v1/')
      return sendJson(res, 200, {
        Systems: { '@odata.id': '/redfish/v1/Systems' },
        ...(options.eventService === null ? {} : { EventService: { '@odata.id': '/redfish/v1/EventService' } }),
      });
    if (url === '/redfish/v1/Systems')
      return sendJson(res, 200, { Members: [{ '@odata.id': '/redfish/v1/Systems/1' }, { '@odata.id': '/redfish/v1/Systems/2' }] });
    const system = /^\/redfish\/v1\/Systems\/(\d)$/.exec(url);
    if (system && power[system[1]!]) return sendJson(res, 200, { '@odata.id': url, Id: system[1], Name: `node-${system[1]}`, PowerState: power[system[1]!] });
    if (url === '/redfish/v1/EventService')
      return sendJson(res, 200, options.eventService ?? { ServiceEnabled: true, ServerSentEventUri: '/redfish/v1/EventService/SSE' });
    if (url === '/redfish/v1/EventService/SSE') {
      if (options.stream) return options.stream(req, res);
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(': open\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    sendJson(res, 404, {});
  });
  peers.push(peer);
  let id = 0;
  return {
    peer,
    power,
    streams,
    /** One Redfish event message naming each origin. */
    push(...origins: (string | null)[]) {
      const Events = origins.map((origin) => ({
        EventType: 'ResourceUpdated',
        MessageId: 'ResourceEvent.1.0.ResourceChanged',
        ...(origin === null ? {} : { OriginOfCondition: { '@odata.id': origin } }),
      }));
      for (const res of streams) res.write(`id: ${++id}\ndata: ${JSON.stringify({ '@odata.type': '#Event.v1_7_0.Event', Id: String(id), Events })}\n\n`);
    },
    raw(text: string) {
      for (const res of streams) res.write(text);
    },
    hangUp() {
      for (const res of streams) res.destroy();
    },
  };
}

function provider(baseUrl: string, events: EventStreamOptions = {}) {
  const client = new RedfishClient({ baseUrl, username: 'root', password: 'calvin', auth: 'basic', pinnedFingerprint: null, timeoutMs: 2_000 });
  const made = new RedfishProvider('bmc', client, { events: { retryMs: [50, 100], ...events } });
  providers.push(made);
  return made;
}

const streamRequests = (peer: HostilePeer) => peer.seen.filter((r) => r.url === '/redfish/v1/EventService/SSE');

describe('a Redfish BMC with server-sent events', () => {
  it('reads only the system an event names, between full lists', async () => {
    const bmc = await fakeBmc();
    const redfish = provider(bmc.peer.url);
    expect(await redfish.listChanged()).toBeNull(); // nothing listed yet
    await redfish.listNodes();
    await until(() => redfish.eventStream.state === 'open', 'the stream to open');
    // It opened after the list began: what happened before it is unknown, so the next is a full list.
    expect(await redfish.listChanged()).toBeNull();
    await redfish.listNodes();
    expect(await redfish.listChanged()).toEqual([]);

    bmc.power['2'] = 'Off';
    bmc.push('/redfish/v1/Systems/2');
    await until(() => bmc.peer.seen.length > 0 && bmc.streams.size > 0, 'the event');
    await new Promise((r) => setTimeout(r, 100));
    const before = bmc.peer.seen.length;
    const changed = await redfish.listChanged();
    expect(changed?.map((n) => [n.deviceId, n.state])).toEqual([['/redfish/v1/Systems/2', 'inactive']]);
    // Only system 2 was read: no service root, no collection, no system 1.
    expect(bmc.peer.seen.slice(before).map((r) => r.url)).toEqual(['/redfish/v1/Systems/2']);
    expect(await redfish.listChanged()).toEqual([]);

    // A resource under a system is that system; a heartbeat is nothing.
    bmc.push('/redfish/v1/Systems/1/Bios');
    bmc.raw(`data: ${JSON.stringify({ Events: [{ MessageId: 'HeartbeatEvent.1.0.RedfishServiceFunctional' }] })}\n\n`);
    await new Promise((r) => setTimeout(r, 100));
    expect((await redfish.listChanged())?.map((n) => n.deviceId)).toEqual(['/redfish/v1/Systems/1']);
  });

  it('lists everything when an event names what it cannot place, or the stream drops, and opens the stream again', async () => {
    const bmc = await fakeBmc();
    const redfish = provider(bmc.peer.url);
    await redfish.listNodes();
    await until(() => redfish.eventStream.state === 'open', 'the stream to open');
    await redfish.listNodes();

    bmc.push('/redfish/v1/Chassis/1/Power'); // not a system Ironpane knows
    await new Promise((r) => setTimeout(r, 100));
    expect(await redfish.listChanged()).toBeNull();
    await redfish.listNodes();
    bmc.push(null); // an event without an origin
    await new Promise((r) => setTimeout(r, 100));
    expect(await redfish.listChanged()).toBeNull();
    await redfish.listNodes();
    expect(await redfish.listChanged()).toEqual([]);

    bmc.hangUp();
    await until(() => redfish.eventStream.state !== 'open', 'the stream to close');
    expect(await redfish.listChanged()).toBeNull();
    await until(() => redfish.eventStream.state === 'open', 'the stream to open again');
    expect(streamRequests(bmc.peer).length).toBe(2);
    await redfish.listNodes();
    expect(await redfish.listChanged()).toEqual([]);
    expect(redfish.followsChanges).toBe(true);
  });

  it('polls a BMC that has no stream, or one it cannot use', async () => {
    for (const options of [
      { eventService: null },
      { eventService: { ServiceEnabled: true } },
      { eventService: { ServiceEnabled: false, ServerSentEventUri: '/redfish/v1/EventService/SSE' } },
      { stream: (_req: http.IncomingMessage, res: http.ServerResponse) => sendJson(res, 404, {}) },
      { stream: (_req: http.IncomingMessage, res: http.ServerResponse) => sendJson(res, 405, {}) },
      { stream: (_req: http.IncomingMessage, res: http.ServerResponse) => sendJson(res, 200, { not: 'a stream' }) },
    ] satisfies FakeBmcOptions[]) {
      const bmc = await fakeBmc(options);
      const redfish = provider(bmc.peer.url);
      await redfish.listNodes();
      await until(() => redfish.eventStream.state === 'unsupported', `the stream to be given up (${JSON.stringify(options)})`);
      expect(redfish.followsChanges).toBe(false);
      expect(await redfish.listChanged()).toBeNull();
      expect(streamRequests(bmc.peer).length).toBeLessThanOrEqual(1);
    }
  });
});

describe('a hostile BMC event stream', () => {
  it('sends nothing to a stream address on another origin', async () => {
    const elsewhere = await hostilePeer((_req, res) => res.end());
    peers.push(elsewhere);
    const bmc = await fakeBmc({ eventService: { ServiceEnabled: true, ServerSentEventUri: `${elsewhere.url}/redfish/v1/EventService/SSE` } });
    const redfish = provider(bmc.peer.url);
    await redfish.listNodes();
    await until(() => redfish.eventStream.state === 'unsupported', 'the stream to be refused');
    expect(redfish.eventStream.problem).toMatch(/another address than the one you added/);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('drops a stream that sends an event over 256 KiB or goes silent, and opens it again', async () => {
    const bmc = await fakeBmc();
    const warnings: string[] = [];
    const redfish = provider(bmc.peer.url, { limits: { idleMs: 300, deadlineMs: 60_000 }, log: { warn: (_m, meta) => warnings.push(String(meta?.cause)) } });
    await redfish.listNodes();
    await until(() => redfish.eventStream.state === 'open', 'the stream to open');
    const rssBefore = process.memoryUsage().rss;
    // One endless `data:` line: no event ever ends.
    const line = `data: ${'x'.repeat(64 * 1024)}`;
    for (let i = 0; i < 8; i++) bmc.raw(line);
    await until(() => streamRequests(bmc.peer).length >= 2, 'the stream to be opened again after the oversized event');
    expect(warnings[0]).toMatch(/sent an event over 256 KiB; Ironpane opens the stream again/);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);

    // Silent past the idle limit (300 ms here): dropped and opened again.
    const opened = streamRequests(bmc.peer).length;
    await until(() => streamRequests(bmc.peer).length > opened, 'the silent stream to be opened again', 5_000);
    expect(warnings.at(-1)).toMatch(/went quiet for 0\.3 s/);
    expect(await redfish.listChanged()).toBeNull();
    expect(redfish.followsChanges).toBe(true);
  });

  it('keeps at most 500 changed resources, however many an endless stream names', async () => {
    const bmc = await fakeBmc();
    const redfish = provider(bmc.peer.url);
    await redfish.listNodes();
    await until(() => redfish.eventStream.state === 'open', 'the stream to open');
    await redfish.listNodes();
    // 20,000 distinct resources, 100 to an event, and no list in between.
    for (let batch = 0; batch < 200; batch++) bmc.push(...Array.from({ length: 100 }, (_, i) => `/redfish/v1/Chassis/${batch}/Sensors/${i}`));
    await new Promise((r) => setTimeout(r, 300));
    expect(redfish.eventStream.held).toBeLessThanOrEqual(500);
    expect(await redfish.listChanged()).toBeNull();
    await redfish.listNodes();
    expect(await redfish.listChanged()).toEqual([]);
  });

  it('backs off from a BMC that hangs up on every stream at once', async () => {
    const bmc = await fakeBmc({
      stream: (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end();
      },
    });
    const redfish = provider(bmc.peer.url, {});
    await redfish.listNodes();
    await new Promise((r) => setTimeout(r, 1_000));
    // Retries wait 50 ms, then 100 ms: about 10 in a second, not thousands.
    expect(streamRequests(bmc.peer).length).toBeGreaterThan(2);
    expect(streamRequests(bmc.peer).length).toBeLessThan(15);
    expect(await redfish.listChanged()).toBeNull();
  });
});

/** A fleet of the one BMC, polled every 200 ms, after its first sync. */
async function fleetOf(redfish: RedfishProvider) {
  const fleet = new FleetService({
    connections: { ids: () => ['bmc'] },
    providerOf: async () => redfish,
    bus: new EventBus(),
    clock: systemClock,
    log: { info() {}, warn() {}, error() {} },
    pollIntervalMs: 200,
    busyPollIntervalMs: 200,
  });
  fleet.start();
  await fleet.refresh();
  return fleet;
}

describe('the fleet following a BMC by its events', () => {
  it('shows a power change the BMC announces within a delta, without listing the BMC again', async () => {
    const bmc = await fakeBmc();
    const redfish = provider(bmc.peer.url);
    const fleet = await fleetOf(redfish);
    try {
      const lists = () => bmc.peer.seen.filter((r) => r.url === '/redfish/v1/Systems').length;
      // The stream opens after the first list; the delta after it lists once more, then follows events.
      await until(() => redfish.eventStream.state === 'open' && lists() >= 2, 'the stream to open and a list after it');
      await new Promise((r) => setTimeout(r, 600));
      const listsBefore = lists();
      expect(fleet.syncOf('bmc').follows).toBe('changes');
      const node = 'bmc:/redfish/v1/Systems/2';
      expect(fleet.snapshotNode(node)?.state).toBe('active');

      bmc.power['2'] = 'Off';
      const announced = performance.now();
      bmc.push('/redfish/v1/Systems/2');
      await until(() => fleet.snapshotNode(node)?.state === 'inactive', 'the fleet to show system 2 off');
      const shownMs = performance.now() - announced;
      console.log(`[redfish events] power change on screen ${shownMs.toFixed(0)} ms after the event (deltas every 200 ms here, 5 s by default)`);
      expect(lists()).toBe(listsBefore);
    } finally {
      fleet.stop();
    }
  });

  it('says a BMC without a stream is listed in full at each poll', async () => {
    const bmc = await fakeBmc({ eventService: null });
    const redfish = provider(bmc.peer.url);
    const fleet = await fleetOf(redfish);
    try {
      await until(() => fleet.syncOf('bmc').follows === 'lists', 'the fleet to poll the BMC');
      expect(redfish.followsChanges).toBe(false);
    } finally {
      fleet.stop();
    }
  });
});
