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
import { ConsoleSettingsSchema, DEFAULT_CONSOLE_SETTINGS, type Account, type ConsoleSettings, type FleetNode } from '../../../shared/model';
import type { ConsoleCredentials, ConsoleTarget } from '../console/console-session';
import type { EventBus } from '../../rpc/event-bus';
import type { AppPaths, HttpFetch, SecretStore } from '../ports';
import { MetalClient } from '../providers/metal/metal-client';
import { MetalProvider } from '../providers/metal/metal-provider';
import type { FleetProvider } from '../providers/provider';
import { writeFileAtomic } from '../vault/encrypted-file-store';

const StoredAccount = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['lab', 'metal']),
  baseUrl: z.string(),
  projectId: z.string(),
});
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
  fetch?: HttpFetch;
  lab?: LabAccount | null;
  /** Passed to every client; tests shorten them. */
  clientDefaults?: { timeoutMs?: number; maxRetries?: number; baseBackoffMs?: number };
}

type SyncState = Account['sync'];

export const LAB_ACCOUNT_ID = 'lab';
const tokenKey = (accountId: string) => `account/${accountId}/token`;

export class AccountService {
  private stored: StoredAccount[] = [];
  private readonly providers = new Map<string, FleetProvider>();
  private readonly sync = new Map<string, SyncState>();
  private readonly file: string;
  private readonly consoleFile: string;
  /** Per-account console settings, the lab's included (its id is stable), in console-settings.json. */
  private consoleSettings: Record<string, ConsoleSettings> = {};

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
      this.stored = z.array(StoredAccount).parse(raw).filter((a) => a.kind === 'metal');
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
      ...a,
      hasCredential: true,
      console: this.consoleSettings[a.id] ?? DEFAULT_CONSOLE_SETTINGS,
      sync: this.sync.get(a.id) ?? { status: 'connecting', lastSyncAt: null, nodeCount: 0, error: null },
    }));
  }

  async add(input: AddAccountInput): Promise<Account> {
    const account: StoredAccount = { id: randomUUID(), name: input.name, kind: 'metal', baseUrl: input.baseUrl, projectId: input.projectId };
    // Prove the token and project before keeping anything, so a typo never lands in the fleet.
    const provider = this.makeProvider(account, input.token);
    await provider.verify();
    await this.options.secrets.set(tokenKey(account.id), input.token);
    this.stored.push(account);
    await this.persist();
    this.providers.set(account.id, provider);
    this.announce();
    return this.list().find((a) => a.id === account.id)!;
  }

  async remove(accountId: string): Promise<boolean> {
    if (accountId === LAB_ACCOUNT_ID) throw new AppError('conflict', 'The embedded lab account cannot be removed; start with IRONPANE_LAB=off to hide it.');
    const before = this.stored.length;
    this.stored = this.stored.filter((a) => a.id !== accountId);
    if (this.stored.length === before) return false;
    await this.persist();
    await this.options.secrets.delete(tokenKey(accountId));
    this.providers.delete(accountId);
    this.sync.delete(accountId);
    this.announce();
    return true;
  }

  async provider(accountId: string): Promise<FleetProvider> {
    const cached = this.providers.get(accountId);
    if (cached) return cached;
    const account = this.all().find((a) => a.id === accountId);
    if (!account) throw new AppError('not_found', `Account ${accountId} no longer exists.`);
    const token = account.kind === 'lab' ? this.options.lab!.token : await this.options.secrets.get(tokenKey(accountId));
    if (!token) throw new AppError('auth', `No API token is stored for ${account.name}; remove the account and add it again.`);
    const provider = this.makeProvider(account, token);
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

  /**
   * Where a node's serial console is and how to log in. Metal's SOS: `ssh <device-id>@<Device.sos>`
   * with the user's own keys (Equinix Metal SOS: `ssh <device-id>@sos.<facility>.platformequinix.com`); the lab: its loopback gateway and vault key.
   */
  async consoleEndpoint(accountId: string, node: FleetNode): Promise<{ target: ConsoleTarget; credentials: ConsoleCredentials }> {
    const account = this.all().find((a) => a.id === accountId);
    if (!account) throw new AppError('not_found', `Account ${accountId} no longer exists.`);
    const settings = this.consoleSettings[accountId] ?? DEFAULT_CONSOLE_SETTINGS;
    const perHop = { keepaliveIntervalMs: settings.keepaliveSeconds * 1000, legacyAlgorithms: settings.legacyAlgorithms };
    const jump = settings.jumpHosts.map((hop) => {
      const [username = '', rest = ''] = hop.split('@');
      const [host = '', port] = rest.split(':');
      return { host, port: port ? Number(port) : 22, username, ...perHop };
    });
    const serial = this.options.lab?.serial;
    if (account.kind === 'lab') {
      if (!serial) throw new AppError('unavailable', 'The lab serial gateway is not running.');
      return {
        target: { host: serial.host, port: serial.port, username: node.deviceId, ...perHop, jump },
        credentials: { privateKeys: [{ label: 'the lab key in the vault', key: serial.userKey }] },
      };
    }
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

  private makeProvider(account: StoredAccount, token: string): FleetProvider {
    const rateLimit = account.kind === 'lab' ? (this.options.lab?.rateLimit ?? null) : null;
    const client = new MetalClient({ baseUrl: account.baseUrl, token, fetch: this.options.fetch, ...this.options.clientDefaults, rateLimit });
    return new MetalProvider(account.id, account.projectId, client);
  }

  private persist(): Promise<void> {
    return writeFileAtomic(this.file, JSON.stringify(this.stored, null, 2), 0o600);
  }

  private announce(): void {
    this.options.bus.emit('accounts.changed', this.list());
  }
}
