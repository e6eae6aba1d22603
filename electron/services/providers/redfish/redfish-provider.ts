/**
 * A Redfish BMC (or a Redfish aggregator) as a fleet: each `ComputerSystem` is a node. Power goes
 * through `ComputerSystem.Reset` with only the reset types the system lists in
 * `ResetType@Redfish.AllowableValues`; boot override is a PATCH of `Boot`; the Manager's
 * `SerialConsole` (SSH) is the node's console; the system's log entries are its events.
 * See DSP0268 ComputerSystem v1.x and Manager v1.x.
 */
import { AppError } from '../../../../shared/errors';
import { BOOT_TARGETS, type BootTarget, type Capability, type FleetNode, type NodeEvent, type NodeState, type PowerAction } from '../../../../shared/model';
import type { BootOverrideRequest, FleetProvider, ProviderConsoleEndpoint } from '../provider';
import { unsupported } from '../provider';
import type { RedfishClient } from './redfish-client';
import { RedfishEventStream, type EventStreamOptions, type EventStreamState } from './redfish-events';
import { CollectionWire, ComputerSystemWire, EthernetInterfaceWire, LogEntryWire, ManagerWire, NetworkProtocolWire } from './wire';

/** Reset types in the order Ironpane prefers them for each power action. */
const RESET_PREFERENCE: Record<PowerAction, readonly string[]> = {
  power_on: ['On', 'ForceOn', 'PushPowerButton'],
  power_off: ['ForceOff', 'GracefulShutdown', 'PushPowerButton'],
  reboot: ['GracefulRestart', 'ForceRestart', 'PowerCycle'],
};

const POWER_STATE: Record<string, NodeState> = { On: 'active', Off: 'inactive', PoweringOn: 'powering_on', PoweringOff: 'powering_off', Paused: 'inactive' };
const HEALTH = new Set(['OK', 'Warning', 'Critical']);
const MAX_SYSTEMS = 5000;
/** Pages of one collection a sync may read (a BMC lists tens of systems on one or two pages). */
const MAX_COLLECTION_PAGES = 100;

interface SystemFacts {
  system: ComputerSystemWire;
  console: { host: string; port: number } | null;
}

export class RedfishProvider implements FleetProvider {
  /** Per system: what was last read, so actions can check allowable values and the console address. */
  private readonly facts = new Map<string, SystemFacts>();
  /**
   * When each system's power state was last seen to change: Redfish has no "updated at", and the
   * operations engine tells a reboot that happened from one that did not by a moving update time.
   */
  private readonly changes = new Map<string, { power: string; at: string }>();

  /** Systems the last list left out, and why (shown on the connection). */
  lastWarning: string | null = null;

  /** The BMC's server-sent events, where it offers them: what changed between full lists. */
  private readonly events: RedfishEventStream;

  constructor(
    private readonly accountId: string,
    private readonly client: RedfishClient,
    options: { events?: EventStreamOptions } = {},
  ) {
    this.events = new RedfishEventStream(client, options.events);
  }

  /** True while the BMC may have an event stream (until it shows it has none): the fleet then lists it in full less often. */
  get followsChanges(): boolean {
    return this.events.supported;
  }

  /** How the event stream stands, for the connection's detail and tests. */
  get eventStream(): { state: EventStreamState; problem: string | null; held: number } {
    return { state: this.events.state, problem: this.events.problem, held: this.events.held };
  }

  async verify() {
    const root = await this.client.serviceRoot();
    if (!root.Systems)
      throw new AppError('invalid', `The Redfish service at ${this.client.origin} lists no Systems; Ironpane has no machines to show.`, { retryable: false });
    const systems = await this.client.get(root.Systems['@odata.id'], CollectionWire, 'systems collection');
    return {
      projectName: `${root.Name ?? 'Redfish service'} · Redfish ${root.RedfishVersion ?? '?'} · ${systems.Members.length} system${systems.Members.length === 1 ? '' : 's'}`,
    };
  }

  async listNodes(onPage?: (nodes: FleetNode[]) => void): Promise<FleetNode[]> {
    // What the stream says from now on is news to this list's result; what came before, the list reads.
    this.events.start();
    this.events.listed();
    const root = await this.client.serviceRoot();
    if (!root.Systems) return [];
    const members = await this.members(root.Systems['@odata.id']);
    const nodes: FleetNode[] = [];
    const problems: string[] = [];
    // A handful at a time: BMCs are small computers. One system the BMC describes badly is left
    // out and named; it does not take the others with it.
    for (let i = 0; i < members.length; i += 4) {
      const settled = await Promise.allSettled(members.slice(i, i + 4).map((path) => this.readSystem(path)));
      const batch = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      for (const r of settled) if (r.status === 'rejected') problems.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
      nodes.push(...batch);
      onPage?.(batch);
    }
    if (problems.length > 0 && nodes.length === 0) throw new AppError('invalid', problems[0]!, { retryable: false });
    this.lastWarning = problems.length > 0 ? `${problems.length} system${problems.length === 1 ? ' was' : 's were'} left out: ${problems[0]}` : null;
    return nodes;
  }

  async getNode(deviceId: string): Promise<FleetNode> {
    return this.readSystem(deviceId);
  }

  /**
   * The systems the BMC's events named since the last list or delta, each read again; null when the
   * stream cannot tell (not open, it missed something, or an event named a resource that is no known
   * system, such as a new system or a chassis): the fleet then lists everything.
   */
  async listChanged(): Promise<FleetNode[] | null> {
    const origins = this.events.take();
    if (origins === null) return null;
    const systems = new Set<string>();
    for (const origin of origins) {
      const system = this.systemOf(origin);
      if (system === null) return null;
      systems.add(system);
    }
    const nodes: FleetNode[] = [];
    const paths = [...systems];
    for (let i = 0; i < paths.length; i += 4) nodes.push(...(await Promise.all(paths.slice(i, i + 4).map((path) => this.readSystem(path)))));
    return nodes;
  }

  /** The known system an event's origin is, or lies under (`…/Systems/1/Bios` is system 1). */
  private systemOf(origin: string): string | null {
    for (const path of this.facts.keys()) {
      const base = path.replace(/\/+$/, '');
      if (origin === base || origin.startsWith(`${base}/`)) return path;
    }
    return null;
  }

  async nodeEvents(deviceId: string): Promise<NodeEvent[]> {
    const system = await this.system(deviceId);
    if (!system.LogServices) return [];
    const services = await this.members(system.LogServices['@odata.id']);
    const events: NodeEvent[] = [];
    for (const service of services.slice(0, 4)) {
      const entries = await this.members(`${service.replace(/\/$/, '')}/Entries`).catch(() => [] as string[]);
      for (const path of entries.slice(-50)) {
        const entry = await this.client.get(path, LogEntryWire, 'log entry').catch(() => null);
        if (!entry) continue;
        events.push({ id: path, type: entry.EntryType ?? 'log', state: entry.Severity ?? '', message: entry.Message ?? '', createdAt: entry.Created ?? '' });
      }
    }
    return events.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async power(deviceId: string, action: PowerAction): Promise<void> {
    const system = await this.system(deviceId);
    const reset = system.Actions?.['#ComputerSystem.Reset'];
    if (!reset)
      throw new AppError('invalid', `${system.Name ?? system.Id} offers no ComputerSystem.Reset action; its power cannot be controlled over Redfish.`, {
        retryable: false,
      });
    const allowed = reset['ResetType@Redfish.AllowableValues'];
    const choice = allowed ? RESET_PREFERENCE[action].find((type) => allowed.includes(type)) : RESET_PREFERENCE[action][0];
    if (!choice) {
      throw new AppError(
        'invalid',
        `${system.Name ?? system.Id} allows only ${allowed!.join(', ')} resets; none of them does "${action.replace('_', ' ')}" (Ironpane would use ${RESET_PREFERENCE[action].join(' or ')}).`,
        {
          retryable: false,
        },
      );
    }
    await this.reset(deviceId, choice);
  }

  /** One `ComputerSystem.Reset`, refused before sending when the system does not list the type. */
  async reset(deviceId: string, resetType: string): Promise<void> {
    const system = await this.system(deviceId);
    const reset = system.Actions?.['#ComputerSystem.Reset'];
    if (!reset) throw new AppError('invalid', `${system.Name ?? system.Id} offers no ComputerSystem.Reset action.`, { retryable: false });
    const allowed = reset['ResetType@Redfish.AllowableValues'];
    if (allowed && !allowed.includes(resetType)) {
      throw new AppError('invalid', `${system.Name ?? system.Id} does not allow the reset type ${resetType}; it allows ${allowed.join(', ')}.`, {
        retryable: false,
      });
    }
    await this.client.send('POST', reset.target, { ResetType: resetType });
  }

  async setBootOverride(deviceId: string, request: BootOverrideRequest): Promise<NonNullable<FleetNode['bootOverride']>> {
    const system = await this.system(deviceId);
    if (!system.Boot)
      throw new AppError('invalid', `${system.Name ?? system.Id} reports no Boot settings; its boot device cannot be overridden.`, { retryable: false });
    const allowed = system.Boot['BootSourceOverrideTarget@Redfish.AllowableValues'];
    if (allowed && !allowed.includes(request.target)) {
      throw new AppError('invalid', `${system.Name ?? system.Id} cannot boot from ${request.target}; it offers ${allowed.join(', ')}.`, { retryable: false });
    }
    await this.client.send('PATCH', system['@odata.id'], { Boot: { BootSourceOverrideTarget: request.target, BootSourceOverrideEnabled: request.mode } });
    // Read back: some BMCs accept the PATCH and keep their own mode (libvirt-backed ones are always Continuous).
    const after = (await this.readSystem(deviceId)).bootOverride;
    if (!after) throw new AppError('unavailable', `${system.Name ?? system.Id} stopped reporting its Boot settings after the change.`);
    return after;
  }

  async consoleEndpoint(deviceId: string): Promise<ProviderConsoleEndpoint> {
    const facts = this.facts.get(deviceId) ?? { console: (await this.readFacts(deviceId)).console };
    if (!facts.console) throw new AppError('unavailable', "This system's BMC offers no serial console over SSH.", { retryable: false });
    return { host: facts.console.host, port: facts.console.port };
  }

  operatingSystems = () => Promise.resolve([]);
  reinstall = () => unsupported('redfish', 'reinstall');
  userdata = () => unsupported('redfish', 'userdata');
  setUserdata = () => unsupported('redfish', 'userdata');

  async close(): Promise<void> {
    await this.events.close();
    await this.client.close();
  }

  private async members(path: string): Promise<string[]> {
    const paths: string[] = [];
    // A next link seen before is a loop (one pointing at itself drew 114,953 requests in 50 s); a
    // page that adds nothing cannot be followed for ever either.
    const visited = new Set<string>();
    let next: string | null = path;
    while (next && paths.length < MAX_SYSTEMS) {
      if (visited.has(next) || visited.size >= MAX_COLLECTION_PAGES) {
        throw new AppError(
          'unavailable',
          `The BMC at ${this.client.host} lists the collection ${path} in a loop (${visited.size} pages, ${next} again); Ironpane stopped reading it.`,
          { retryable: false },
        );
      }
      visited.add(next);
      const page: { Members: { '@odata.id': string }[]; 'Members@odata.nextLink'?: string | null } = await this.client.get(next, CollectionWire, 'collection');
      paths.push(...page.Members.map((m) => m['@odata.id']));
      next = page['Members@odata.nextLink'] ?? null;
    }
    return paths;
  }

  private async system(deviceId: string): Promise<ComputerSystemWire> {
    const system = await this.client.get(deviceId, ComputerSystemWire, 'computer system');
    const facts = this.facts.get(deviceId);
    this.facts.set(deviceId, { system, console: facts?.console ?? null });
    return system;
  }

  private async readFacts(path: string): Promise<SystemFacts> {
    const system = await this.system(path);
    let console: SystemFacts['console'] = null;
    const managerPath = system.Links?.ManagedBy?.[0]?.['@odata.id'];
    if (managerPath) {
      // A broken manager link costs the console, not the node.
      const manager = await this.client.get(managerPath, ManagerWire, 'manager').catch(() => null);
      const serial = manager?.SerialConsole;
      const sshOffered = serial && serial.ServiceEnabled !== false && (serial.ConnectTypesSupported?.includes('SSH') || serial.SSH?.ServiceEnabled);
      if (manager && sshOffered) {
        let port = serial.SSH?.Port ?? null;
        if (!port && manager.NetworkProtocol) {
          const protocols = await this.client.get(manager.NetworkProtocol['@odata.id'], NetworkProtocolWire, 'network protocol').catch(() => null);
          port = protocols?.SSH?.Port ?? null;
        }
        console = { host: this.client.host, port: port ?? 22 };
      }
    }
    const facts = { system, console };
    this.facts.set(path, facts);
    return facts;
  }

  private async readSystem(path: string): Promise<FleetNode> {
    const { system, console } = await this.readFacts(path);
    let addresses: string[] = [];
    if (system.EthernetInterfaces) {
      const nics = await this.members(system.EthernetInterfaces['@odata.id']).catch(() => [] as string[]);
      for (const nic of nics.slice(0, 8)) {
        const wire = await this.client.get(nic, EthernetInterfaceWire, 'ethernet interface').catch(() => null);
        addresses.push(...(wire?.IPv4Addresses ?? []).map((a) => a.Address ?? '').filter((a) => a && a !== '0.0.0.0'));
      }
      addresses = [...new Set(addresses)];
    }
    const power = system.PowerState ?? '';
    const seen = this.changes.get(path);
    if (!seen || seen.power !== power) this.changes.set(path, { power, at: seen ? new Date().toISOString() : '' });
    const changedAt = this.changes.get(path)!.at;
    const resetAt = system.LastResetTime ?? '';
    const latest = (Date.parse(changedAt) || 0) > (Date.parse(resetAt) || 0) ? changedAt : resetAt;
    return { ...normaliseSystem(this.accountId, system, console !== null, addresses), updatedAt: latest };
  }
}

export function normaliseSystem(accountId: string, system: ComputerSystemWire, hasConsole: boolean, addresses: string[]): FleetNode {
  const capabilities: Capability[] = [];
  if (system.Actions?.['#ComputerSystem.Reset']) capabilities.push('power');
  if (system.Boot) capabilities.push('bootOverride');
  if (hasConsole) capabilities.push('serialConsole');
  if (system.LogServices) capabilities.push('events');
  const health = system.Status?.Health && HEALTH.has(system.Status.Health) ? (system.Status.Health as 'OK' | 'Warning' | 'Critical') : null;
  const boot = system.Boot;
  const allowed = (boot?.['BootSourceOverrideTarget@Redfish.AllowableValues'] ?? []).filter((t): t is BootTarget =>
    (BOOT_TARGETS as readonly string[]).includes(t),
  );
  const enabled = boot?.BootSourceOverrideEnabled;
  const name = system.HostName || system.Name || system.Id;
  const id = system['@odata.id'];
  return {
    id: `${accountId}:${id}`,
    accountId,
    deviceId: id,
    shortId: system.Id.slice(0, 12),
    hostname: name,
    description: system.Description ?? '',
    state: system.Status?.State === 'Absent' ? 'failed' : (POWER_STATE[system.PowerState ?? ''] ?? 'inactive'),
    provisioningPercentage: null,
    metro: null,
    facility: null,
    plan: system.Model ?? null,
    os: { slug: 'unknown', name: 'Unknown OS (BMC)', family: 'other', version: '', channel: null },
    osState: null,
    ips: addresses.map((address) => ({ address, family: 4, public: false, management: false })),
    tags: [],
    // A BMC does not know the machine's networks: unknown is not "layer-2 only".
    layer2Only: false,
    networkType: null,
    switchUuid: null,
    vlans: [],
    sosHost: null,
    actions: [],
    provider: 'redfish',
    capabilities,
    hardware: {
      manufacturer: system.Manufacturer ?? null,
      model: system.Model ?? null,
      serialNumber: system.SerialNumber ?? null,
      biosVersion: system.BiosVersion ?? null,
      processors: system.ProcessorSummary?.Count ?? null,
      memoryGiB: system.MemorySummary?.TotalSystemMemoryGiB ?? null,
      health,
    },
    bootOverride: boot
      ? {
          target: boot.BootSourceOverrideTarget ?? 'None',
          enabled: enabled === 'Once' || enabled === 'Continuous' ? enabled : 'Disabled',
          allowed,
        }
      : null,
    createdAt: '',
    updatedAt: '',
  };
}
