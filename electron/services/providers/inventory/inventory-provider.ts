/**
 * An inventory file as a fleet. The file is read on every sync and watched, so an edit shows within
 * a second; a broken edit keeps the last good fleet and the connection says what is wrong (line and
 * field). Power and boot device go to each node's BMC, when it lists one; its console is wherever
 * the file says (docs/architecture.md#connections).
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../../shared/errors';
import { type Capability, type FleetNode, type NodeEvent, type NodeState, type PowerAction } from '../../../../shared/model';
import { readUntrustedText } from '../../files/safe-files';
import type { BmcControl } from '../bmc';
import type { BootOverrideRequest, FleetProvider } from '../provider';
import { unsupported } from '../provider';
import { describeProblems, type InventoryNode } from './inventory-file';
import { parseInventoryOffMain } from './inventory-parse';

/** What an inventory node can offer: power and boot device with a `bmc:`, the console with a `console:`. */
export const INVENTORY_CAPABILITIES: readonly Capability[] = ['power', 'bootOverride', 'serialConsole', 'events'];

export const MAX_INVENTORY_BYTES = 16 * 1024 * 1024;

export interface InventoryProviderOptions {
  accountId: string;
  file: string;
  /** Builds the BMC control for a node's `bmc:` entry (credentials come from the vault). */
  bmc: (entry: NonNullable<InventoryNode['bmc']>) => Promise<BmcControl>;
  /** Told when the file changed on disk, so the fleet re-reads it now. */
  onChange?: () => void;
  /** The worker that parses a large file off main; the build's bundled one by default (tests pass their own). */
  parserSource?: string | null;
}

interface Loaded {
  nodes: InventoryNode[];
  byId: Map<string, InventoryNode>;
}

export class InventoryProvider implements FleetProvider {
  private lastGood: Loaded | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private readonly controls = new Map<string, Promise<BmcControl>>();
  /** Last power state each BMC reported, so a BMC that stops answering leaves its node as it was. */
  private readonly lastState = new Map<string, { state: NodeState; at: string }>();
  private readonly events = new Map<string, NodeEvent[]>();

  constructor(private readonly options: InventoryProviderOptions) {}

  async verify() {
    const loaded = await this.load();
    return { projectName: `${path.basename(this.options.file)} · ${loaded.nodes.length} node${loaded.nodes.length === 1 ? '' : 's'}` };
  }

  /** Starts watching the file's folder (editors replace files by renaming, which a file watch misses). */
  watch(): void {
    if (this.watcher) return;
    const name = path.basename(this.options.file);
    try {
      this.watcher = watch(path.dirname(this.options.file), (_event, changed) => {
        if (changed && changed !== name) return;
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.options.onChange?.(), 150);
      });
      this.watcher.on('error', () => this.unwatch());
    } catch {
      // A folder that cannot be watched still re-reads on every sync.
      this.watcher = null;
    }
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.debounce) clearTimeout(this.debounce);
  }

  async close(): Promise<void> {
    this.unwatch();
    const controls = [...this.controls.values()];
    this.controls.clear();
    await Promise.all(controls.map((c) => c.then((control) => control.close()).catch(() => undefined)));
  }

  async listNodes(): Promise<FleetNode[]> {
    let loaded: Loaded;
    try {
      loaded = await this.load();
    } catch (error) {
      // The fleet keeps the nodes it has (the last good file); the connection shows this error.
      if (this.lastGood && error instanceof AppError)
        throw new AppError(error.code, `${error.message} Showing the last good version of the file until it is fixed.`, { retryable: false });
      throw error;
    }
    return Promise.all(loaded.nodes.map((entry) => this.toNode(entry)));
  }

  async getNode(deviceId: string): Promise<FleetNode> {
    return this.toNode(await this.entry(deviceId));
  }

  nodeEvents(deviceId: string): Promise<NodeEvent[]> {
    return Promise.resolve(this.events.get(deviceId) ?? []);
  }

  async power(deviceId: string, action: PowerAction): Promise<void> {
    const control = await this.control(await this.entry(deviceId));
    await control.power(action);
    this.note(
      deviceId,
      `power.${action}`,
      `Asked the ${control.kind === 'redfish' ? 'Redfish' : 'IPMI'} BMC at ${control.address} to ${action.replace('_', ' ')}.`,
    );
  }

  async setBootOverride(deviceId: string, request: BootOverrideRequest) {
    const control = await this.control(await this.entry(deviceId));
    const after = await control.setBootOverride(request);
    this.note(deviceId, 'boot.override', `Boot device ${request.target} (${request.mode}) set on the BMC at ${control.address}.`);
    return after ?? { target: request.target, enabled: request.mode, allowed: [] };
  }

  /** The node's console entry as written in the file. */
  async consoleEntry(deviceId: string): Promise<NonNullable<InventoryNode['console']>> {
    const entry = await this.entry(deviceId);
    if (!entry.console) throw new AppError('unavailable', `${entry.hostname} has no console: entry in ${this.options.file}.`, { retryable: false });
    return entry.console;
  }

  operatingSystems = () => Promise.resolve([]);
  reinstall = () => unsupported('inventory', 'reinstall');
  userdata = () => unsupported('inventory', 'userdata');
  setUserdata = () => unsupported('inventory', 'userdata');

  private note(deviceId: string, type: string, message: string): void {
    const list = this.events.get(deviceId) ?? [];
    list.unshift({ id: `${Date.now()}-${list.length}`, type, state: 'info', message, createdAt: new Date().toISOString() });
    this.events.set(deviceId, list.slice(0, 100));
  }

  private async entry(deviceId: string): Promise<InventoryNode> {
    const loaded = this.lastGood ?? (await this.load());
    const entry = loaded.byId.get(deviceId);
    if (!entry) throw new AppError('not_found', `${deviceId} is no longer in ${this.options.file}.`, { retryable: false });
    return entry;
  }

  private control(entry: InventoryNode): Promise<BmcControl> {
    const bmc = entry.bmc;
    if (!bmc)
      return Promise.reject(
        new AppError('invalid', `${entry.hostname} has no bmc: entry in ${this.options.file}; add one to control its power.`, { retryable: false }),
      );
    const key = JSON.stringify(bmc);
    let control = this.controls.get(key);
    if (!control) {
      control = this.options.bmc(bmc);
      control.catch(() => this.controls.delete(key));
      this.controls.set(key, control);
    }
    return control;
  }

  private async load(): Promise<Loaded> {
    const file = this.options.file;
    // Regular files only, size checked on the open handle, opened without blocking (a FIFO or
    // /dev/zero named as an inventory must not hang or flood main).
    const text = await readUntrustedText(file, { what: 'inventory file', maxBytes: MAX_INVENTORY_BYTES });
    const parsed = await parseInventoryOffMain(text, this.options.parserSource);
    if (!parsed.ok) throw new AppError('invalid', describeProblems(file, parsed.problems), { retryable: false });
    const byId = new Map(parsed.nodes.map((n) => [n.hostname, n]));
    this.lastGood = { nodes: parsed.nodes, byId };
    return this.lastGood;
  }

  private async toNode(entry: InventoryNode): Promise<FleetNode> {
    const capabilities: Capability[] = [];
    if (entry.bmc) capabilities.push('power', 'bootOverride');
    if (entry.console) capabilities.push('serialConsole');
    capabilities.push('events');
    // Without a BMC nothing says whether it is on: unknown, not a guessed "active".
    let state: NodeState = 'unknown';
    let updatedAt = '';
    let described: Awaited<ReturnType<BmcControl['describe']>> = null;
    if (entry.bmc) {
      const last = this.lastState.get(entry.hostname);
      try {
        const control = await this.control(entry);
        state = await control.powerState();
        described = await control.describe().catch(() => null);
        updatedAt = last && last.state === state ? last.at : new Date().toISOString();
        this.lastState.set(entry.hostname, { state, at: updatedAt });
      } catch (error) {
        // One BMC that does not answer must not take the rest of the file down.
        state = last?.state ?? 'unknown';
        updatedAt = last?.at ?? '';
        const message = error instanceof Error ? error.message : String(error);
        if (this.events.get(entry.hostname)?.[0]?.message !== message) this.note(entry.hostname, 'bmc.error', message);
      }
    }
    const family = /flatcar/i.test(entry.os ?? '')
      ? 'flatcar'
      : /talos/i.test(entry.os ?? '')
        ? 'talos'
        : /ubuntu/i.test(entry.os ?? '')
          ? 'ubuntu'
          : /nixos/i.test(entry.os ?? '')
            ? 'nixos'
            : 'other';
    const place = (code: string | undefined) => (code ? { code, name: code } : null);
    return {
      id: `${this.options.accountId}:${entry.hostname}`,
      accountId: this.options.accountId,
      deviceId: entry.hostname,
      shortId: entry.hostname.slice(0, 12),
      hostname: entry.hostname,
      description: entry.description,
      state,
      provisioningPercentage: null,
      metro: place(entry.place.metro),
      facility: place(entry.place.facility ?? entry.place.metro),
      plan: null,
      os: { slug: entry.os ?? 'unknown', name: entry.os ?? 'Unknown OS', family, version: '', channel: null },
      osState: null,
      ips: entry.addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4, public: false, management: false })),
      tags: entry.tags,
      layer2Only: entry.layer2Only,
      networkType: null,
      switchUuid: entry.place.rack ?? null,
      vlans: [],
      sosHost: entry.console ? `${entry.console.host}:${entry.console.port}` : null,
      ...(entry.console ? { consoleUser: entry.console.user } : {}),
      actions: [],
      provider: 'inventory',
      capabilities: capabilities.filter((c) => INVENTORY_CAPABILITIES.includes(c)),
      hardware: described?.hardware ?? null,
      bootOverride: described?.bootOverride ?? null,
      createdAt: '',
      updatedAt,
    };
  }
}
