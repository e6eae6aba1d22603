/**
 * OpenStack Ironic as a fleet (https://docs.openstack.org/api-ref/baremetal/): each bare-metal node
 * is a node. Reprovisioning is `rebuild` (or `active` on an available node) with a JSON configdrive
 * holding the rendered config revision (1.56+); power, the boot device, deploy, undeploy, rescue and
 * maintenance are Ironic's own calls; its socat console is the node's serial console over TCP.
 *
 * Actions answer 202 and run in the conductor: the operations engine follows the node until
 * `target_provision_state` is null. A node locked by another action (409) is waited for and the
 * call retried; an action the state does not allow is refused before sending, naming the state.
 */
import { createHash } from 'node:crypto';
import { AppError, isAppError } from '../../../../shared/errors';
import type { BootTarget, FleetNode, NodeEvent, OperatingSystemOption, OsFamily, PowerAction } from '../../../../shared/model';
import type { ProviderNotes } from '../../store/connection-store';
import type { BootOverrideRequest, FleetProvider, ProviderConsoleEndpoint } from '../provider';
import type { IronicClient } from './ironic-client';
import { imageName, imageUrlOf, IRONIC_BOOT_TARGETS, normaliseNode, type IronicImage, type Placement } from './normalise';
import { BootDeviceWire, ConsoleWire, HistoryWire, NODE_FIELDS, NodeListWire, NodeWire, PortListWire } from './wire';

/** Nodes per page of a full list (Ironic's default `max_limit` is 1000). */
const PAGE_SIZE = 500;
/** Nodes per page of a delta poll: most polls find none or a few changed. */
const DELTA_PAGE_SIZE = 25;
/** Pages one list or delta may read: a `next` link that never ends is a loop, not a fleet. */
const MAX_PAGES = 400;
const MAX_DELTA_PAGES = 20;
/** How long a call waits, in all, for a node another action holds (409 "locked … please retry"). */
const LOCK_WAIT_MS = 60_000;

const POWER_TARGET: Record<PowerAction, string> = { power_on: 'power on', power_off: 'power off', reboot: 'rebooting' };
/** Ironic's boot devices (ironic.common.boot_devices) for Ironpane's boot targets. */
const BOOT_DEVICE: Partial<Record<BootTarget, string>> = { Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom', BiosSetup: 'bios' };
const BOOT_TARGET_OF: Record<string, BootTarget> = { pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup' };

export interface IronicProviderOptions {
  placement: Placement;
  images: readonly IronicImage[];
  osFamily: OsFamily;
  /** From the vault; '' when the connection has none (rescue is then refused, saying so). */
  rescuePassword: string;
  notes: ProviderNotes;
  /** Waits between polls of a locked node (tests shorten it). */
  lockRetryMs?: number;
}

const PROVISION_TARGET: Record<string, string> = {
  deploy: 'active',
  undeploy: 'deleted',
  rescue: 'rescue',
  unrescue: 'unrescue',
  manage: 'manage',
  provide: 'provide',
};

type PortFacts = { switchId: string | null; portId: string | null; physicalNetwork: string | null };

export class IronicProvider implements FleetProvider {
  /** Each node's ports from the last full list (Ironic's layer 2). */
  private ports = new Map<string, PortFacts[]>();
  /** The newest `updated_at` a list or delta has seen (a delta stops there), and the nodes seen at exactly that time. */
  private watermark: string | null = null;
  private atWatermark = new Set<string>();
  /** Images seen on nodes in the last list, offered for reprovisioning beside the connection's own. */
  private seenImages = new Set<string>();
  private historySupported = false;

  constructor(
    private readonly accountId: string,
    private readonly client: IronicClient,
    private readonly options: IronicProviderOptions,
  ) {}

  async verify() {
    const version = await this.client.negotiate();
    const page = await this.client.get('/v1/nodes?fields=uuid&limit=1', NodeListWire, 'node list');
    return { projectName: `OpenStack Ironic · API ${version}${page.nodes.length === 0 ? ' · no nodes enrolled yet' : ''}` };
  }

  async listNodes(onPage?: (nodes: FleetNode[]) => void): Promise<FleetNode[]> {
    this.historySupported = await this.client.supports('history');
    // The top of the update order first: whatever changes while the list is read shows in the next delta.
    const top = await this.client.get('/v1/nodes/detail?sort_key=updated_at&sort_dir=desc&limit=1', NodeListWire, 'node list');
    // A fleet never changed since enrolment has no `updated_at` at all: '' is older than any time.
    const watermark = top.nodes[0]?.updated_at ?? '';
    this.ports = await this.readPorts();
    const nodes: FleetNode[] = [];
    const images = new Set<string>();
    for await (const page of this.pages(`/v1/nodes?fields=${NODE_FIELDS.join(',')}&limit=${PAGE_SIZE}`, MAX_PAGES)) {
      const batch = page.map((wire) => {
        const url = imageUrlOf(wire);
        if (url) images.add(url);
        return this.normalise(wire);
      });
      nodes.push(...batch);
      onPage?.(batch);
    }
    this.seenImages = images;
    this.watermark = watermark;
    this.atWatermark = new Set(top.nodes.slice(0, 1).map((n) => n.uuid));
    return nodes;
  }

  /**
   * The nodes that changed since the last list or delta, newest first, read until the last seen
   * update time (`sort_key=updated_at&sort_dir=desc`): the poll a Metal API cannot offer. Null when
   * it cannot tell (no list yet, or more changed than a delta reads): a full list is due.
   */
  async listChanged(): Promise<FleetNode[] | null> {
    const since = this.watermark;
    if (since === null) return null;
    const changed: NodeWire[] = [];
    let newest: string | null = null;
    const atNewest = new Set<string>();
    let reached = false;
    for await (const page of this.pages(`/v1/nodes/detail?sort_key=updated_at&sort_dir=desc&limit=${DELTA_PAGE_SIZE}`, MAX_DELTA_PAGES)) {
      for (const node of page) {
        newest ??= node.updated_at ?? null;
        if (node.updated_at && node.updated_at === newest) atNewest.add(node.uuid);
        if (!node.updated_at || node.updated_at < since) {
          reached = true;
          break;
        }
        // A node seen at exactly the last time is not new; another at that time (same microsecond) is.
        if (node.updated_at === since && this.atWatermark.has(node.uuid)) continue;
        changed.push(node);
      }
      if (reached) break;
    }
    if (!reached && changed.length >= DELTA_PAGE_SIZE * MAX_DELTA_PAGES) return null;
    if (newest && newest !== since) {
      this.watermark = newest;
      this.atWatermark = atNewest;
    } else for (const id of atNewest) this.atWatermark.add(id);
    return changed.map((wire) => this.normalise(wire));
  }

  async getNode(deviceId: string): Promise<FleetNode> {
    return this.normalise(await this.read(deviceId));
  }

  async nodeEvents(deviceId: string): Promise<NodeEvent[]> {
    if (!(await this.client.supports('history'))) return [];
    const history = await this.client.get(`/v1/nodes/${encodeURIComponent(deviceId)}/history`, HistoryWire, 'node history');
    return history.history
      .map((h, index) => ({
        id: h.uuid ?? String(index),
        type: h.event_type ?? 'history',
        state: h.severity ?? '',
        message: (h.event ?? '').slice(0, 2000),
        createdAt: h.created_at ?? '',
      }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async power(deviceId: string, action: PowerAction): Promise<void> {
    await this.whenUnlocked(deviceId, () => this.client.send('PUT', `${this.path(deviceId)}/states/power`, { target: POWER_TARGET[action] }));
  }

  async setBootOverride(deviceId: string, request: BootOverrideRequest): Promise<NonNullable<FleetNode['bootOverride']>> {
    const device = BOOT_DEVICE[request.target];
    if (request.mode === 'Disabled' || !device) {
      throw new AppError(
        'invalid',
        `Ironic sets a boot device (network, disk, CD or firmware setup); it has no way to ${request.mode === 'Disabled' ? 'clear one' : `boot from ${request.target}`}.`,
        { retryable: false },
      );
    }
    const persistent = request.mode === 'Continuous';
    await this.whenUnlocked(deviceId, () => this.client.send('PUT', `${this.path(deviceId)}/management/boot_device`, { boot_device: device, persistent }));
    // Read back: some BMCs keep their own mode (sushy-tools always reports Continuous).
    const after = await this.client.get(`${this.path(deviceId)}/management/boot_device`, BootDeviceWire, 'boot device');
    return {
      target: BOOT_TARGET_OF[after.boot_device ?? ''] ?? after.boot_device ?? 'None',
      enabled: after.persistent ? 'Continuous' : 'Once',
      allowed: IRONIC_BOOT_TARGETS,
    };
  }

  /**
   * The user data the node was deployed with: the configdrive's as the API shows it (a policy with
   * `show_instance_secrets` returns the JSON that was sent), else what Ironpane last sent, else none.
   */
  async userdata(deviceId: string): Promise<string> {
    const pending = this.options.notes.get(`pending:${deviceId}`);
    if (pending !== undefined) return pending;
    return this.deployedUserdata(deviceId);
  }

  /** Kept for the next deploy or rebuild (Ironic has no user data apart from a deploy's configdrive). */
  async setUserdata(deviceId: string, userdata: string): Promise<void> {
    await this.read(deviceId);
    this.options.notes.put(`pending:${deviceId}`, userdata);
  }

  async operatingSystems(): Promise<OperatingSystemOption[]> {
    const urls = [...new Set([...this.options.images.map((i) => i.url), ...this.seenImages])];
    return urls.map((url) => ({ slug: url, name: imageName(url, this.options.images), version: '', family: this.options.osFamily, plans: [] }));
  }

  /**
   * Rebuild (an active or failed deploy) or deploy (an available node) with the image chosen and a
   * configdrive holding the user data set for it. Ironic always rewrites the root disk: keeping data
   * is not an Ironic rebuild option Ironpane uses (`preserve_ephemeral` keeps only an ephemeral partition).
   */
  async reinstall(deviceId: string, input: { operatingSystem: string; preserveData: boolean }): Promise<void> {
    const node = await this.read(deviceId);
    const state = node.provision_state ?? '';
    if (node.maintenance)
      throw this.refusal(node, `it is in maintenance${node.maintenance_reason ? ` (${node.maintenance_reason})` : ''}; end maintenance first`);
    if (!['active', 'available', 'deploy failed'].includes(state)) throw this.refusal(node, `Ironic deploys only available or active nodes; it is ${state}`);
    const current = imageUrlOf(node);
    if (input.operatingSystem !== 'none' && input.operatingSystem !== current) {
      // A ramdisk deploy boots `boot_iso`; any other reads `image_source`.
      const key = node.instance_info?.boot_iso && !node.instance_info.image_source ? 'boot_iso' : 'image_source';
      await this.whenUnlocked(deviceId, () =>
        this.client.send('PATCH', this.path(deviceId), [{ op: 'add', path: `/instance_info/${key}`, value: input.operatingSystem }]),
      );
    }
    await this.provision(node, state === 'available' ? 'active' : 'rebuild', await this.configdrive(node));
  }

  /** Deploy, undeploy, rescue, leave rescue, manage, provide, maintenance on and off. */
  async lifecycle(deviceId: string, action: string, input: { reason?: string }): Promise<void> {
    const node = await this.read(deviceId);
    if (action === 'maintenance_on') {
      await this.whenUnlocked(deviceId, () => this.client.send('PUT', `${this.path(deviceId)}/maintenance`, { reason: input.reason ?? '' }));
      return;
    }
    if (action === 'maintenance_off') {
      await this.whenUnlocked(deviceId, () => this.client.send('DELETE', `${this.path(deviceId)}/maintenance`));
      return;
    }
    const target = PROVISION_TARGET[action];
    if (!target) throw new AppError('invalid', `Ironic has no action “${action}”.`, { retryable: false });
    const offered = normaliseNode(node, this.context()).lifecycleActions?.find((a) => a.id === action);
    if (offered?.blockedReason) throw this.refusal(node, offered.blockedReason.replace(/\.$/, ''));
    if (action === 'deploy') return this.provision(node, 'active', await this.configdrive(node));
    if (action === 'rescue') {
      if (!this.options.rescuePassword) {
        throw new AppError(
          'invalid',
          `Rescue ${node.name ?? node.uuid}: the connection has no rescue password; add one under Connections (it is kept in the vault).`,
          {
            retryable: false,
          },
        );
      }
      return this.provision(node, 'rescue', {}, { rescue_password: this.options.rescuePassword });
    }
    return this.provision(node, target, {});
  }

  /** Turns Ironic's console on and says where it listens (`console_info.url`, `tcp://host:port`). */
  async enableConsole(deviceId: string): Promise<ProviderConsoleEndpoint> {
    const node = await this.read(deviceId);
    if (!node.console_interface || node.console_interface === 'no-console') {
      throw new AppError(
        'unavailable',
        `${node.name ?? node.uuid}: its Ironic driver has no console interface (console_interface is ${node.console_interface ?? 'unset'}).`,
        {
          retryable: false,
        },
      );
    }
    await this.whenUnlocked(deviceId, () => this.client.send('PUT', `${this.path(deviceId)}/states/console`, { enabled: true }));
    // The conductor starts the console in the background (about 2 s for ipmitool-socat).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = await this.client.get(`${this.path(deviceId)}/states/console`, ConsoleWire, 'console state');
      const url = state.console_info?.url;
      if (state.console_enabled && url) return consoleAddress(url, node.name ?? node.uuid);
      if (state.console_enabled && state.console_info && !url) {
        throw new AppError(
          'unavailable',
          `${node.name ?? node.uuid}: Ironic's console is on but names no address (its console interface is ${node.console_interface}).`,
          {
            retryable: false,
          },
        );
      }
      if (Date.now() > deadline) throw new AppError('timeout', `${node.name ?? node.uuid}: Ironic did not start the console in 30 s.`);
      await sleep(500);
    }
  }

  async disableConsole(deviceId: string): Promise<void> {
    await this.whenUnlocked(deviceId, () => this.client.send('PUT', `${this.path(deviceId)}/states/console`, { enabled: false }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private context() {
    return {
      accountId: this.accountId,
      placement: this.options.placement,
      images: this.options.images,
      osFamily: this.options.osFamily,
      history: this.historySupported,
    };
  }

  private normalise(wire: NodeWire): FleetNode {
    return normaliseNode(wire, { ...this.context(), ports: this.ports.get(wire.uuid) ?? [] });
  }

  private path(deviceId: string): string {
    return `/v1/nodes/${encodeURIComponent(deviceId)}`;
  }

  private async read(deviceId: string): Promise<NodeWire> {
    try {
      return await this.client.get(`${this.path(deviceId)}?fields=${NODE_FIELDS.join(',')}`, NodeWire, 'node');
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found')
        throw new AppError('not_found', `Node ${deviceId} is no longer in Ironic (it was deleted or renamed).`, { retryable: false });
      throw error;
    }
  }

  private async deployedUserdata(deviceId: string): Promise<string> {
    const node = await this.read(deviceId);
    const drive = node.instance_info?.configdrive;
    if (drive && typeof drive === 'object') return typeof drive.user_data === 'string' ? drive.user_data : '';
    // Masked ("******"), a gzipped ISO or a URL: what Ironpane sent last is the best knowledge.
    return this.options.notes.get(`sent:${deviceId}`) ?? '';
  }

  /** The configdrive for a deploy: the user data set for the node, else what it was deployed with. */
  private async configdrive(node: NodeWire): Promise<Record<string, unknown>> {
    const pending = this.options.notes.get(`pending:${node.uuid}`);
    const userdata = pending ?? (await this.deployedUserdata(node.uuid));
    const metaData = { hostname: node.name ?? node.uuid, uuid: node.uuid, name: node.name ?? node.uuid };
    return { configdrive: { meta_data: metaData, ...(userdata ? { user_data: userdata } : {}) } };
  }

  private async provision(node: NodeWire, target: string, extra: Record<string, unknown>, secret: Record<string, unknown> = {}): Promise<void> {
    await this.whenUnlocked(node.uuid, () => this.client.send('PUT', `${this.path(node.uuid)}/states/provision`, { target, ...extra, ...secret }));
    const drive = extra.configdrive as { user_data?: string } | undefined;
    if (drive) {
      // What was sent is what the node now deploys with; a hash names it without keeping it twice.
      this.options.notes.put(`sent:${node.uuid}`, drive.user_data ?? '');
      this.options.notes.put(`pending:${node.uuid}`, null);
      this.options.notes.put(
        `sent-sha256:${node.uuid}`,
        createHash('sha256')
          .update(drive.user_data ?? '')
          .digest('hex'),
      );
    }
  }

  /** A call on a node another action holds (409) is retried until the lock goes or a minute has passed. */
  private async whenUnlocked<T>(deviceId: string, call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (!isAppError(error) || error.code !== 'conflict' || Date.now() > deadline) throw error;
        await sleep(this.options.lockRetryMs ?? 1_000);
      }
    }
  }

  private refusal(node: NodeWire, why: string): AppError {
    return new AppError('conflict', `${node.name ?? node.uuid}: ${why}.`, { retryable: false });
  }

  private async readPorts(): Promise<Map<string, PortFacts[]>> {
    const byNode = new Map<string, PortFacts[]>();
    let next: string | null = '/v1/ports?fields=uuid,node_uuid,physical_network,local_link_connection&limit=1000';
    const visited = new Set<string>();
    while (next) {
      if (visited.has(next) || visited.size >= MAX_PAGES) throw this.loop('/v1/ports', visited.size);
      visited.add(next);
      const page: {
        ports: {
          node_uuid?: string | null;
          physical_network?: string | null;
          local_link_connection?: { switch_id?: string | null; port_id?: string | null } | null;
        }[];
        next?: string | null;
      } = await this.client.get(next, PortListWire, 'port list');
      for (const port of page.ports) {
        if (!port.node_uuid) continue;
        const list = byNode.get(port.node_uuid) ?? [];
        list.push({
          switchId: port.local_link_connection?.switch_id ?? null,
          portId: port.local_link_connection?.port_id ?? null,
          physicalNetwork: port.physical_network ?? null,
        });
        byNode.set(port.node_uuid, list);
      }
      next = page.ports.length > 0 ? (page.next ?? null) : null;
    }
    return byNode;
  }

  private async *pages(first: string, maxPages: number): AsyncGenerator<NodeWire[]> {
    let next: string | null = first;
    const visited = new Set<string>();
    while (next) {
      if (visited.has(next) || visited.size >= maxPages) {
        if (maxPages === MAX_DELTA_PAGES) return;
        throw this.loop('/v1/nodes', visited.size);
      }
      visited.add(next);
      const page: { nodes: NodeWire[]; next?: string | null } = await this.client.get(next, NodeListWire, 'node list');
      yield page.nodes;
      // The last page has no `next`; an empty page ends it too.
      next = page.nodes.length > 0 ? (page.next ?? null) : null;
    }
  }

  private loop(what: string, pages: number): AppError {
    return new AppError('unavailable', `Ironic at ${this.client.host} lists ${what} in a loop or without end (${pages} pages); Ironpane stopped reading it.`, {
      retryable: false,
    });
  }
}

/** `tcp://host:port` from `console_info.url`; anything else is named and refused. */
export function consoleAddress(url: string, node: string): ProviderConsoleEndpoint {
  const match = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(url);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new AppError(
      'unavailable',
      `${node}: Ironic's console is at ${url.slice(0, 120)}, which is not a tcp://host:port Ironpane can open (only socat consoles are supported).`,
      {
        retryable: false,
      },
    );
  }
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
