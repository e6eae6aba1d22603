/**
 * The lab's simulated machines. A deterministic seed builds a believable fleet; actions move
 * machines through the Metal API's `state` values on a clock that is realistic by default and
 * compressible (`timeScale`) for tests. State advances lazily when anyone looks, so 10,000 idle
 * machines cost no timers.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { NodeOsState, NodeState } from '../../shared/model';
import { firstBoot } from './serial/first-boot';
import { LAB_METROS, LAB_OPERATING_SYSTEMS, LAB_PLANS, LAB_ROLES, LAB_VLANS_PER_METRO, type LabMetro, type LabOperatingSystem, type LabPlan } from './catalog';

export interface LabFleetOptions {
  nodeCount?: number;
  /** Chance that a provision, reinstall or power-on ends `failed`; also the share seeded failed. */
  failureRate?: number;
  seed?: number;
  /** Multiplies every simulated duration: 1 is realistic, 0.01 runs a 6-minute reinstall in 3.6 s. */
  timeScale?: number;
  now?: () => number;
}

export type NetworkType = 'layer3' | 'hybrid-bonded' | 'layer2-bonded';

export interface LabEvent {
  id: string;
  type: string;
  state: string;
  body: string;
  createdAt: number;
}

/** An event of the project's log: a device's event, naming the device (GET /projects/{id}/events). */
export interface LabProjectEvent extends LabEvent {
  machineId: string;
}

/** How many events the project's log keeps: a client that falls further behind lists everything. */
export const PROJECT_EVENT_LOG_SIZE = 10_000;

export interface LabVlan {
  id: string;
  vxlan: number;
  description: string;
  metro: LabMetro;
  createdAt: number;
}

export interface LabIp {
  id: string;
  address: string;
  family: 4 | 6;
  cidr: number;
  public: boolean;
  management: boolean;
  gateway: string;
  network: string;
  netmask: string;
}

export interface Machine {
  id: string;
  shortId: string;
  hostname: string;
  description: string;
  tags: string[];
  role: string;
  createdAt: number;
  updatedAt: number;
  state: NodeState;
  provisioningPercentage: number | null;
  metro: LabMetro;
  facility: LabMetro['facilities'][number];
  plan: LabPlan;
  os: LabOperatingSystem;
  osVersion: string;
  networkType: NetworkType;
  ips: LabIp[];
  vlans: LabVlan[];
  switchUuid: string;
  macs: [string, string];
  userdata: string;
  customdata: Record<string, unknown>;
  locked: boolean;
  /** Bumped on every change; lets the API server reuse a machine's serialised JSON until it changes. */
  revision: number;
  /** Booted into the in-RAM rescue system (Metal's `rescue` action) until the next reboot. */
  rescue: boolean;
  /** What the machine's agent reports about its slots and update_engine (see updates/os-agent.ts). */
  osReport: NodeOsState | null;
  /** Newest first. */
  events: LabEvent[];
  pending: { at: number; run: () => void }[];
}

export class LabError extends Error {
  constructor(
    readonly status: 404 | 422 | 409,
    message: string,
  ) {
    super(message);
  }
}

export const LAB_PROJECT = { id: '7c1e5c4a-1b2f-4e8f-9d3a-6a0b7f2e9c10', name: 'Ironpane Lab' };
export const LAB_SSH_KEY = {
  id: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b',
  label: 'lab-operator',
  // Shown when the lab runs without its serial gateway; with it, `/ssh-keys` lists the vault's lab key.
  key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx1bHlhY2Jrc2lyb25wYW5lbGFia2V5cGxhY2Vob2xkZXI lab-operator',
};

const DURATION = {
  powerOff: 6_000,
  powerOn: 25_000,
  rebootOff: 5_000,
  rebootOn: 30_000,
  reinstall: 6 * 60_000,
  provision: 8 * 60_000,
};

const HEX_DIGITS = '0123456789abcdef';

/** mulberry32: small, fast, good enough to make a fleet look varied and be the same every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LabFleetEvents {
  /** A machine changed state: the serial console replays boots, shutdowns and failures from this. */
  transition: [machine: Machine, from: NodeState, to: NodeState];
}

/**
 * What a machine's own OS tools change, typed on its serial console: Flatcar's `cgpt prioritize`,
 * NixOS's `nixos-rebuild switch --rollback`. The OS agents (updates/os-agent.ts) own that state and
 * provide these; each returns what the tool prints.
 */
export interface OsTools {
  /** `cgpt prioritize <device>`: that USR partition boots next. */
  prioritizeUsr(machine: Machine, device: string): { output: string; ok: boolean };
  /** `nixos-rebuild switch --rollback`: the generation before the current one becomes current and boots next. */
  nixosRollback(machine: Machine): { output: string; ok: boolean };
  nixosGenerations(machine: Machine): string;
}

export class LabFleet {
  readonly events = new EventEmitter<LabFleetEvents>();
  osTools: OsTools | null = null;
  readonly machines = new Map<string, Machine>();
  readonly order: string[] = [];
  private readonly ordered: Machine[] = [];
  readonly vlans: LabVlan[] = [];
  readonly createdAt: number;
  /**
   * The project's events since the lab started, oldest first, at most twice PROJECT_EVENT_LOG_SIZE
   * before the oldest half is dropped (newestEvents reads the newest PROJECT_EVENT_LOG_SIZE).
   */
  private readonly projectEvents: LabProjectEvent[] = [];
  private readonly busy = new Set<Machine>();
  private readonly random: () => number;
  private readonly failureRate: number;
  private readonly timeScale: number;
  private readonly now: () => number;

  constructor(options: LabFleetOptions = {}) {
    this.random = prng(options.seed ?? 20261122);
    this.failureRate = options.failureRate ?? 0.03;
    this.timeScale = options.timeScale ?? 1;
    this.now = options.now ?? Date.now;
    this.createdAt = this.now();
    this.seed(options.nodeCount ?? 60);
  }

  /** Runs every step that is due. Called before any read. */
  advance(): void {
    if (this.busy.size === 0) return;
    const now = this.now();
    for (const machine of [...this.busy]) {
      while (machine.pending.length > 0 && machine.pending[0]!.at <= now) {
        machine.pending.shift()!.run();
      }
      if (machine.pending.length === 0) this.busy.delete(machine);
    }
  }

  get(id: string): Machine {
    this.advance();
    const machine = this.machines.get(id);
    if (!machine) throw new LabError(404, 'Not found');
    return machine;
  }

  /** Every machine in seed order: the same array each time (a 50,000-node list page no longer copies it); callers must not change it. */
  list(): readonly Machine[] {
    this.advance();
    return this.ordered;
  }

  /** The actions the Metal API would list on `Device.actions` for this state. */
  availableActions(machine: Machine): string[] {
    switch (machine.state) {
      case 'active':
        return ['power_off', 'reboot', 'reinstall', 'rescue'];
      case 'inactive':
        return ['power_on', 'reinstall'];
      case 'failed':
        return ['power_on', 'reinstall', 'rescue'];
      default:
        return [];
    }
  }

  action(id: string, input: { type?: unknown; operating_system?: unknown; preserve_data?: unknown; deprovision_fast?: unknown }): void {
    const machine = this.get(id);
    const type = input.type;
    if (typeof type !== 'string' || !['power_on', 'power_off', 'reboot', 'reinstall', 'rescue'].includes(type)) {
      throw new LabError(422, `${JSON.stringify(type ?? null)} is not a valid action type; use power_on, power_off, reboot, reinstall or rescue`);
    }
    if (!this.availableActions(machine).includes(type)) {
      throw new LabError(422, `Device ${machine.hostname} is ${machine.state} and cannot ${type.replace('_', ' ')} now`);
    }
    const s = (ms: number) => ms * this.timeScale;
    switch (type) {
      case 'power_off':
        this.transition(machine, 'powering_off', 'instance.power_off', 'Power off requested');
        this.schedule(machine, s(DURATION.powerOff), () => this.transition(machine, 'inactive', 'instance.powered_off', 'Device powered off'));
        break;
      case 'power_on':
        machine.rescue = false;
        this.transition(machine, 'powering_on', 'instance.power_on', 'Power on requested');
        this.schedule(machine, s(DURATION.powerOn), () => this.finishBoot(machine, 'Device powered on'));
        break;
      case 'reboot':
      case 'rescue': {
        machine.rescue = type === 'rescue';
        const label = type === 'reboot' ? 'Reboot' : 'Reboot into rescue mode (Alpine Linux in RAM)';
        this.transition(machine, 'powering_off', `instance.${type}`, `${label} requested`);
        this.schedule(machine, s(DURATION.rebootOff), () => this.transition(machine, 'powering_on', 'instance.powering_on', 'Device is booting'));
        this.schedule(machine, s(DURATION.rebootOn), () => this.finishBoot(machine, type === 'reboot' ? 'Device rebooted' : 'Device booted into rescue mode'));
        break;
      }
      case 'reinstall': {
        const slug = input.operating_system;
        let os = machine.os;
        if (slug !== undefined) {
          const found = LAB_OPERATING_SYSTEMS.find((o) => o.slug === slug);
          if (!found) throw new LabError(422, `${String(slug)} is not a valid operating system`);
          os = found;
        }
        if (input.preserve_data !== undefined && typeof input.preserve_data !== 'boolean') throw new LabError(422, 'preserve_data must be a boolean');
        if (input.deprovision_fast !== undefined && typeof input.deprovision_fast !== 'boolean') throw new LabError(422, 'deprovision_fast must be a boolean');
        this.transition(machine, 'reinstalling', 'instance.reinstall', `Reinstall with ${os.name}${input.preserve_data ? ' (preserving data)' : ''} requested`);
        machine.provisioningPercentage = 0;
        const total = s(input.deprovision_fast ? DURATION.reinstall * 0.6 : DURATION.reinstall);
        this.scheduleProgress(machine, total, () => {
          machine.os = os;
          machine.osVersion = os.version;
          this.finishProvision(machine, `Reinstalled ${os.name} ${os.version}`);
        });
        break;
      }
    }
  }

  update(id: string, patch: Record<string, unknown>): Machine {
    const machine = this.get(id);
    const problems: string[] = [];
    const str = (key: string, max: number) => {
      const value = patch[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || value.length > max) problems.push(`${key} must be a string of at most ${max} characters`);
      return typeof value === 'string' ? value : undefined;
    };
    const hostname = str('hostname', 253);
    if (hostname !== undefined && !/^[a-zA-Z0-9]([a-zA-Z0-9-.]*[a-zA-Z0-9])?$/.test(hostname)) problems.push('hostname is invalid');
    const description = str('description', 1024);
    const userdata = str('userdata', 65_536);
    const tags = patch.tags;
    if (tags !== undefined && (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))) problems.push('tags must be a list of strings');
    const customdata = patch.customdata;
    if (customdata !== undefined && (typeof customdata !== 'object' || customdata === null || Array.isArray(customdata)))
      problems.push('customdata must be an object');
    const locked = patch.locked;
    if (locked !== undefined && typeof locked !== 'boolean') problems.push('locked must be a boolean');
    if (problems.length > 0) throw new LabError(422, problems.join('; '));
    if (hostname !== undefined) machine.hostname = hostname;
    if (description !== undefined) machine.description = description;
    if (userdata !== undefined) machine.userdata = userdata;
    if (Array.isArray(tags)) machine.tags = tags as string[];
    if (customdata !== undefined) machine.customdata = customdata as Record<string, unknown>;
    if (typeof locked === 'boolean') machine.locked = locked;
    machine.updatedAt = this.now();
    this.event(machine, 'instance.update', 'success', 'Device updated');
    return machine;
  }

  private finishBoot(machine: Machine, message: string): void {
    if (this.random() < this.failureRate / 2) {
      this.transition(machine, 'failed', 'instance.power_on.failed', 'Device failed to boot: no response from the BMC after power on', 'failed');
    } else {
      this.transition(machine, 'active', 'instance.active', message);
    }
  }

  private finishProvision(machine: Machine, message: string): void {
    machine.provisioningPercentage = null;
    // The first boot runs the machine's user data: a config it refuses fails the provision, every time.
    const config = machine.userdata ? firstBoot(machine).failure : null;
    if (config) {
      this.transition(machine, 'failed', 'provisioning.failed', `Provisioning failed: ${config}`, 'failed');
    } else if (this.random() < this.failureRate) {
      this.transition(
        machine,
        'failed',
        'provisioning.failed',
        'Provisioning failed: the machine did not phone home after install (check the serial console)',
        'failed',
      );
    } else {
      this.transition(machine, 'active', 'provisioning.complete', message);
    }
  }

  private scheduleProgress(machine: Machine, totalMs: number, done: () => void): void {
    const steps = [
      [5, 'Network configured (DHCP)'],
      [15, 'iPXE booted the installer'],
      [40, 'Disks partitioned and wiped'],
      [70, 'Operating system image written'],
      [90, 'Configuration (Ignition / cloud-init) staged'],
    ] as const;
    const start = machine.provisioningPercentage ?? 0;
    for (const [percent, message] of steps) {
      if (percent <= start) continue;
      this.schedule(
        machine,
        (totalMs * (percent - start)) / (100 - start),
        () => {
          machine.provisioningPercentage = percent;
          machine.updatedAt = this.now();
          this.event(machine, 'provisioning.progress', 'success', message);
        },
        false,
      );
    }
    this.schedule(machine, totalMs, done, false);
  }

  private schedule(machine: Machine, afterMs: number, run: () => void, sequential = true): void {
    // Sequential steps start when the previous one ends; progress steps are offsets from now.
    const base = sequential && machine.pending.length > 0 ? machine.pending[machine.pending.length - 1]!.at : this.now();
    machine.pending.push({ at: base + afterMs, run });
    machine.pending.sort((a, b) => a.at - b.at);
    this.busy.add(machine);
  }

  private transition(machine: Machine, state: NodeState, type: string, body: string, eventState = 'success'): void {
    const from = machine.state;
    machine.state = state;
    machine.updatedAt = this.now();
    this.event(machine, type, eventState, body);
    if (from !== state) this.events.emit('transition', machine, from, state);
  }

  /** How long the current boot takes on this fleet's clock (the serial console paces its output by it). */
  bootDurationMs(kind: 'power_on' | 'reboot' | 'reinstall'): number {
    const ms = kind === 'power_on' ? DURATION.powerOn : kind === 'reboot' ? DURATION.rebootOn : DURATION.reinstall;
    return ms * this.timeScale;
  }

  get clockScale(): number {
    return this.timeScale;
  }

  /**
   * A reboot the machine starts itself (locksmithd applying an update, a health-check watchdog):
   * the same states as the API's reboot, recorded with the reason.
   */
  selfReboot(machine: Machine, reason: string): void {
    if (machine.state !== 'active') return;
    machine.rescue = false;
    this.transition(machine, 'powering_off', 'instance.reboot', reason);
    this.schedule(machine, this.timeScale * DURATION.rebootOff, () => this.transition(machine, 'powering_on', 'instance.powering_on', 'Device is booting'));
    this.schedule(machine, this.timeScale * DURATION.rebootOn, () => this.finishBoot(machine, 'Device rebooted'));
  }

  /**
   * Something the machine reports changed (its OS state): readers see a new revision. The device's
   * update time stays: it moves with what happens to the device (events), which actions are verified by.
   */
  touch(machine: Machine, logged = true): void {
    machine.revision += 1;
    if (!logged) return;
    // The agent writing its report is a device update to the API, as a customdata PUT is: the
    // project's log names it, so a client following the log fetches the device again.
    this.logProjectEvent(machine, {
      id: randomUUID(),
      type: 'instance.update',
      state: 'success',
      body: 'Device customdata updated by its agent',
      createdAt: this.now(),
    });
  }

  /** The project's newest events first, at most PROJECT_EVENT_LOG_SIZE of them. */
  newestEvents(): LabProjectEvent[] {
    this.advance();
    return this.projectEvents.slice(-PROJECT_EVENT_LOG_SIZE).reverse();
  }

  private logProjectEvent(machine: Machine, event: LabEvent): void {
    this.projectEvents.push({ ...event, machineId: machine.id });
    if (this.projectEvents.length > 2 * PROJECT_EVENT_LOG_SIZE) this.projectEvents.splice(0, PROJECT_EVENT_LOG_SIZE);
  }

  /** SysRq `b` on the serial console: an immediate reboot, as the kernel does it. */
  sysrqReboot(id: string): void {
    const machine = this.get(id);
    if (machine.state !== 'active' && machine.state !== 'failed') return;
    machine.rescue = false;
    this.transition(machine, 'powering_on', 'instance.sysrq_reboot', 'Rebooted by SysRq b on the serial console');
    this.schedule(machine, this.bootDurationMs('reboot'), () => this.finishBoot(machine, 'Device rebooted'));
  }

  private event(machine: Machine, type: string, state: string, body: string): void {
    // Every mutation records an event, so this is the one place a machine's revision moves.
    machine.revision += 1;
    const event = { id: randomUUID(), type, state, body, createdAt: this.now() };
    machine.events.unshift(event);
    if (machine.events.length > 200) machine.events.length = 200;
    this.logProjectEvent(machine, event);
  }

  // ---- seeding -------------------------------------------------------------------------------

  private uuid(): string {
    // One draw per hex digit, as before (the same seed gives the same fleet), without the arrays and
    // toString calls that made a 50,000-node seed spend 1.4 s here.
    let hex = '';
    for (let i = 0; i < 32; i++) hex += HEX_DIGITS[Math.floor(this.random() * 16)];
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(this.random() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private pickWeighted<T extends { weight: number }>(items: readonly T[]): T {
    const total = items.reduce((sum, i) => sum + i.weight, 0);
    let roll = this.random() * total;
    for (const item of items) {
      roll -= item.weight;
      if (roll <= 0) return item;
    }
    return items[items.length - 1]!;
  }

  private seed(nodeCount: number): void {
    LAB_METROS.forEach((metro, metroIndex) => {
      for (const vlan of LAB_VLANS_PER_METRO) {
        this.vlans.push({
          id: this.uuid(),
          vxlan: 1000 + metroIndex * 100 + vlan.offset,
          description: `${metro.code}-${vlan.description}`,
          metro,
          createdAt: this.createdAt - 400 * 86_400_000,
        });
      }
    });

    const facilities = LAB_METROS.flatMap((metro) => metro.facilities.map((facility) => ({ metro, facility })));
    const roleCounters = new Map<string, number>();
    const switchesByFacility = new Map<string, string[]>();
    // Each metro gets one gateway: hybrid-bonded, on every VLAN of its metro, so its layer-2-only
    // neighbours have a path in besides the serial console.
    const gatewayCount = Math.min(LAB_METROS.length, nodeCount);
    const stateFor = this.seedStates(nodeCount, gatewayCount);
    for (let i = 0; i < nodeCount; i++) {
      const isGateway = i < gatewayCount;
      const { metro, facility } = isGateway ? { metro: LAB_METROS[i]!, facility: LAB_METROS[i]!.facilities[0]! } : this.pick(facilities);
      // The first machines after the gateways cover every OS in the catalog, so even a small lab
      // shows the whole mix; the rest follow the role weights.
      const forcedOs = isGateway ? undefined : LAB_OPERATING_SYSTEMS[i - gatewayCount]?.slug;
      const role = isGateway
        ? { name: 'gateway', weight: 0, os: ['flatcar_stable'], plans: ['c3.small.x86'], layer2Share: 0, tags: ['gateway', 'bastion'] }
        : forcedOs
          ? this.pick(LAB_ROLES.filter((r) => r.os.includes(forcedOs)))
          : this.pickWeighted(LAB_ROLES);
      const osSlug = forcedOs ?? this.pick(role.os);
      const planSlug = this.pick(role.plans);
      const os = LAB_OPERATING_SYSTEMS.find((o) => o.slug === osSlug)!;
      const plan = LAB_PLANS.find((p) => p.slug === planSlug)!;
      const n = (roleCounters.get(`${facility.code}-${role.name}`) ?? 0) + 1;
      roleCounters.set(`${facility.code}-${role.name}`, n);

      const switches = switchesByFacility.get(facility.code) ?? [];
      // About 16 machines per switch pair (one rack), as the Metal `switch_uuid` groups them.
      if (switches.length === 0 || this.random() < 1 / 16) switches.push(this.uuid().slice(0, 8));
      switchesByFacility.set(facility.code, switches);

      const metroVlans = this.vlans.filter((v) => v.metro === metro);
      const layer2 = !isGateway && this.random() < role.layer2Share;
      const networkType: NetworkType = isGateway ? 'hybrid-bonded' : layer2 ? 'layer2-bonded' : 'layer3';
      const vlans = isGateway ? metroVlans : layer2 ? [this.pick(metroVlans)] : role.name.startsWith('k8s') && this.random() < 0.5 ? [metroVlans[0]!] : [];
      const id = this.uuid();
      const createdAt = this.createdAt - Math.floor(this.random() * 400 * 86_400_000);
      const state: NodeState = stateFor.get(i) ?? 'active';
      const provisioningPercentage = state === 'provisioning' ? [15, 40, 70][Math.floor(this.random() * 3)]! : null;
      const machine: Machine = {
        id,
        shortId: id.slice(0, 8),
        hostname: `${facility.code}-${role.name}-${String(n).padStart(2, '0')}`,
        description: isGateway ? `Bastion and VLAN gateway for ${metro.name}` : '',
        tags: [...role.tags, metro.code === 'am' ? 'eu' : 'us'],
        role: role.name,
        createdAt,
        updatedAt: createdAt + Math.floor(this.random() * 30 * 86_400_000),
        state,
        provisioningPercentage,
        metro,
        facility,
        plan,
        os,
        osVersion: this.pick(os.fleetVersions),
        networkType,
        ips: layer2 ? [] : this.ipsFor(i),
        vlans,
        switchUuid: switches[switches.length - 1]!,
        macs: [this.mac(), this.mac()],
        userdata: '',
        customdata: {},
        locked: isGateway,
        revision: 0,
        rescue: false,
        osReport: null,
        events: [],
        pending: [],
      };
      machine.events.push({ id: this.uuid(), type: 'provisioning.complete', state: 'success', body: `Provisioned ${os.name} ${machine.osVersion}`, createdAt });
      if (state === 'failed') {
        machine.events.unshift({
          id: this.uuid(),
          type: 'provisioning.failed',
          state: 'failed',
          body: 'Provisioning failed: the machine did not phone home after install (check the serial console)',
          createdAt: machine.updatedAt,
        });
      }
      if (state === 'inactive')
        machine.events.unshift({ id: this.uuid(), type: 'instance.powered_off', state: 'success', body: 'Device powered off', createdAt: machine.updatedAt });
      if (state === 'provisioning') {
        this.scheduleProgress(machine, DURATION.provision * this.timeScale * (1 - (provisioningPercentage ?? 0) / 100), () =>
          this.finishProvision(machine, `Provisioned ${os.name} ${machine.osVersion}`),
        );
      }
      this.machines.set(id, machine);
      this.order.push(id);
      this.ordered.push(machine);
    }
  }

  /**
   * Which machines start failed, powered off or mid-provisioning: fixed shares of the fleet (the
   * failure rate, 5 %, 2 %; at least one of each from 20 machines up) on shuffled positions, so
   * every lab shows them and gateways are never among them.
   */
  private seedStates(nodeCount: number, gatewayCount: number): Map<number, NodeState> {
    const positions = Array.from({ length: Math.max(0, nodeCount - gatewayCount) }, (_, k) => k + gatewayCount);
    for (let k = positions.length - 1; k > 0; k--) {
      const j = Math.floor(this.random() * (k + 1));
      [positions[k], positions[j]] = [positions[j]!, positions[k]!];
    }
    const atLeastOne = nodeCount >= 20 ? 1 : 0;
    const quota: [NodeState, number][] = [
      ['failed', Math.max(this.failureRate > 0 ? atLeastOne : 0, Math.round(nodeCount * this.failureRate))],
      ['inactive', Math.max(atLeastOne, Math.round(nodeCount * 0.05))],
      ['provisioning', Math.max(atLeastOne, Math.round(nodeCount * 0.02))],
    ];
    const states = new Map<number, NodeState>();
    for (const [state, count] of quota) {
      for (let c = 0; c < count && positions.length > 0; c++) states.set(positions.pop()!, state);
    }
    return states;
  }

  private ipsFor(index: number): LabIp[] {
    // Documentation ranges (RFC 5737 / RFC 3849) so nothing here is a real routable address.
    const octet = (index % 250) + 2;
    const block = Math.floor(index / 250) % 256;
    return [
      {
        id: this.uuid(),
        address: `198.51.${block}.${octet}`,
        family: 4,
        cidr: 31,
        public: true,
        management: true,
        gateway: `198.51.${block}.1`,
        network: `198.51.${block}.0`,
        netmask: '255.255.255.254',
      },
      {
        id: this.uuid(),
        address: `2001:db8:${block.toString(16)}::${octet.toString(16)}`,
        family: 6,
        cidr: 127,
        public: true,
        management: true,
        gateway: `2001:db8:${block.toString(16)}::1`,
        network: `2001:db8:${block.toString(16)}::`,
        netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe',
      },
      {
        id: this.uuid(),
        address: `10.${block}.${Math.floor(octet / 2)}.${octet}`,
        family: 4,
        cidr: 31,
        public: false,
        management: true,
        gateway: `10.${block}.${Math.floor(octet / 2)}.1`,
        network: `10.${block}.${Math.floor(octet / 2)}.0`,
        netmask: '255.255.255.254',
      },
    ];
  }

  private mac(): string {
    let mac = '0c';
    for (let i = 1; i < 6; i++) {
      const byte = Math.floor(this.random() * 256);
      mac += `:${HEX_DIGITS[byte >> 4]}${HEX_DIGITS[byte & 15]}`;
    }
    return mac;
  }
}
