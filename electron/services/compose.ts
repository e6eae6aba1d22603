/**
 * The single wiring point. Each host (Electron main, the web host, tests) passes its adapters and
 * gets back a router, an event bus and the lifecycle of the services behind them.
 */
import os from 'node:os';
import type { HostInfo } from '../../shared/contract';
import { createRouter, type Handlers, type Router } from '../rpc/router';
import { EventBus } from '../rpc/event-bus';
import { AccountService, type LabAccount } from './accounts/account-service';
import { ActionService } from './actions/action-service';
import { AuditLog } from './audit/audit-log';
import { FleetService } from './fleet/fleet-service';
import { systemClock, type AppPaths, type Clock, type HttpFetch, type Logger, type SecretStore } from './ports';

export interface ComposeOptions {
  host: Pick<HostInfo, 'kind' | 'version'> & { nativeDialogs: boolean };
  paths: AppPaths;
  secrets: SecretStore;
  log: Logger;
  lab?: (LabAccount & { nodeCount: number }) | null;
  fetch?: HttpFetch;
  clock?: Clock;
  pollIntervalMs?: number;
  busyPollIntervalMs?: number;
  clientDefaults?: { timeoutMs?: number; maxRetries?: number; baseBackoffMs?: number };
}

export interface Services {
  router: Router;
  bus: EventBus;
  fleet: FleetService;
  accounts: AccountService;
  start(): Promise<void>;
  stop(): void;
}

export function composeServices(options: ComposeOptions): Services {
  const clock = options.clock ?? systemClock;
  const bus = new EventBus();
  const accounts = new AccountService({
    paths: options.paths,
    secrets: options.secrets,
    bus,
    fetch: options.fetch,
    lab: options.lab ?? null,
    clientDefaults: options.clientDefaults,
  });
  const fleet = new FleetService({
    accounts,
    bus,
    clock,
    log: options.log,
    pollIntervalMs: options.pollIntervalMs,
    busyPollIntervalMs: options.busyPollIntervalMs,
  });
  const audit = new AuditLog(options.paths, bus, clock, safeUsername());
  const actions = new ActionService(fleet, accounts, audit);

  const hostInfo: HostInfo = {
    kind: options.host.kind,
    version: options.host.version,
    capabilities: { nativeDialogs: options.host.nativeDialogs, encryptedSecrets: options.secrets.protection },
    lab: options.lab ? { nodeCount: options.lab.nodeCount, baseUrl: options.lab.baseUrl } : null,
  };

  const handlers: Handlers = {
    'app.describeHost': async () => hostInfo,
    'accounts.list': async () => accounts.list(),
    'accounts.add': async (input) => {
      const account = await accounts.add(input);
      fleet.syncLoops();
      return account;
    },
    'accounts.remove': async ({ accountId }) => {
      const removed = await accounts.remove(accountId);
      fleet.syncLoops();
      return { removed };
    },
    'fleet.snapshot': async () => fleet.snapshot(),
    'fleet.refresh': async () => ({ accounts: await fleet.refresh() }),
    'fleet.nodeEvents': async ({ nodeId }) => fleet.nodeEvents(nodeId),
    'actions.power': async ({ nodeId, action }) => actions.power(nodeId, action),
    'actions.powerBulk': async ({ nodeIds, action }) => actions.powerMany(nodeIds, action),
    'audit.list': async ({ limit }) => audit.list(limit),
  };

  return {
    router: createRouter(handlers, options.log),
    bus,
    fleet,
    accounts,
    async start() {
      await accounts.load();
      await audit.load();
      fleet.start();
    },
    stop() {
      fleet.stop();
    },
  };
}

function safeUsername(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
