/**
 * Accounts: which Metal-compatible endpoints and projects Ironpane watches. Non-secret fields live in
 * `accounts.json`; each API token lives only in the SecretStore and never leaves main. The embedded
 * lab is an account too, registered per launch and never written to disk.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AddAccountInput } from '../../../shared/contract';
import type { ConfigKind } from '../../../shared/config/kinds';
import { AppError, type AppErrorData } from '../../../shared/errors';
import { ConsoleSettingsSchema, DEFAULT_CONSOLE_SETTINGS, type Account, type BreakMethod, type ConsoleSettings, type FleetNode } from '../../../shared/model';
import type { ConsoleCredentials, ConsoleTarget } from '../console/console-session';
import type { EventBus } from '../../rpc/event-bus';
import type { AuditLog } from '../audit/audit-log';
import type { AppPaths, SecretStore } from '../ports';
import os from 'node:os';
import { capabilityMissingReason, KIND_CAPABILITIES } from '../../../shared/capabilities';
import { ipmiControl, redfishControl } from '../providers/bmc';
import { InventoryProvider } from '../providers/inventory/inventory-provider';
import { IpmiProvider } from '../providers/ipmi/ipmi-provider';
import { findIpmitool, Ipmitool } from '../providers/ipmi/ipmitool';
import { RedfishClient } from '../providers/redfish/redfish-client';
import { RedfishProvider } from '../providers/redfish/redfish-provider';
import { MetalClient } from '../providers/metal/metal-client';
import { MetalProvider } from '../providers/metal/metal-provider';
import type { FleetProvider } from '../providers/provider';
import { readUntrustedFile, writeFileAtomic } from '../files/safe-files';

/** An OpenSSH private key is a few KiB; 64 KiB leaves room for any key type with a comment. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

const Base = { id: z.string(), name: z.string() };
/** What accounts.json keeps per connection: never a secret (those are in the vault under `account/<id>/…`). */
const StoredAccount = z.discriminatedUnion('kind', [
  z.object({ ...Base, kind: z.literal('lab'), baseUrl: z.string(), projectId: z.string() }),
  z.object({ ...Base, kind: z.literal('metal'), baseUrl: z.string(), projectId: z.string() }),
  z.object({ ...Base, kind: z.literal('inventory'), path: z.string() }),
  z.object({ ...Base, kind: z.literal('redfish'), baseUrl: z.string(), username: z.string(), auth: z.enum(['session', 'basic']), fingerprint: z.string().nullable() }),
  z.object({ ...Base, kind: z.literal('ipmi'), host: z.string(), port: z.number(), username: z.string(), cipherSuite: z.number(), hostname: z.string() }),
]);
type StoredAccount = z.infer<typeof StoredAccount>;

export interface LabAccount {
  baseUrl: string;
  token: string;
  projectId: string;
  /** The lab's SOS-style serial gateway and the vault key it accepts. */
  serial?: { host: string; port: number; userKey: string } | null;
  /** Configs a first start with the lab finds on the Config screen (seeded into an empty store). */
  starterConfigs?: readonly { name: string; kind: ConfigKind; content: string; message: string }[];
  /** The lab's update server (Nebraska REST + Omaha) and the clock its policies run on. */
  updates?: { baseUrl: string; token: string; app: string; timeScale: number } | null;
  /** The lab's own request limit (IRONPANE_LAB_RATE_LIMIT), which its client paces itself to. */
  rateLimit?: { limit: number; windowMs: number } | null;
}

export interface AccountServiceOptions {
  paths: AppPaths;
  secrets: SecretStore;
  bus: EventBus;
  lab?: LabAccount | null;
  /** Passed to every client; tests shorten them. */
  clientDefaults?: { timeoutMs?: number; maxRetries?: number; baseBackoffMs?: number };
  /** ipmitool's path (null: not installed); found on PATH's usual places when absent. */
  ipmitool?: string | null;
  /** Adding and removing a connection is audited with its outcome (names and endpoints, never a secret). */
  audit: AuditLog;
}

type SyncState = Account['sync'];

/** Where a new connection points, for the audit log (never its secret). */
function endpointOf(input: AddAccountInput): string {
  switch (input.kind) {
    case 'metal':
      return `${input.baseUrl} (project ${input.projectId})`;
    case 'inventory':
      return input.path;
    case 'redfish':
      return input.baseUrl;
    case 'ipmi':
      return `${input.host}:${input.port}`;
  }
}

export const LAB_ACCOUNT_ID = 'lab';
const tokenKey = (accountId: string) => `account/${accountId}/token`;
const passwordKey = (accountId: string) => `account/${accountId}/password`;

/** Where a connection points, for the window: a URL, a file, or an IPMI address. */
function addressOf(account: StoredAccount): string {
  if (account.kind === 'inventory') return account.path;
  if (account.kind === 'ipmi') return `${account.host}:${account.port}`;
  return account.baseUrl;
}

export type CredentialLookup = (name: string) => Promise<{ username: string; password: string }>;

export class AccountService {
  private stored: StoredAccount[] = [];
  private readonly providers = new Map<string, FleetProvider>();
  private readonly sync = new Map<string, SyncState>();
  private readonly file: string;
  private readonly consoleFile: string;
  /** Per-account console settings, the lab's included (its id is stable), in console-settings.json. */
  private consoleSettings: Record<string, ConsoleSettings> = {};
  /** Console credentials by name (the runbooks' vault entries), for BMCs an inventory file names. */
  private credential: CredentialLookup = (name) => Promise.reject(new AppError('not_found', `There is no console credential “${name}”.`, { retryable: false }));
  /** Told when a connection's nodes changed outside a sync (an inventory file was edited). */
  private changed: (accountId: string) => void = () => undefined;

  constructor(private readonly options: AccountServiceOptions) {
    this.file = path.join(options.paths.dataDir, 'accounts.json');
    this.consoleFile = path.join(options.paths.dataDir, 'console-settings.json');
  }

  async load(): Promise<void> {
    try {
      const raw: unknown = JSON.parse(await fs.readFile(this.consoleFile, 'utf8'));
      this.consoleSettings = z.record(z.string(), ConsoleSettingsSchema).parse(raw);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new AppError('internal', `Ironpane could not read ${this.consoleFile}; fix or remove it.`, { cause });
      }
    }
    try {
      const raw: unknown = JSON.parse(await fs.readFile(this.file, 'utf8'));
      this.stored = z.array(StoredAccount).parse(raw).filter((a) => a.kind !== 'lab');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new AppError('internal', `Ironpane could not read ${this.file}; fix or remove it.`, { cause });
      }
    }
  }

  ids(): string[] {
    return this.all().map((a) => a.id);
  }

  list(): Account[] {
    return this.all().map((a) => ({
      id: a.id,
      name: a.name,
      kind: a.kind,
      baseUrl: addressOf(a),
      projectId: a.kind === 'metal' || a.kind === 'lab' ? a.projectId : '',
      capabilities: [...KIND_CAPABILITIES[a.kind]],
      hasCredential: a.kind !== 'inventory',
      console: this.consoleSettings[a.id] ?? DEFAULT_CONSOLE_SETTINGS,
      sync: this.sync.get(a.id) ?? { status: 'connecting', lastSyncAt: null, nodeCount: 0, error: null },
    }));
  }

  /** Wires what the account service needs from services built after it. */
  connect(hooks: { credential: CredentialLookup; changed: (accountId: string) => void }): void {
    this.credential = hooks.credential;
    this.changed = hooks.changed;
  }

  async add(input: AddAccountInput): Promise<Account> {
    const what = `${input.kind} connection to ${endpointOf(input)}`;
    return this.options.audit.outcomeOf({ action: 'connection.add', target: '', targetName: input.name, attempt: `Adding the ${what}` }, () => this.create(input), (account) => ({
      target: account.id,
      outcome: 'succeeded',
      message: `Added the ${what}`,
    }));
  }

  private async create(input: AddAccountInput): Promise<Account> {
    const id = randomUUID();
    let account: StoredAccount;
    let secret: { key: string; value: string } | null = null;
    switch (input.kind) {
      case 'metal':
        account = { id, name: input.name, kind: 'metal', baseUrl: input.baseUrl, projectId: input.projectId };
        secret = { key: tokenKey(id), value: input.token };
        break;
      case 'inventory':
        account = { id, name: input.name, kind: 'inventory', path: input.path };
        break;
      case 'redfish':
        account = { id, name: input.name, kind: 'redfish', baseUrl: input.baseUrl, username: input.username, auth: input.auth, fingerprint: input.certificateFingerprint ?? null };
        secret = { key: passwordKey(id), value: input.password };
        break;
      case 'ipmi':
        account = { id, name: input.name, kind: 'ipmi', host: input.host, port: input.port, username: input.username, cipherSuite: input.cipherSuite, hostname: input.hostname };
        secret = { key: passwordKey(id), value: input.password };
        break;
    }
    // Prove the connection before keeping anything, so a typo never lands in the fleet. An https
    // BMC whose certificate is not yet trusted fails here with its fingerprint for the user to accept.
    const provider = await this.makeProvider(account, secret?.value ?? '');
    try {
      await provider.verify();
    } catch (error) {
      await provider.close?.().catch(() => undefined);
      throw error;
    }
    if (secret) await this.options.secrets.set(secret.key, secret.value);
    this.stored.push(account);
    await this.persist();
    this.providers.set(account.id, provider);
    this.announce();
    return this.list().find((a) => a.id === account.id)!;
  }

  async remove(accountId: string): Promise<boolean> {
    const account = this.all().find((a) => a.id === accountId);
    const what = account ? `${account.kind} connection` : 'connection';
    return this.options.audit.outcomeOf({ action: 'connection.remove', target: accountId, targetName: account?.name ?? accountId, attempt: `Removing the ${what}` }, () => this.delete(accountId), (removed) => ({
      target: accountId,
      outcome: removed ? 'succeeded' : 'failed',
      message: removed ? `Removed the ${what} and its stored secrets` : 'No such connection',
    }));
  }

  private async delete(accountId: string): Promise<boolean> {
    if (accountId === LAB_ACCOUNT_ID) throw new AppError('conflict', 'The embedded lab account cannot be removed; start with IRONPANE_LAB=off to hide it.');
    const before = this.stored.length;
    this.stored = this.stored.filter((a) => a.id !== accountId);
    if (this.stored.length === before) return false;
    await this.persist();
    await this.options.secrets.delete(tokenKey(accountId));
    await this.options.secrets.delete(passwordKey(accountId));
    await this.providers.get(accountId)?.close?.().catch(() => undefined);
    this.providers.delete(accountId);
    this.sync.delete(accountId);
    this.announce();
    return true;
  }

  /** Lets go of what providers hold (Redfish sessions, file watchers); the process is stopping. */
  async close(): Promise<void> {
    const providers = [...this.providers.values()];
    this.providers.clear();
    await Promise.all(providers.map((p) => p.close?.().catch(() => undefined)));
  }

  async provider(accountId: string): Promise<FleetProvider> {
    const cached = this.providers.get(accountId);
    if (cached) return cached;
    const account = this.all().find((a) => a.id === accountId);
    if (!account) throw new AppError('not_found', `Account ${accountId} no longer exists.`);
    let secret = '';
    if (account.kind === 'lab') secret = this.options.lab!.token;
    else if (account.kind !== 'inventory') {
      const stored = await this.options.secrets.get(account.kind === 'metal' ? tokenKey(accountId) : passwordKey(accountId));
      if (!stored) throw new AppError('auth', `No ${account.kind === 'metal' ? 'API token' : 'password'} is stored for ${account.name}; remove the connection and add it again.`);
      secret = stored;
    }
    const provider = await this.makeProvider(account, secret);
    this.providers.set(accountId, provider);
    return provider;
  }

  async setConsoleSettings(accountId: string, settings: ConsoleSettings): Promise<Account> {
    if (!this.all().some((a) => a.id === accountId)) throw new AppError('not_found', `Account ${accountId} no longer exists.`);
    this.consoleSettings = { ...this.consoleSettings, [accountId]: settings };
    await writeFileAtomic(this.consoleFile, JSON.stringify(this.consoleSettings, null, 2), 0o600);
    this.announce();
    return this.list().find((a) => a.id === accountId)!;
  }

  /** How this connection's consoles send BREAK (Console settings). */
  breakMethod(accountId: string): BreakMethod {
    return (this.consoleSettings[accountId] ?? DEFAULT_CONSOLE_SETTINGS).breakMethod;
  }

  /**
   * Where a node's serial console is and how to log in. Metal's SOS: `ssh <device-id>@<Device.sos>`
   * with the user's own keys (Equinix Metal SOS: `ssh <device-id>@sos.<facility>.platformequinix.com`); the lab: its loopback gateway and vault key.
   */
  async consoleEndpoint(accountId: string, node: FleetNode): Promise<{ target: ConsoleTarget; credentials: ConsoleCredentials }> {
    const account = this.all().find((a) => a.id === accountId);
    if (!account) throw new AppError('not_found', `Account ${accountId} no longer exists.`);
    const settings = this.consoleSettings[accountId] ?? DEFAULT_CONSOLE_SETTINGS;
    const perHop = { keepaliveIntervalMs: settings.keepaliveSeconds * 1000, legacyAlgorithms: settings.legacyAlgorithms };
    const parseHop = (hop: string) => {
      const [username = '', rest = ''] = hop.split('@');
      const [host = '', port] = rest.split(':');
      return { host, port: port ? Number(port) : 22, username, ...perHop };
    };
    const jump = settings.jumpHosts.map(parseHop);
    const serial = this.options.lab?.serial;
    if (account.kind === 'lab') {
      if (!serial) throw new AppError('unavailable', 'The lab serial gateway is not running.');
      return {
        target: { host: serial.host, port: serial.port, username: node.deviceId, ...perHop, jump },
        credentials: { privateKeys: [{ label: 'the lab key in the vault', key: serial.userKey }] },
      };
    }
    if (account.kind === 'inventory') {
      const provider = (await this.provider(accountId)) as InventoryProvider;
      const entry = await provider.consoleEntry(node.deviceId);
      // The file's own jump hosts come first; the connection's console settings apply to every hop.
      const hops = [...entry.jump, ...settings.jumpHosts].map(parseHop);
      const credentials: ConsoleCredentials = { privateKeys: [] };
      if (entry.auth === 'key' && entry.keyFile) {
        const file = entry.keyFile.startsWith('~/') ? path.join(os.homedir(), entry.keyFile.slice(2)) : entry.keyFile;
        // A key file the inventory names is untrusted: /dev/zero here once took main to 9.4 GB.
        const key = await readUntrustedFile(file, { what: 'key file', maxBytes: MAX_KEY_FILE_BYTES }).catch((cause: AppError) => {
          throw new AppError('invalid', `${cause.message} It is the keyFile of ${node.hostname}'s console in the inventory file; fix it there.`, { retryable: false });
        });
        credentials.privateKeys.push({ label: file, key });
      }
      if (entry.auth === 'agent') {
        if (!process.env.SSH_AUTH_SOCK) throw new AppError('unavailable', `${node.hostname}'s console logs in with the SSH agent, but no agent is running (SSH_AUTH_SOCK is not set). Start ssh-agent, or use auth: key with keyFile.`, { retryable: false });
        credentials.agent = process.env.SSH_AUTH_SOCK;
      }
      if (entry.auth === 'password') credentials.keyboardInteractive = true;
      return { target: { host: entry.host, port: entry.port, username: entry.user, pinnedFingerprint: entry.hostKey, ...perHop, jump: hops }, credentials };
    }
    if (account.kind === 'redfish') {
      const provider = await this.provider(accountId);
      const endpoint = await provider.consoleEndpoint!(node.deviceId);
      const password = (await this.options.secrets.get(passwordKey(accountId))) ?? '';
      return { target: { host: endpoint.host, port: endpoint.port, username: account.username, ...perHop, jump }, credentials: { privateKeys: [], password, keyboardInteractive: true } };
    }
    if (account.kind === 'ipmi') throw new AppError('unavailable', capabilityMissingReason({ provider: 'ipmi', capabilities: [] }, 'serialConsole')!, { retryable: false });
    if (!node.sosHost) throw new AppError('unavailable', `${node.hostname} has no serial console address (Device.sos is empty).`, { retryable: false });
    return { target: { host: node.sosHost, port: 22, username: node.deviceId, ...perHop, jump }, credentials: { privateKeys: [], keyboardInteractive: true } };
  }

  setSync(accountId: string, next: Partial<SyncState>): void {
    const current = this.sync.get(accountId) ?? { status: 'connecting', lastSyncAt: null, nodeCount: 0, error: null };
    const merged = { ...current, ...next };
    if (JSON.stringify(merged) === JSON.stringify(current)) return;
    this.sync.set(accountId, merged);
    this.announce();
  }

  syncError(accountId: string): AppErrorData | null {
    return this.sync.get(accountId)?.error ?? null;
  }

  private all(): StoredAccount[] {
    const lab = this.options.lab;
    const labAccount: StoredAccount[] = lab
      ? [{ id: LAB_ACCOUNT_ID, name: 'Lab fleet', kind: 'lab', baseUrl: lab.baseUrl, projectId: lab.projectId }]
      : [];
    return [...labAccount, ...this.stored];
  }

  private async makeProvider(account: StoredAccount, secret: string): Promise<FleetProvider> {
    switch (account.kind) {
      case 'lab':
      case 'metal': {
        const rateLimit = account.kind === 'lab' ? (this.options.lab?.rateLimit ?? null) : null;
        const client = new MetalClient({ baseUrl: account.baseUrl, token: secret, ...this.options.clientDefaults, rateLimit });
        return new MetalProvider(account.id, account.projectId, client, account.kind);
      }
      case 'redfish': {
        const client = new RedfishClient({ baseUrl: account.baseUrl, username: account.username, password: secret, auth: account.auth, pinnedFingerprint: account.fingerprint, timeoutMs: this.options.clientDefaults?.timeoutMs });
        return new RedfishProvider(account.id, client);
      }
      case 'ipmi': {
        const tool = new Ipmitool({ host: account.host, port: account.port, username: account.username, password: secret, cipherSuite: account.cipherSuite }, this.ipmitoolPath());
        return new IpmiProvider(account.id, account.hostname, tool);
      }
      case 'inventory': {
        const provider = new InventoryProvider({
          accountId: account.id,
          file: account.path,
          onChange: () => this.changed(account.id),
          bmc: async (entry) => {
            const login = await this.credential(entry.credential);
            if (entry.type === 'ipmi') {
              return ipmiControl(new Ipmitool({ host: entry.host, port: entry.port, username: login.username, password: login.password, cipherSuite: entry.cipherSuite }, this.ipmitoolPath()));
            }
            const client = new RedfishClient({ baseUrl: entry.url, username: login.username, password: login.password, auth: 'basic', pinnedFingerprint: entry.fingerprint?.toUpperCase() ?? null, timeoutMs: this.options.clientDefaults?.timeoutMs });
            return redfishControl(client, new RedfishProvider(account.id, client), entry.system);
          },
        });
        provider.watch();
        return provider;
      }
    }
  }

  private ipmitoolPath(): string | null {
    return this.options.ipmitool === undefined ? findIpmitool() : this.options.ipmitool;
  }

  private persist(): Promise<void> {
    return writeFileAtomic(this.file, JSON.stringify(this.stored, null, 2), 0o600);
  }

  private announce(): void {
    this.options.bus.emit('accounts.changed', this.list());
  }
}
