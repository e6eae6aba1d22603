/**
 * A provider is a folder: `providers/<kind>/index.ts` exports one ProviderDescriptor, and
 * `providers/registry.ts` lists them. The description (shared/connection-kinds.ts) is what the window
 * draws and checks; the rest is how main makes the provider and finds a node's console. Nothing
 * outside the folder names the kind: adding one is a folder and a registry line.
 */
import { z } from 'zod';
import { fieldProblem, type ConnectionField, type ConnectionKindInfo, type SettingValue } from '../../../shared/connection-kinds';
import type { ConsoleSettings, FleetNode } from '../../../shared/model';
import type { ConsoleCredentials, ConsoleTarget } from '../console-endpoint';
import type { ProviderNotes } from '../store/connection-store';
import type { FleetProvider } from './provider';
import type { RequestBudgetFactory } from './request-budget';

export type Settings = Record<string, SettingValue>;

/** Logs in to a BMC an inventory names: a console credential from the vault, by name. */
export type CredentialLookup = (name: string) => Promise<{ username: string; password: string }>;

/** The embedded lab, when this launch runs one: where its API and serial gateway are. */
export interface LabEndpoints {
  baseUrl: string;
  token: string;
  projectId: string;
  serial?: { host: string; port: number; userKey: string } | null;
  rateLimit?: { limit: number; windowMs: number } | null;
}

/** What main lends a provider: nothing here names a kind. */
export interface ProviderPorts {
  /** Passed to every client; tests shorten them. */
  clientDefaults?: { timeoutMs?: number; maxRetries?: number; baseBackoffMs?: number };
  /** ipmitool's path, or null when it is not installed. */
  ipmitool(): string | null;
  credential: CredentialLookup;
  lab: LabEndpoints | null;
  /** An account's request budget: shared by a team's consoles on PostgreSQL, else this console's own. */
  requestBudget?: RequestBudgetFactory;
}

export interface ProviderContext {
  /** The connection's id (its nodes' accountId). */
  id: string;
  settings: Settings;
  /** The secret fields, from the vault (empty strings while a connection is being checked without one). */
  secrets: Record<string, string>;
  ports: ProviderPorts;
  /** Tells main the nodes changed outside a sync (an inventory file was edited). */
  changed(): void;
  /** What the provider keeps for this connection between launches (never a secret). */
  notes: ProviderNotes;
}

/** A serial console: where it is and how to log in, with the connection's console settings applied. */
export interface ConsoleEndpoint {
  target: ConsoleTarget;
  credentials: ConsoleCredentials;
  /** Undoes what opening needed (Ironic turns its console off again) when the session closes. */
  release?: () => Promise<void>;
}

/** What the console of a node needs from main, on top of the provider context. */
export interface ConsoleContext extends ProviderContext {
  provider: FleetProvider;
  console: ConsoleSettings;
  /** The connection's console settings as SSH options for one hop (keepalive, legacy algorithms). */
  perHop: { keepaliveIntervalMs: number; legacyAlgorithms: boolean };
  /** The connection's jump hosts, parsed, each with perHop applied; `parseHop` parses others the same way. */
  jump: ConsoleTarget['jump'];
  parseHop(hop: string): NonNullable<ConsoleTarget['jump']>[number];
}

export interface ProviderDescriptor {
  info: ConnectionKindInfo;
  /** Where it points, for the card and the audit log (a URL, a file, host:port): never a secret. */
  address(settings: Settings): string;
  /** A project or scope to show beside the address, if the kind has one. */
  project?(settings: Settings): string;
  /** The provider for a connection; `verify()` on it is what proves a new connection before it is kept. */
  create(context: ProviderContext): FleetProvider;
  /** A node's serial console, for kinds that offer one. */
  console?(context: ConsoleContext, node: FleetNode): Promise<ConsoleEndpoint>;
}

function fieldSchema(field: ConnectionField): z.ZodType<SettingValue | undefined> {
  const base = field.type === 'number' ? z.union([z.number(), z.string()]).transform(String) : z.string();
  return base
    .optional()
    .superRefine((value, ctx) => {
      const problem = fieldProblem(field, value ?? '');
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [] });
    })
    .transform((value) => {
      const text = field.secret ? (value ?? '') : (value ?? '').trim();
      if (text === '') return undefined;
      return field.type === 'number' ? Number(text) : text;
    });
}

/** The settings schema, built from the same field rules the window checks as it is typed. */
export function settingsSchema(info: ConnectionKindInfo): z.ZodType<Settings> {
  const shape = Object.fromEntries(info.fields.map((f) => [f.key, fieldSchema(f)]));
  return z
    .object(shape)
    .strict()
    .transform((values) => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Settings);
}

/** The secret fields' keys: the vault holds them, the connections file never does. */
export const secretKeys = (info: ConnectionKindInfo): string[] => info.fields.filter((f) => f.secret).map((f) => f.key);
