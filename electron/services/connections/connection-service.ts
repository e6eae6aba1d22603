/**
 * Connections: the systems Ironpane watches and acts through, each of a kind a provider folder
 * describes (providers/registry.ts). Non-secret settings live in `accounts.json` (its name from before
 * connections had kinds); each secret field lives only in the SecretStore and never leaves main. The
 * embedded lab is a connection too, registered per launch and never written to disk.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AddConnectionInput } from '../../../shared/contract';
import type { ConfigKind } from '../../../shared/config/kinds';
import type { ConnectionKindInfo } from '../../../shared/connection-kinds';
import { AppError } from '../../../shared/errors';
import {
  ConsoleSettingsSchema,
  DEFAULT_CONSOLE_SETTINGS,
  type Connection,
  type BreakMethod,
  type ConsoleSettings,
  type FleetNode,
} from '../../../shared/model';
import type { AuditLog } from '../audit/audit-log';
import type { AppPaths, SecretStore } from '../ports';
import type { RequestBudgetFactory } from '../providers/request-budget';
import {
  secretKeys,
  settingsSchema,
  type ConsoleEndpoint,
  type CredentialLookup,
  type LabEndpoints,
  type ProviderDescriptor,
  type ProviderPorts,
  type Settings,
} from '../providers/descriptor';
import { findIpmitool } from '../providers/ipmi/ipmitool';
import type { FleetProvider } from '../providers/provider';
import { ProviderRegistry } from '../providers/registry';
import { readConsoleCredential, type ConnectionStore } from '../store/connection-store';

export type { CredentialLookup } from '../providers/descriptor';

/** What accounts.json keeps per connection: never a secret (those are in the vault under `account/<id>/<field>`). */
const StoredAccount = z.object({ id: z.string(), name: z.string(), kind: z.string(), settings: z.record(z.string(), z.union([z.string(), z.number()])) });
type StoredAccount = z.infer<typeof StoredAccount>;

/**
 * accounts.json before providers became plugins kept each kind's settings beside id and name
 * (`{ id, name, kind: 'redfish', baseUrl, username, auth, fingerprint }`); read once into settings.
 */
function fromOldShape(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || 'settings' in raw) return raw;
  const { id, name, kind, fingerprint, ...rest } = raw as Record<string, unknown>;
  const settings = Object.fromEntries(Object.entries(rest).filter(([, v]) => typeof v === 'string' || typeof v === 'number'));
  if (typeof fingerprint === 'string') settings.certificateFingerprint = fingerprint;
  return { id, name, kind, settings };
}

export interface LabConnection extends LabEndpoints {
  /** Configs a first start with the lab finds on the Config screen (seeded into an empty store). */
  starterConfigs?: readonly { name: string; kind: ConfigKind; content: string; message: string }[];
  /** The lab's update server (Nebraska REST + Omaha) and the clock its policies run on. */
  updates?: { baseUrl: string; token: string; app: string; timeScale: number } | null;
}

export interface ConnectionServiceOptions {
  paths: AppPaths;
  secrets: SecretStore;
  /** Where connections and their console settings are kept (the embedded database). */
  store: ConnectionStore;
  /** The list changed (added, removed, console settings): compose tells the window, with the fleet's sync state. */
  changed(): void;
  /** A connection's nodes changed outside a sync (an inventory file was edited): the fleet reads them again. */
  nodesChanged?(connectionId: string): void;
  lab?: LabConnection | null;
  /** Passed to every client; tests shorten them. */
  clientDefaults?: { timeoutMs?: number; maxRetries?: number; baseBackoffMs?: number };
  /** Makes an account's request budget (compose shares it through a team's store). */
  requestBudget?: RequestBudgetFactory;
  /** ipmitool's path (null: not installed); found on PATH's usual places when absent. */
  ipmitool?: string | null;
  /** Adding and removing a connection is audited with its outcome (names and endpoints, never a secret). */
  audit: AuditLog;
  /** The kinds of connection (tests add their own); the built-in registry when absent. */
  registry?: ProviderRegistry;
}

/** A connection as this service knows it; its sync state is the fleet's (fleet-service.ts), joined in compose. */
export type ConnectionInfo = Omit<Connection, 'sync'>;

export const LAB_CONNECTION_ID = 'lab';
const secretKey = (accountId: string, field: string) => `account/${accountId}/${field}`;

export class ConnectionService {
  private stored: StoredAccount[] = [];
  private readonly providers = new Map<string, FleetProvider>();
  private readonly registry: ProviderRegistry;
  /** Per-connection console settings, the lab's included (its id is stable). */
  private consoleSettings: Record<string, ConsoleSettings> = {};
  /** Connections whose required secrets this console's vault lacks (a team's, added elsewhere): their field labels. */
  private missing = new Map<string, string[]>();

  constructor(private readonly options: ConnectionServiceOptions) {
    this.registry = options.registry ?? new ProviderRegistry();
  }

  /** Reads the connections from the store; the JSON files of earlier versions are imported once first. */
  async load(): Promise<void> {
    const { store } = this.options;
    await store.importOnce('console-settings.json', 'console-settings', (raw) =>
      Object.entries(z.record(z.string(), ConsoleSettingsSchema).parse(raw)).map(([id, settings]) => ({ id, kind: 'console', name: id, settings })),
    );
    await store.importOnce('accounts.json', 'provider', (raw) =>
      z
        .array(z.preprocess(fromOldShape, StoredAccount))
        .parse(raw)
        .filter((a) => a.kind !== 'lab'),
    );
    await this.reload();
  }

  /**
   * Reads the stored list again (a team's store changed it): a connection that went away or changed
   * lets go of its provider, and which secrets this console lacks is looked up again.
   */
  async reload(): Promise<void> {
    const { store } = this.options;
    this.consoleSettings = Object.fromEntries(store.list('console-settings').map((row) => [row.id, ConsoleSettingsSchema.parse(row.settings)]));
    const before = new Map(this.stored.map((a) => [a.id, JSON.stringify(a)]));
    this.stored = store.list('provider').map((row) => StoredAccount.parse(row));
    const now = new Map(this.stored.map((a) => [a.id, JSON.stringify(a)]));
    for (const [id, was] of before) {
      if (now.get(id) === was) continue;
      await this.providers
        .get(id)
        ?.close?.()
        .catch(() => undefined);
      this.providers.delete(id);
    }
    const missing = new Map<string, string[]>();
    for (const account of this.stored) {
      const descriptor = this.registry.get(account.kind);
      const lacking = descriptor ? await this.missingSecrets(account.id, descriptor) : [];
      if (lacking.length > 0) missing.set(account.id, lacking);
    }
    this.missing = missing;
  }

  /** The labels of the required secrets the vault has no value for. */
  private async missingSecrets(accountId: string, descriptor: ProviderDescriptor): Promise<string[]> {
    const lacking: string[] = [];
    for (const field of descriptor.info.fields.filter((f) => f.secret)) {
      const stored = await this.options.secrets.get(secretKey(accountId, field.key));
      if (stored === undefined || (stored === '' && field.required)) lacking.push(field.label);
    }
    return lacking;
  }

  /**
   * Enters this console's secrets for a connection (a team's, added on another console): checked by
   * connecting with them before they are kept, as when it was added; audited without them.
   */
  async setCredentials(accountId: string, given: Record<string, string>): Promise<ConnectionInfo> {
    const account = this.account(accountId);
    const descriptor = this.descriptor(account.kind);
    const fields = descriptor.info.fields.filter((f) => f.secret);
    const unknown = Object.keys(given).find((key) => !fields.some((f) => f.key === key));
    if (unknown) throw new AppError('invalid', `${descriptor.info.label} has no secret “${unknown}”.`, { retryable: false, detail: unknown });
    const secrets: Record<string, string> = {};
    for (const field of fields) {
      const value = given[field.key] ?? '';
      if (field.required && value.trim() === '') throw new AppError('invalid', `${field.label}: enter it.`, { retryable: false, detail: field.key });
      secrets[field.key] = value;
    }
    return this.options.audit.outcomeOf(
      { action: 'connection.credentials', target: accountId, targetName: account.name, attempt: `Entering this console's credentials for ${account.name}` },
      async () => {
        const provider = await this.connectWith(descriptor, account, secrets);
        for (const [key, value] of Object.entries(secrets)) await this.options.secrets.set(secretKey(accountId, key), value);
        await this.providers
          .get(accountId)
          ?.close?.()
          .catch(() => undefined);
        this.providers.set(accountId, provider);
        this.missing.delete(accountId);
        this.announce();
        return this.list().find((a) => a.id === accountId)!;
      },
      () => ({
        target: accountId,
        outcome: 'succeeded',
        message: `Entered this console's credentials for ${account.name} (kept in its own vault, never shared)`,
      }),
    );
  }

  ids(): string[] {
    return this.all().map((a) => a.id);
  }

  list(): ConnectionInfo[] {
    return this.all().map((a) => {
      const descriptor = this.registry.get(a.kind);
      return {
        id: a.id,
        name: a.name,
        kind: a.kind,
        baseUrl: descriptor?.address(a.settings) ?? '',
        projectId: descriptor?.project?.(a.settings) ?? '',
        capabilities: [...(descriptor?.info.capabilities ?? [])],
        hasCredential: descriptor ? secretKeys(descriptor.info).length > 0 : false,
        needsCredentials: this.missing.get(a.id) ?? [],
        console: this.consoleSettings[a.id] ?? DEFAULT_CONSOLE_SETTINGS,
      };
    });
  }

  /** The kinds of connection, as the window draws their forms and explains what their nodes cannot do. */
  kinds(): ConnectionKindInfo[] {
    return this.registry.all().map((d) => d.info);
  }

  /**
   * A console credential with its password, for a BMC an inventory file names: read from the store
   * and the vault, where the Console credentials section keeps them (no other service is asked).
   */
  private readonly credential: CredentialLookup = (name) => readConsoleCredential(this.options.store, this.options.secrets, name);

  async add(input: AddConnectionInput): Promise<ConnectionInfo> {
    const descriptor = this.descriptor(input.kind);
    const settings = this.checkSettings(descriptor, input.settings);
    const project = descriptor.project?.(settings);
    const what = `${descriptor.info.label} connection to ${descriptor.address(settings)}${project ? ` (project ${project})` : ''}`;
    return this.options.audit.outcomeOf(
      { action: 'connection.add', target: '', targetName: input.name, attempt: `Adding the ${what}` },
      () => this.create(descriptor, input.name, settings),
      (account) => ({
        target: account.id,
        outcome: 'succeeded',
        message: `Added the ${what}`,
      }),
    );
  }

  private descriptor(kind: string): ProviderDescriptor {
    const descriptor = this.registry.get(kind);
    if (!descriptor?.info.addable) {
      const known = this.registry
        .all()
        .filter((d) => d.info.addable)
        .map((d) => d.info.kind);
      throw new AppError('invalid', `Kind: “${kind}” is not a kind of connection Ironpane can add (${known.join(', ')}).`, { retryable: false });
    }
    return descriptor;
  }

  /** The kind's own rules, the same the form checks: the first problem names its field. */
  private checkSettings(descriptor: ProviderDescriptor, raw: Record<string, string>): Settings {
    const parsed = settingsSchema(descriptor.info).safeParse(raw);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const field = descriptor.info.fields.find((f) => f.key === key);
    const message =
      issue.code === 'unrecognized_keys'
        ? `${descriptor.info.label} has no setting “${(issue as { keys?: string[] }).keys?.[0] ?? '?'}”.`
        : `${field?.label ?? key}: ${issue.message}`;
    throw new AppError('invalid', message, { retryable: false, detail: key || undefined });
  }

  private async create(descriptor: ProviderDescriptor, name: string, all: Settings): Promise<ConnectionInfo> {
    const id = randomUUID();
    const secretFields = secretKeys(descriptor.info);
    const secrets = Object.fromEntries(secretFields.map((k) => [k, String(all[k] ?? '')]));
    const settings = Object.fromEntries(Object.entries(all).filter(([k]) => !secretFields.includes(k)));
    const account: StoredAccount = { id, name, kind: descriptor.info.kind, settings };
    const provider = await this.connectWith(descriptor, account, secrets);
    for (const [key, value] of Object.entries(secrets)) await this.options.secrets.set(secretKey(id, key), value);
    this.stored.push(account);
    this.options.store.put('provider', account);
    this.providers.set(account.id, provider);
    this.announce();
    return this.list().find((a) => a.id === account.id)!;
  }

  /**
   * Proves a connection works with these secrets before anything is kept, so a typo never lands in
   * the fleet or the vault. An https BMC whose certificate is not yet trusted fails here with its
   * fingerprint for the user to accept.
   */
  private async connectWith(descriptor: ProviderDescriptor, account: StoredAccount, secrets: Record<string, string>): Promise<FleetProvider> {
    const provider = descriptor.create(this.context(account, secrets));
    try {
      await provider.verify();
    } catch (error) {
      await provider.close?.().catch(() => undefined);
      throw error;
    }
    return provider;
  }

  async remove(accountId: string): Promise<boolean> {
    const account = this.all().find((a) => a.id === accountId);
    const what = account ? `${this.registry.get(account.kind)?.info.label ?? account.kind} connection` : 'connection';
    return this.options.audit.outcomeOf(
      { action: 'connection.remove', target: accountId, targetName: account?.name ?? accountId, attempt: `Removing the ${what}` },
      () => this.delete(accountId),
      (removed) => ({
        target: accountId,
        outcome: removed ? 'succeeded' : 'failed',
        message: removed ? `Removed the ${what} and its stored secrets` : 'No such connection',
      }),
    );
  }

  private async delete(accountId: string): Promise<boolean> {
    if (accountId === LAB_CONNECTION_ID) throw new AppError('conflict', 'The embedded lab account cannot be removed; start with IRONPANE_LAB=off to hide it.');
    const removed = this.stored.find((a) => a.id === accountId);
    if (!removed) return false;
    this.stored = this.stored.filter((a) => a.id !== accountId);
    this.options.store.remove('provider', accountId);
    this.options.store.remove('console-settings', accountId);
    const descriptor = this.registry.get(removed.kind);
    for (const key of descriptor ? secretKeys(descriptor.info) : []) await this.options.secrets.delete(secretKey(accountId, key));
    await this.providers
      .get(accountId)
      ?.close?.()
      .catch(() => undefined);
    this.providers.delete(accountId);
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
    const account = this.account(accountId);
    const descriptor = this.registry.get(account.kind);
    if (!descriptor)
      throw new AppError(
        'unavailable',
        `${account.name} is a “${account.kind}” connection, a kind this Ironpane does not know; remove it or update Ironpane.`,
        { retryable: false },
      );
    const provider = descriptor.create(this.context(account, await this.secretsOf(account, descriptor)));
    this.providers.set(accountId, provider);
    return provider;
  }

  private account(accountId: string): StoredAccount {
    const account = this.all().find((a) => a.id === accountId);
    if (!account) throw new AppError('not_found', `Connection ${accountId} no longer exists.`);
    return account;
  }

  private async secretsOf(account: StoredAccount, descriptor: ProviderDescriptor): Promise<Record<string, string>> {
    const secrets: Record<string, string> = {};
    for (const field of descriptor.info.fields.filter((f) => f.secret)) {
      const stored = await this.options.secrets.get(secretKey(account.id, field.key));
      // An optional secret left empty is kept as ''; only a missing required one means the vault lost it.
      if (stored === undefined || (stored === '' && field.required))
        throw new AppError(
          'auth',
          `${account.name} needs your credentials: this console has no ${field.label.toLowerCase()} for it (a team shares its connections, never their secrets). Enter it under Connections; nothing runs on it until then.`,
          { retryable: false },
        );
      secrets[field.key] = stored;
    }
    return secrets;
  }

  private context(account: StoredAccount, secrets: Record<string, string>) {
    const ports: ProviderPorts = {
      clientDefaults: this.options.clientDefaults,
      ipmitool: () => (this.options.ipmitool === undefined ? findIpmitool() : this.options.ipmitool),
      credential: (name) => this.credential(name),
      lab: this.options.lab ?? null,
      requestBudget: this.options.requestBudget,
    };
    return {
      id: account.id,
      settings: account.settings,
      secrets,
      ports,
      changed: () => this.options.nodesChanged?.(account.id),
      notes: this.options.store.notes(account.id),
    };
  }

  async setConsoleSettings(accountId: string, settings: ConsoleSettings): Promise<ConnectionInfo> {
    this.account(accountId);
    this.consoleSettings = { ...this.consoleSettings, [accountId]: settings };
    this.options.store.put('console-settings', { id: accountId, kind: 'console', name: accountId, settings });
    this.announce();
    return this.list().find((a) => a.id === accountId)!;
  }

  /** How this connection's consoles send BREAK (Console settings). */
  breakMethod(accountId: string): BreakMethod {
    return (this.consoleSettings[accountId] ?? DEFAULT_CONSOLE_SETTINGS).breakMethod;
  }

  /** Where a node's serial console is and how to log in: its kind's console, with this connection's console settings. */
  async consoleEndpoint(accountId: string, node: FleetNode): Promise<ConsoleEndpoint> {
    const account = this.account(accountId);
    const descriptor = this.registry.get(account.kind);
    if (!descriptor?.console)
      throw new AppError('unavailable', descriptor?.info.whyNot.serialConsole ?? `${node.hostname}'s connection offers no serial console.`, {
        retryable: false,
      });
    const settings = this.consoleSettings[accountId] ?? DEFAULT_CONSOLE_SETTINGS;
    const perHop = { keepaliveIntervalMs: settings.keepaliveSeconds * 1000, legacyAlgorithms: settings.legacyAlgorithms };
    const parseHop = (hop: string) => {
      const [username = '', rest = ''] = hop.split('@');
      const [host = '', port] = rest.split(':');
      return { host, port: port ? Number(port) : 22, username, ...perHop };
    };
    const provider = await this.provider(accountId);
    const secrets = account.kind === LAB_CONNECTION_ID ? {} : await this.secretsOf(account, descriptor);
    return descriptor.console(
      { ...this.context(account, secrets), provider, console: settings, perHop, jump: settings.jumpHosts.map(parseHop), parseHop },
      node,
    );
  }

  private all(): StoredAccount[] {
    const lab = this.options.lab;
    const labAccount: StoredAccount[] = lab
      ? [{ id: LAB_CONNECTION_ID, name: 'Lab fleet', kind: 'lab', settings: { baseUrl: lab.baseUrl, projectId: lab.projectId } }]
      : [];
    return [...labAccount, ...this.stored];
  }

  private announce(): void {
    this.options.changed();
  }
}
