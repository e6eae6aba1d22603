/**
 * Update-server connections (Nebraska), kept like the other connections: non-secret fields in the
 * connection store (the embedded database), each bearer token only in the SecretStore. The lab's update server is a
 * connection too, registered per launch and never written to disk.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AddUpdateServerInput } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import type { AppPaths, SecretStore } from '../ports';
import { NebraskaClient } from '../providers/nebraska/nebraska-client';
import type { ConnectionStore } from '../store/connection-store';

const StoredServer = z.object({ id: z.string(), name: z.string(), kind: z.literal('nebraska'), baseUrl: z.string(), app: z.string(), hasToken: z.boolean() });
export type StoredServer = z.infer<typeof StoredServer> | { id: string; name: string; kind: 'lab'; baseUrl: string; app: string; hasToken: true };

export const LAB_UPDATE_SERVER_ID = 'lab-updates';
const tokenKey = (id: string) => `update-server/${id}/token`;

export interface LabUpdateServerAccount {
  baseUrl: string;
  token: string;
  app: string;
}

export class UpdateServers {
  private stored: z.infer<typeof StoredServer>[] = [];
  private readonly clients = new Map<string, NebraskaClient>();
  constructor(
    private readonly options: {
      paths: AppPaths;
      /** Where update servers are kept (the embedded database, with the other connections). */
      store: ConnectionStore;
      secrets: SecretStore;
      lab?: LabUpdateServerAccount | null;
      onRequest?: ConstructorParameters<typeof NebraskaClient>[0]['onRequest'];
      /** Adding and removing a server is audited with its outcome (never its token). */
      audit: AuditLog;
    },
  ) {}

  /** Reads the servers from the store; update-servers.json from earlier versions is imported once first. */
  async load(): Promise<void> {
    const { store } = this.options;
    await store.importOnce('update-servers.json', 'update-server', (raw) =>
      z
        .array(StoredServer)
        .parse(raw)
        .map(({ id, name, kind, ...settings }) => ({ id, name, kind, settings })),
    );
    this.stored = store.list('update-server').map((row) => StoredServer.parse({ ...row.settings, id: row.id, name: row.name, kind: row.kind }));
  }

  all(): StoredServer[] {
    const lab = this.options.lab;
    return [
      ...(lab
        ? [{ id: LAB_UPDATE_SERVER_ID, name: 'Lab update server', kind: 'lab' as const, baseUrl: lab.baseUrl, app: lab.app, hasToken: true as const }]
        : []),
      ...this.stored,
    ];
  }

  get(serverId: string): StoredServer {
    const server = this.all().find((s) => s.id === serverId);
    if (!server) throw new AppError('not_found', `Update server ${serverId} is no longer configured.`);
    return server;
  }

  async add(input: AddUpdateServerInput): Promise<StoredServer> {
    const what = `update server ${input.baseUrl} (app ${input.app})`;
    return this.options.audit.outcomeOf(
      { action: 'updateServer.add', target: '', targetName: input.name, attempt: `Adding the ${what}` },
      () => this.create(input),
      (server) => ({
        target: server.id,
        outcome: 'succeeded',
        message: `Added the ${what}`,
      }),
    );
  }

  private async create(input: AddUpdateServerInput): Promise<StoredServer> {
    const server = { id: randomUUID(), name: input.name, kind: 'nebraska' as const, baseUrl: input.baseUrl, app: input.app, hasToken: input.token !== '' };
    // Prove the address, token and application before keeping anything.
    const client = this.makeClient(server, input.token || null);
    const apps = await client.apps();
    if (!apps.some((a) => a.id === input.app || a.product_id === input.app)) {
      throw new AppError(
        'invalid',
        `${new URL(input.baseUrl).host} has no application "${input.app}". It has: ${
          apps
            .map((a) => a.product_id || a.id)
            .slice(0, 5)
            .join(', ') || 'none'
        }.`,
        { retryable: false },
      );
    }
    if (input.token) await this.options.secrets.set(tokenKey(server.id), input.token);
    this.stored.push(server);
    this.save(server);
    this.clients.set(server.id, client);
    return server;
  }

  async remove(serverId: string): Promise<boolean> {
    const name = this.all().find((s) => s.id === serverId)?.name ?? serverId;
    return this.options.audit.outcomeOf(
      { action: 'updateServer.remove', target: serverId, targetName: name, attempt: 'Removing the update server' },
      () => this.delete(serverId),
      (removed) => ({
        target: serverId,
        outcome: removed ? 'succeeded' : 'failed',
        message: removed ? 'Removed the update server and its stored token' : 'No such update server',
      }),
    );
  }

  private async delete(serverId: string): Promise<boolean> {
    if (serverId === LAB_UPDATE_SERVER_ID) throw new AppError('conflict', 'The lab update server comes with the lab; start with IRONPANE_LAB=off to hide it.');
    const before = this.stored.length;
    this.stored = this.stored.filter((s) => s.id !== serverId);
    if (this.stored.length === before) return false;
    this.options.store.remove('update-server', serverId);
    await this.options.secrets.delete(tokenKey(serverId));
    // Its connections kept alive go with it.
    await this.clients.get(serverId)?.close();
    this.clients.delete(serverId);
    return true;
  }

  async client(serverId: string): Promise<NebraskaClient> {
    const cached = this.clients.get(serverId);
    if (cached) return cached;
    const server = this.get(serverId);
    const token = server.kind === 'lab' ? this.options.lab!.token : server.hasToken ? ((await this.options.secrets.get(tokenKey(serverId))) ?? null) : null;
    // A team's store shares update servers, never their tokens: one added on another console has none here.
    if (server.hasToken && !token)
      throw new AppError(
        'auth',
        `${server.name} needs your credentials: this console has no token for it (a team shares update servers, not their tokens). Removing it would remove it for everyone on a team's store; add the server again under another name with your own token.`,
        { retryable: false },
      );
    const client = this.makeClient(server, token);
    this.clients.set(serverId, client);
    return client;
  }

  private makeClient(server: { baseUrl: string; app: string }, token: string | null): NebraskaClient {
    return new NebraskaClient({ baseUrl: server.baseUrl, app: server.app, token, onRequest: this.options.onRequest });
  }

  private save(server: z.infer<typeof StoredServer>): void {
    const { id, name, kind, ...settings } = server;
    this.options.store.put('update-server', { id, name, kind, settings });
  }
}
