/** The Metal API v1 provider: one project on one Metal-compatible endpoint. */
import { forEachLimited } from '../../../../shared/concurrency';
import { isAppError } from '../../../../shared/errors';
import type { FleetNode, NodeEvent, OperatingSystemOption, PowerAction } from '../../../../shared/model';
import type { FleetProvider } from '../provider';
import { DEFAULT_PAGE_SIZE, type MetalClient } from './metal-client';
import { osFamilyOf } from './normalise';
import { noteFingerprint } from '../node-fingerprint';
import { DEVICE_EXCLUDE, HEAVY_FIELDS, pageDevice, type PageDevice } from './device-pages';

/** Nested objects the normaliser needs whole; everything else may stay an href. */
const DEVICE_INCLUDE = ['metro', 'facility', 'plan', 'operating_system', 'network_ports', 'ip_addresses'];
/** A steady-state poll leaves the nested objects out as well (device-pages.ts, HEAVY_FIELDS). */
const LIGHT_EXCLUDE = [...DEVICE_EXCLUDE, ...HEAVY_FIELDS];

/** Above this many devices, a first sync shows the nodes from a light list before the full one (sketchFirst). */
const SKETCH_FIRST_ABOVE = 5_000;
/** A full list at least this often, whatever the light lists said: the net under anything they cannot see. */
const FULL_LIST_EVERY_MS = 5 * 60_000;
/** Above this many devices with a new update time, one full list costs less than fetching each. */
const FOLLOW_UP_MAX = 25;
const FOLLOW_UP_CONCURRENCY = 4;
/**
 * Project events read per request while following the log, and how many pages at most: a page of
 * the log is 40 KB where a page of the device list is 2.4 MB, so the log is worth reading up to
 * ten pages for every page of devices a list would take, within 100 pages (the lab keeps 10,000
 * events). A long first list at 50,000 devices sees over a thousand events go by.
 */
const EVENT_PAGE_SIZE = 100;
const MAX_EVENT_PAGES = 100;
const EVENT_PAGES_PER_DEVICE_PAGE = 10;
/** Devices fetched one by one after the log named them: 1 % of the fleet, at least 25, at most 500; beyond that one list costs less. */
const EVENT_FOLLOW_UP_SHARE = 0.01;
const EVENT_FOLLOW_UP_CAP = 500;
/** The device an event is about, from its `relationships` hrefs. */
const DEVICE_HREF = /\/devices\/([0-9a-fA-F-]{8,64})$/;

/** How far the project's event log has been read: the newest event's time, and the events at that (whole) second. */
interface EventMark {
  at: number;
  ids: Set<string>;
}

/** What the provider keeps of a device between lists: its node and what tells a light list it moved. */
interface KnownDevice {
  updatedAt: string | null;
  state: string | null;
  /** The digest of its fields a light list carries (device-pages.ts, lightDigestOf). */
  lightDigest: string;
  node: FleetNode;
}

export class MetalProvider implements FleetProvider {
  constructor(
    private readonly accountId: string,
    private readonly projectId: string,
    private readonly client: MetalClient,
    /** The embedded lab speaks the same API; its nodes say so. */
    private readonly kind: 'lab' | 'metal' = 'metal',
  ) {}

  /** Lets go of the connections kept open to the endpoint. */
  close(): Promise<void> {
    return this.client.close();
  }

  async verify() {
    const project = await this.client.getProject(this.projectId);
    return { projectName: project.name ?? project.id };
  }

  /** How long the last listNodes waited for the account's request budget (not the sync's own cost). */
  lastListWaitMs = 0;

  private readonly known = new Map<string, KnownDevice>();
  private lastFullListAt = 0;
  /** The last list saw many devices move: keep listing full until it calms down. */
  private churning = false;
  /** How the last listNodes went, for the bench: `full` or `light`, and how many devices it fetched one by one. */
  lastListKind: { kind: 'full' | 'light'; followedUp: number } = { kind: 'full', followedUp: 0 };
  /** Where the project's event log was read up to (set at each list, moved by each listChanged). */
  private eventMark: EventMark | null = null;
  /**
   * False once the API refused the project's events (an older endpoint, a token without that
   * permission): the fleet then lists at its steady pace instead of following the log.
   */
  followsChanges = true;

  /**
   * Marks the project's event log before a list reads the devices: whatever happens during the list
   * is then in the log after the mark, and the next listChanged fetches it (at worst again).
   */
  private async markEvents(): Promise<void> {
    if (!this.followsChanges) return;
    try {
      const { events } = await this.client.listProjectEvents(this.projectId, 1, EVENT_PAGE_SIZE);
      const newest = events.length > 0 ? Date.parse(events[0]!.created_at ?? '') : 0;
      const at = Number.isFinite(newest) ? newest : 0;
      this.eventMark = { at, ids: new Set(events.filter((event) => Date.parse(event.created_at ?? '') === at).map((event) => event.id)) };
    } catch (error) {
      this.eventMark = null;
      // 404: no such endpoint; 401/403: not this token's to read. Anything else is a blip: the next list marks again.
      if (isAppError(error) && (error.code === 'not_found' || error.code === 'auth')) this.followsChanges = false;
    }
  }

  /**
   * The devices the project's event log names since the last list or delta, each fetched whole; null
   * when the log cannot tell (no mark yet, more pages of events than a list is worth, or more devices than
   * fetching one by one is worth): the fleet then lists everything.
   */
  async listChanged(): Promise<FleetNode[] | null> {
    const mark = this.eventMark;
    if (!mark || !this.followsChanges) return null;
    const devices = new Set<string>();
    let newestAt = mark.at;
    const atNewest = new Set<string>();
    let reached = false;
    const maxPages = Math.min(MAX_EVENT_PAGES, Math.max(10, EVENT_PAGES_PER_DEVICE_PAGE * Math.ceil(this.known.size / DEFAULT_PAGE_SIZE)));
    for (let page = 1; page <= maxPages && !reached; page++) {
      const body = await this.client.listProjectEvents(this.projectId, page, EVENT_PAGE_SIZE);
      for (const event of body.events) {
        const at = Date.parse(event.created_at ?? '');
        // Newest first: the first event older than the mark ends what is new. `created_at` has whole
        // seconds, so an event at the mark's second is new unless the mark has seen it.
        if (!Number.isFinite(at) || at < mark.at) {
          reached = true;
          break;
        }
        if (at > newestAt) {
          newestAt = at;
          atNewest.clear();
        }
        if (at === newestAt) atNewest.add(event.id);
        if (at === mark.at && mark.ids.has(event.id)) continue;
        for (const related of event.relationships ?? []) {
          const id = DEVICE_HREF.exec(related.href)?.[1];
          if (id) devices.add(id);
        }
      }
      if (!body.meta?.next || body.events.length === 0) reached = true;
    }
    this.eventMark = newestAt === mark.at ? { at: mark.at, ids: new Set([...mark.ids, ...atNewest]) } : { at: newestAt, ids: atNewest };
    // More than the log could say (the mark moved on regardless: the list that follows covers the rest).
    if (!reached) return null;
    const followUpMax = Math.min(EVENT_FOLLOW_UP_CAP, Math.max(FOLLOW_UP_MAX, Math.ceil(this.known.size * EVENT_FOLLOW_UP_SHARE)));
    if (devices.size > followUpMax) return null;
    const nodes: FleetNode[] = [];
    await forEachLimited([...devices], FOLLOW_UP_CONCURRENCY, async (id) => {
      // Deleted since its event: the next list drops it.
      const node = await this.getNode(id).catch((error: unknown) => {
        if (isAppError(error) && error.code === 'not_found') return null;
        throw error;
      });
      if (node) nodes.push(node);
    });
    return nodes;
  }

  /**
   * Every node. The Metal API has no "changed since", so a steady-state poll lists devices light
   * (no nested objects), reuses the node of every device whose light JSON did not change, merges the
   * light fields into the rest, and fetches whole only the devices whose `updated_at` or state moved. The
   * first list, one every FULL_LIST_EVERY_MS, and lists while many devices move at once (a bulk
   * reinstall) are full: there a light list would only come first.
   */
  async listNodes(onPage?: (nodes: FleetNode[]) => void): Promise<FleetNode[]> {
    let waited = 0;
    const paced = (ms: number) => (waited += ms);
    try {
      // The mark is needed before the list reads its first page, not before a first sync's count
      // and catalogs: those go out beside it (each round trip was 100–150 ms of a first launch).
      const marked = this.markEvents();
      if (this.known.size === 0 || onPage || this.churning || Date.now() - this.lastFullListAt >= FULL_LIST_EVERY_MS)
        return await this.fullList(onPage, paced, marked);
      await marked;
      // Pages are taken as they come, not kept: the light devices die young (see eachDevicePage).
      const nodes = new Map<string, FleetNode>();
      const moved = new Set<string>();
      const listed = new Set<string>();
      await this.client.eachDevicePage(
        this.projectId,
        { exclude: LIGHT_EXCLUDE },
        (devices) => {
          for (const device of devices) {
            listed.add(device.id);
            const prior = this.known.get(device.id);
            // `updated_at` has whole seconds: a reinstall can set the new OS and turn `active` in
            // the same second as its last progress step. A new state means the heavy fields may
            // have moved unseen, so the device is fetched whole, never merged over its old OS.
            if (!prior || prior.updatedAt !== device.updatedAt || prior.state !== device.state) {
              moved.add(device.id);
              continue;
            }
            if (device.lightDigest === prior.lightDigest) {
              nodes.set(device.id, prior.node);
              continue;
            }
            // Only light fields moved (the agent's report in customdata, tags): merged over the node.
            const node: FleetNode = { ...prior.node, ...device.light };
            this.known.set(device.id, { ...prior, lightDigest: device.lightDigest, node });
            nodes.set(device.id, node);
          }
        },
        { accountId: this.accountId, kind: this.kind, whole: false, onPaced: paced },
      );
      if (moved.size > FOLLOW_UP_MAX) return await this.fullList(undefined, paced);
      this.churning = false;
      await forEachLimited([...moved], FOLLOW_UP_CONCURRENCY, async (id) => {
        // Deleted between the list and the fetch: left out, so the fleet drops it. Any other
        // failure fails the poll, which keeps the fleet as it was instead of dropping the node.
        const node = await this.getNode(id).catch((error: unknown) => {
          if (isAppError(error) && error.code === 'not_found') return null;
          throw error;
        });
        if (node) nodes.set(node.deviceId, node);
      });
      for (const id of this.known.keys()) if (!listed.has(id)) this.known.delete(id);
      this.lastListKind = { kind: 'light', followedUp: moved.size };
      return [...nodes.values()];
    } finally {
      this.lastListWaitMs = waited;
    }
  }

  /**
   * A first sync of a large fleet shows every node before its details: the light list (1.3 KB a
   * device, where a whole one is 4.8 KB) with its metro, facility, plan and OS resolved against the
   * catalogs, then the full list fills in addresses, ports and VLANs. At 50,000 devices the full list
   * alone took half a minute to fill the table. Returns whether it showed them.
   */
  private async sketchFirst(onPage: (nodes: FleetNode[]) => void, paced: (ms: number) => void, marked: Promise<void>): Promise<boolean> {
    // Asked together: a small fleet wastes the four catalog requests, a large one saves a round trip.
    const [total, catalog] = await Promise.all([this.client.countDevices(this.projectId), this.client.catalog().catch(() => null)]);
    if (total === null || total <= SKETCH_FIRST_ABOVE || !catalog) return false;
    await marked;
    await this.client.eachDevicePage(
      this.projectId,
      { exclude: LIGHT_EXCLUDE },
      (devices) =>
        onPage(
          devices.map((device) => {
            if (device.fingerprint) noteFingerprint(device.node!, device.fingerprint);
            return device.node!;
          }),
        ),
      {
        accountId: this.accountId,
        kind: this.kind,
        whole: false,
        catalog,
        onPaced: paced,
      },
    );
    return true;
  }

  private async fullList(
    onPage: ((nodes: FleetNode[]) => void) | undefined,
    paced: (ms: number) => void,
    marked: Promise<void> = Promise.resolve(),
  ): Promise<FleetNode[]> {
    if (onPage && this.known.size === 0) await this.sketchFirst(onPage, paced, marked);
    await marked;
    const byId = new Map<string, FleetNode>();
    let moved = 0;
    await this.client.eachDevicePage(
      this.projectId,
      { include: DEVICE_INCLUDE, exclude: DEVICE_EXCLUDE },
      (devices) => {
        const page: FleetNode[] = [];
        for (const device of devices) {
          const prior = this.known.get(device.id);
          if (prior && prior.updatedAt !== device.updatedAt) moved++;
          page.push(this.remember(device));
        }
        // Pages can overlap if the list shifted while paging; the last copy of a node wins.
        for (const node of page) byId.set(node.deviceId, node);
        onPage?.(page);
      },
      { accountId: this.accountId, kind: this.kind, whole: true, onPaced: paced },
    );
    for (const id of this.known.keys()) if (!byId.has(id)) this.known.delete(id);
    this.lastFullListAt = Date.now();
    this.churning = moved > FOLLOW_UP_MAX;
    this.lastListKind = { kind: 'full', followedUp: 0 };
    return [...byId.values()];
  }

  private remember(device: PageDevice): FleetNode {
    const node = device.node!;
    if (device.fingerprint) noteFingerprint(node, device.fingerprint);
    this.known.set(device.id, { updatedAt: device.updatedAt, state: device.state, lightDigest: device.lightDigest, node });
    return node;
  }

  async getNode(deviceId: string): Promise<FleetNode> {
    const wire = await this.client.getDevice(deviceId, { include: DEVICE_INCLUDE, exclude: DEVICE_EXCLUDE });
    return this.remember(pageDevice(this.accountId, this.kind, wire, true));
  }

  async nodeEvents(deviceId: string): Promise<NodeEvent[]> {
    const events = await this.client.listDeviceEvents(deviceId);
    return events.map((e) => ({
      id: e.id,
      type: e.type ?? 'event',
      state: e.state ?? '',
      message: e.interpolated ?? e.body ?? e.type ?? '',
      createdAt: e.created_at ?? '',
    }));
  }

  async power(deviceId: string, action: PowerAction): Promise<void> {
    await this.client.deviceAction(deviceId, { type: action });
  }

  async operatingSystems(): Promise<OperatingSystemOption[]> {
    return (await this.client.listOperatingSystems()).map((os) => ({
      slug: os.slug ?? os.id ?? '',
      name: os.name ?? os.slug ?? 'Unknown OS',
      version: os.version ?? '',
      family: osFamilyOf(os.distro, os.slug),
      plans: os.provisionable_on ?? [],
    }));
  }

  async reinstall(deviceId: string, input: { operatingSystem: string; preserveData: boolean }): Promise<void> {
    await this.client.deviceAction(deviceId, { type: 'reinstall', operating_system: input.operatingSystem, preserve_data: input.preserveData });
  }

  async userdata(deviceId: string): Promise<string> {
    return this.client.getUserdata(deviceId);
  }

  async setUserdata(deviceId: string, userdata: string): Promise<void> {
    await this.client.setUserdata(deviceId, userdata);
  }
}
