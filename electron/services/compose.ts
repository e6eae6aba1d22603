/**
 * The single wiring point. Each host (Electron main, the web host, tests) passes its adapters and
 * gets back a router, an event bus and the lifecycle of the services behind them.
 */
import { packNodes } from '../../shared/fleet-wire';
import type { Connection } from '../../shared/model';
import type { ProviderRegistry } from './providers/registry';
import type { ProviderFor } from './providers/provider';
import path from 'node:path';
import type { HostInfo } from '../../shared/contract';
import { createRouter, type Handlers, type Router } from '../rpc/router';
import { EventBus } from '../rpc/event-bus';
import { ConnectionService, type ConnectionInfo, type LabConnection } from './connections/connection-service';
import { ActionService } from './actions/action-service';
import { AuditLog } from './audit/audit-log';
import { AuditStore } from './audit/audit-store';
import { operatorIdentity } from './audit/operator';
import { openStoreBackend, storeLocationFromEnv, type StoreBackend } from './store/store-backend';
import { SharedConnections } from './store/shared-connections';
import { StoreChoice } from './store/store-choice';
import { ConfigApply } from './actions/config-apply';
import { ConfigService } from './config/config-service';
import { DriftService } from './config/drift-service';
import { SchemaService, type SchemaKind } from './config/schema-service';
import { CONFIG_MIGRATIONS, ConfigStore } from './config/config-store';
import { ConsoleService, type ConsoleServiceOptions } from './console/console-service';
import { FleetCache } from './fleet/fleet-cache';
import { FleetService } from './fleet/fleet-service';
import { migrate, openDatabase } from './store/database';
import { CONNECTION_MIGRATIONS, ConnectionStore } from './store/connection-store';
import { TopologyService } from './topology/topology-service';
import { NodeLeases } from './operations/node-leases';
import { RequestBudget, SharedRequestBudget } from './providers/request-budget';
import { OperationsEngine, type Boundary } from './operations/engine';
import { OPERATIONS_MIGRATIONS, OperationJournal, type StepRecord } from './operations/journal';
import { Reprovision } from './operations/reprovision';
import { Rollback } from './operations/rollback';
import { RunbookPlanner } from './operations/runbook-plan';
import { RunbookService } from './runbooks/runbook-service';
import { UpdateServers } from './updates/update-servers';
import { UpdateService } from './updates/update-service';
import { systemClock, type AppPaths, type Clock, type DesktopUpdates, type Logger, type SecretStore } from './ports';
import type { UpdateState } from '../../shared/app-updates';
import { AppError } from '../../shared/errors';

export interface ComposeOptions {
  host: Pick<HostInfo, 'kind' | 'version'> & { nativeDialogs: boolean };
  paths: AppPaths;
  secrets: SecretStore;
  log: Logger;
  lab?: (LabConnection & { nodeCount: number }) | null;
  clock?: Clock;
  pollIntervalMs?: number;
  busyPollIntervalMs?: number;
  clientDefaults?: { timeoutMs?: number; maxRetries?: number; baseBackoffMs?: number };
  /** Opens an https link in the system browser; absent on the web host (the browser opens links itself). */
  openExternal?: (url: string) => Promise<void>;
  console?: Pick<ConsoleServiceOptions, 'env' | 'promptTimeoutMs' | 'reconnect'>;
  /** How old a node's user data read may get before drift reads it again (default 5 min). */
  driftMaxAgeMs?: number;
  /** Where each kind's JSON Schema comes from (tests point these at a loopback mirror). */
  schemaSources?: Partial<Record<SchemaKind, string>>;
  /** How long a power action may take to show its effect before it is audited as failed. */
  actionOutcomeTimeoutMs?: number;
  /** How often update servers are read (default 4 s). */
  updatesPollIntervalMs?: number;
  /** The desktop app's self-update; absent on the web host, which answers "unsupported". */
  updates?: DesktopUpdates;
  /** The kinds of connection; the built-in registry when absent (tests register a kind of their own). */
  providers?: ProviderRegistry;
  /** `IRONPANE_STORE`: a team's PostgreSQL URL; unset, the data folder's own SQLite store (README.md, Running Ironpane for a team). */
  store?: string;
  /** `IRONPANE_OPERATOR`: the name audit rows and operations carry; default OS user@host. */
  operator?: string;
  /**
   * How long a console's hold on a node or an operation lasts unless it renews it (default 30 s): a
   * console that dies lets go after this long. Tests shorten it.
   */
  leaseMs?: number;
  /** Tests: called at each boundary between journal writes and provider calls (to inject a crash). */
  operationBoundary?: (boundary: Boundary, step: StepRecord) => Promise<void> | void;
}

export interface Services {
  router: Router;
  bus: EventBus;
  fleet: FleetService;
  connections: ConnectionService;
  consoles: ConsoleService;
  start(): Promise<void>;
  stop(): void;
  /** What a restart would cut off: operations running, consoles writing a log. */
  busy(): { runningOperations: number; loggingConsoles: number };
}

export function composeServices(options: ComposeOptions): Services {
  const clock = options.clock ?? systemClock;
  const bus = new EventBus();
  const identity = operatorIdentity(options.paths.dataDir, options.operator);
  const audit = new AuditLog(bus, clock, identity);
  // Another console took or let go of a node: the window hears who holds what now.
  const leases = new NodeLeases(identity, clock, options.log, (held) => bus.emit('operations.leasesChanged', held), options.leaseMs);
  let storeBackend: StoreBackend | null = null;
  const storeChoice = new StoreChoice(options.paths.dataDir, options.secrets, options.store);
  let unlistenConfig: (() => void) | null = null;
  let unlistenConnections: (() => void) | null = null;
  /** Another console added, changed or removed a connection: read the team's list again and follow it. */
  const teamConnectionsChanged = async (shared: SharedConnections) => {
    try {
      if (!(await shared.pull())) return;
      await connections.reload();
      await updateServers.load();
      fleet.syncLoops();
      announceConnections();
      bus.emit('updates.serversChanged', updates.servers());
      void fleet.refresh();
    } catch (error) {
      options.log.warn('could not read the team’s connections again', { cause: error });
    }
  };
  const database = openDatabase(path.join(options.paths.dataDir, 'ironpane.db'));
  migrate(database, [...CONFIG_MIGRATIONS, ...OPERATIONS_MIGRATIONS, ...CONNECTION_MIGRATIONS]);
  const connectionStore = new ConnectionStore(database, options.paths.dataDir);
  // The connection list the window sees: the connections service's, with the fleet's sync state.
  // (Both tell compose when theirs changed; neither reaches into the other.)
  const withSync = <C extends ConnectionInfo>(c: C) => ({ ...c, sync: fleet.syncOf(c.id) });
  const connectionList = (): Connection[] => connections.list().map(withSync);
  const announceConnections = (): void => bus.emit('connections.changed', connectionList());
  const connections: ConnectionService = new ConnectionService({
    store: connectionStore,
    audit,
    paths: options.paths,
    secrets: options.secrets,
    changed: () => announceConnections(),
    nodesChanged: (connectionId) => void fleet.refresh(connectionId),
    lab: options.lab ?? null,
    clientDefaults: options.clientDefaults,
    registry: options.providers,
    // A team's consoles keep each account's request limit together through their store.
    requestBudget: (key, rate) =>
      storeBackend?.dialect === 'postgres' ? new SharedRequestBudget(storeBackend, key, rate, options.log) : new RequestBudget(rate.limit, rate.windowMs),
  });
  const fleet = new FleetService({
    connections,
    providerOf: (connectionId) => connections.provider(connectionId),
    bus,
    clock,
    log: options.log,
    pollIntervalMs: options.pollIntervalMs,
    busyPollIntervalMs: options.busyPollIntervalMs,
    cache: new FleetCache(path.join(options.paths.dataDir, 'fleet-cache'), options.log),
    syncChanged: () => announceConnections(),
  });
  const consoles = new ConsoleService({ paths: options.paths, bus, fleet, connections, log: options.log, audit, ...options.console });
  const schemas = new SchemaService({ dataDir: options.paths.dataDir, log: options.log, sources: options.schemaSources });
  const configStore = new ConfigStore();
  const config = new ConfigService({ store: configStore, bus, audit, clock, author: identity.actor, schemas });
  const runbooks = new RunbookService({
    paths: options.paths,
    store: connectionStore,
    secrets: options.secrets,
    consoles,
    config,
    audit,
    labCredential: options.lab ? { username: 'core' } : null,
  });
  // A node's provider, lent to the services that act on nodes: none of them holds the connection service.
  const providerFor: ProviderFor = (node) => connections.provider(node.accountId);
  const journal = new OperationJournal();
  const operations = new OperationsEngine({
    runbooks,
    journal,
    fleet,
    providerFor,
    audit,
    bus,
    log: options.log,
    actor: identity.actor,
    clock,
    outcomeTimeoutMs: options.actionOutcomeTimeoutMs,
    boundary: options.operationBoundary,
    leases,
    console: identity.console,
    driverLeaseMs: options.leaseMs,
  });
  const actions = new ActionService(fleet, operations);
  const done = { done: true as const };
  const topology = new TopologyService(fleet, bus);
  const drift = new DriftService({ fleet, providerFor, config, bus, log: options.log, maxAgeMs: options.driftMaxAgeMs });
  const configApply = new ConfigApply({ config, fleet, actions, drift });
  const reprovision = new Reprovision({ fleet, providerFor, config, drift, engine: operations });
  const runbookPlanner = new RunbookPlanner({ fleet, engine: operations, runbooks });
  const rollback = new Rollback({ fleet, engine: operations, reprovision, runbooks: runbookPlanner, drift });
  const updateServers = new UpdateServers({ paths: options.paths, store: connectionStore, secrets: options.secrets, lab: options.lab?.updates ?? null, audit });
  const updates = new UpdateService({
    servers: updateServers,
    fleet,
    actions,
    audit,
    bus,
    log: options.log,
    pollIntervalMs: options.updatesPollIntervalMs,
    labTimeScale: options.lab?.updates?.timeScale,
  });
  const fleetKeys = () => {
    const nodes = fleet.snapshot().nodes;
    return { nodeIds: new Set(nodes.map((n) => n.id)), tags: new Set(nodes.flatMap((n) => n.tags)) };
  };

  const hostInfo: HostInfo = {
    kind: options.host.kind,
    version: options.host.version,
    capabilities: { nativeDialogs: options.host.nativeDialogs, encryptedSecrets: options.secrets.protection },
    lab: options.lab ? { nodeCount: options.lab.nodeCount, baseUrl: options.lab.baseUrl } : null,
  };

  const desktopUpdates = () => {
    if (!options.updates)
      throw new AppError('unavailable', 'This Ironpane runs from its sources (the web host) and does not update itself: git pull, then npm ci.', {
        retryable: false,
      });
    return options.updates;
  };
  const handlers: Handlers = {
    'app.describeHost': async () => hostInfo,
    'app.updateState': async () => options.updates?.state() ?? noSelfUpdate(options.host.version),
    'app.checkForUpdates': async () => desktopUpdates().check(),
    'app.setUpdateChannel': async ({ channel }) => desktopUpdates().setChannel(channel),
    'app.installUpdate': async () => desktopUpdates().install(),
    'connections.list': async () => connectionList(),
    'connections.kinds': async () => connections.kinds(),
    'connections.add': async (input) => {
      const account = await connections.add(input);
      fleet.syncLoops();
      return withSync(account);
    },
    'connections.remove': async ({ accountId }) => {
      const removed = await connections.remove(accountId);
      fleet.syncLoops();
      return { removed };
    },
    'connections.setCredentials': async ({ accountId, secrets }) => {
      const connection = withSync(await connections.setCredentials(accountId, secrets));
      void fleet.refresh(accountId);
      return connection;
    },
    'connections.setConsoleSettings': async ({ accountId, settings }) => withSync(await connections.setConsoleSettings(accountId, settings)),
    'fleet.snapshot': async () => {
      const snapshot = fleet.snapshotForView();
      return { version: snapshot.version, nodes: fleet.seedPacked(snapshot) ?? packNodes(snapshot.nodes) };
    },
    'fleet.refresh': async () => ({ connections: await fleet.refresh() }),
    'fleet.nodeEvents': async ({ nodeId }) => fleet.nodeEvents(nodeId),
    'actions.power': async ({ nodeId, action }) => actions.power(nodeId, action),
    'actions.bootOverride': async ({ nodeId, target, mode }) => actions.bootOverride(nodeId, { target, mode }),
    'actions.lifecycle': async ({ nodeId, action, reason }) => actions.lifecycle(nodeId, action, reason),
    'actions.powerBulk': async ({ nodeIds, action }) => actions.powerMany(nodeIds, action),
    'operations.leases': async () => leases.views(),
    'store.status': async () => storeBackend?.status() ?? { shared: false, reachable: false, label: '', since: null },
    'store.choice': async () => storeChoice.view(),
    'store.choose': async ({ url, password }) => {
      const chosen = await storeChoice.choose(url, password);
      await audit.append({
        action: 'store.choose',
        target: chosen.chosen ?? '',
        targetName: chosen.chosen ?? '',
        outcome: 'succeeded',
        message: `Chose the team's store ${chosen.chosen} for the next start`,
      });
      return chosen;
    },
    'store.useOwn': async () => {
      const own = await storeChoice.useOwn();
      await audit.append({
        action: 'store.choose',
        target: '',
        targetName: 'this data folder',
        outcome: 'succeeded',
        message: "Chose this data folder's own store for the next start",
      });
      return own;
    },
    'audit.list': async ({ limit, actor }) => audit.list(limit, actor),
    'audit.actors': async () => ({ actors: await audit.actors(), you: identity.actor, console: identity.console }),
    'app.openExternal': async ({ url }) => {
      // Terminal output is untrusted (xterm.js security guide): only https, only in the system browser.
      if (!options.openExternal || new URL(url).protocol !== 'https:') return { opened: false };
      await options.openExternal(url);
      return { opened: true };
    },
    'topology.graph': async () => topology.current(),
    'console.list': async () => consoles.list(),
    'console.open': async ({ nodeId, mode }) => consoles.open(nodeId, mode),
    'console.attach': async ({ sessionId }) => consoles.attach(sessionId),
    'console.write': async ({ sessionId, data }) => (consoles.write(sessionId, data), done),
    'console.ack': async ({ sessionId, bytes }) => (consoles.ack(sessionId, bytes), done),
    'console.sendBreak': async ({ sessionId }) => (await consoles.sendBreak(sessionId), done),
    'console.sysrq': async ({ sessionId, key }) => (await consoles.sysrq(sessionId, key), done),
    'console.syncSize': async ({ sessionId, rows, cols }) => (consoles.syncSize(sessionId, rows, cols), done),
    'console.disconnect': async ({ sessionId }) => consoles.disconnect(sessionId),
    'console.reconnect': async ({ sessionId, mode }) => consoles.reconnect(sessionId, mode),
    'console.close': async ({ sessionId }) => (await consoles.close(sessionId), done),
    'console.setLogging': async ({ sessionId, enabled }) => consoles.setLogging(sessionId, enabled),
    'console.answerHostKey': async ({ promptId, accept }) => (consoles.answer(promptId, accept), done),
    'console.answerAuth': async ({ promptId, responses }) => (consoles.answer(promptId, responses), done),
    'config.profiles': async () => config.profiles(),
    'config.check': async ({ kind, content, talosVersion }) => config.check(kind, content, talosVersion),
    'config.create': async (input) => config.create(input),
    'config.save': async (input) => config.save(input),
    'config.rename': async ({ profileId, name }) => config.rename(profileId, name),
    'config.history': async ({ profileId }) => config.history(profileId),
    'config.revision': async ({ revisionId }) => config.revision(revisionId),
    'config.restore': async ({ revisionId }) => config.restore(revisionId),
    'config.assignments': async () => config.assignments(),
    'config.assign': async (input) => config.assign(input, fleetKeys()),
    'config.unassign': async ({ targetKind, target }) => config.unassign(targetKind, target),
    'config.drift': async () => drift.drift(),
    'config.apply': async ({ profileId, nodeIds }) => configApply.apply(profileId, nodeIds),
    'config.preview': async ({ profileId, nodeId }) => configApply.preview(profileId, nodeId),
    'config.complete': async ({ kind, content, offset, talosVersion }) => schemas.complete(kind, content, offset, talosVersion),
    'config.hover': async ({ kind, content, offset, talosVersion }) => schemas.hover(kind, content, offset, talosVersion),
    'config.setTalosVersion': async ({ profileId, version }) => config.setTalosVersion(profileId, version),
    'config.schemas': async () => schemas.status(),
    'config.setSchemaSource': async ({ kind, source }) => schemas.setSource(kind, source),
    'config.refreshSchema': async ({ kind }) => schemas.refresh(kind),
    'config.appliedDiff': async ({ nodeId }) => configApply.appliedDiff(nodeId),
    'updates.servers': async () => updates.servers(),
    'updates.addServer': async (input) => {
      const server = await updateServers.add(input);
      await updates.syncAll(true);
      bus.emit('updates.serversChanged', updates.servers());
      return updates.servers().find((s) => s.id === server.id)!;
    },
    'updates.removeServer': async ({ serverId }) => {
      const removed = await updateServers.remove(serverId);
      await updates.syncAll();
      bus.emit('updates.serversChanged', updates.servers());
      return { removed };
    },
    'updates.nodes': async () => updates.nodes(),
    'updates.nodeHistory': async ({ nodeId }) => updates.nodeHistory(nodeId),
    'updates.groups': async () => updates.groups(),
    'updates.groupDetail': async ({ serverId, groupId, duration }) => updates.groupDetail(serverId, groupId, duration),
    'updates.instances': async ({ serverId, groupId, ...query }) => updates.instances(serverId, groupId, query),
    'updates.packages': async ({ serverId }) => updates.packages(serverId),
    'updates.setPolicy': async ({ serverId, groupId, policy }) => updates.setPolicy(serverId, groupId, policy),
    'updates.setUpdatesEnabled': async ({ serverId, groupId, enabled }) => updates.setUpdatesEnabled(serverId, groupId, enabled),
    'updates.promote': async ({ serverId, groupId, packageId }) => updates.promote(serverId, groupId, packageId),
    'updates.rebootPending': async ({ serverId, groupId }) => updates.rebootPending(serverId, groupId),
    'actions.reprovisionOptions': async ({ nodeId }) => reprovision.options(nodeId),
    'actions.reprovisionPreview': async (input) => reprovision.preview(input),
    'actions.reprovision': async (input) => reprovision.start(input),
    'actions.reprovisionBulk': async (input) => reprovision.startBulk(input),
    'operations.control': async ({ operationId, action }) => operations.control(operationId, action),
    'operations.list': async ({ limit }) => operations.list(limit),
    'operations.get': async ({ operationId }) => operations.detail(operationId),
    'operations.retryFailed': async ({ operationId }) => operations.retryFailed(operationId),
    'operations.transcript': async ({ stepId }) => operations.transcript(stepId),
    'actions.rollbackOptions': async ({ nodeId }) => rollback.options(nodeId),
    'actions.rollback': async ({ nodeId, kind }) => rollback.start(nodeId, kind),
    'runbooks.list': async () => runbooks.list(),
    'runbooks.run': async (input) => runbookPlanner.start(input),
    'runbooks.credentials': async () => runbooks.credentials(),
    'runbooks.setCredential': async (input) => runbooks.setCredential(input),
    'runbooks.deleteCredential': async ({ name }) => runbooks.deleteCredential(name),
  };

  return {
    router: createRouter(handlers, options.log),
    bus,
    fleet,
    connections,
    consoles,
    async start() {
      // IRONPANE_STORE, else the team's store chosen on the Connections screen, else the folder's own.
      const location = storeLocationFromEnv(await storeChoice.connectionString(), path.join(options.paths.dataDir, 'ironpane.db'));
      // The desk's own store shares the embedded database's connection (store-backend.ts says why).
      storeBackend = await openStoreBackend('sqliteFile' in location ? { ...location, database } : location);
      const backend = storeBackend;
      if ('postgresUrl' in location) {
        // A team's connections: this console's own join the team's list, which is mirrored here
        // before anything reads it, and read again whenever another console changes it.
        const shared = new SharedConnections(backend, connectionStore);
        await shared.join();
        connectionStore.onWrite = (cls, id, row) =>
          void shared.write(cls, id, row).catch((error: unknown) => options.log.warn('could not write a connection to the shared store', { cause: error }));
        unlistenConnections = shared.listen(() => void teamConnectionsChanged(shared));
        backend.onReconnect(() => void teamConnectionsChanged(shared));
      }
      await connections.load();
      // Console credentials from an earlier version's file, into the store before anything logs in with one.
      await runbooks.credentials();
      leases.open(storeBackend);
      journal.open(storeBackend);
      configStore.open(storeBackend);
      unlistenConfig = config.listen();
      storeBackend.onStatus((status) => {
        bus.emit('store.statusChanged', status);
        if (status.reachable) options.log.info('the shared store answers again', { store: status.label });
        else options.log.warn('the shared store stopped answering', { store: status.label });
      });
      // An earlier version's audit.jsonl moves into the desk's own store (never into a team's: the
      // copy command does that, saying what it copied).
      const moved = await audit.open(new AuditStore(storeBackend), { legacyFolder: 'sqliteFile' in location ? options.paths.dataDir : undefined });
      if (moved.imported > 0) options.log.info('moved the earlier audit.jsonl into the store', { rows: moved.imported });
      if (moved.notImported) options.log.warn('left the earlier audit.jsonl where it is', { reason: moved.notImported });
      await schemas.load();
      if (options.lab?.starterConfigs) await config.seed(options.lab.starterConfigs, 'ironpane lab');
      await updateServers.load();
      fleet.start();
      updates.start(fleet.firstSyncStarted());
      // Unfinished steps from a previous run: after the first sync, so each node is looked at first.
      void fleet
        .firstSyncs()
        .then(() => operations.recover())
        .catch((error: unknown) => options.log.error('could not resume unfinished operations', { cause: error }));
    },
    busy() {
      return { runningOperations: operations.runningCount(), loggingConsoles: consoles.list().filter((c) => c.logging && c.status !== 'closed').length };
    },
    stop() {
      operations.stop();
      fleet.stop();
      updates.stop();
      consoles.stop();
      // Redfish sessions are logged out (BMCs allow only a few), file watchers closed.
      void connections.close();
      drift.stop();
      topology.stop();
      audit.close();
      leases.close();
      unlistenConfig?.();
      unlistenConnections?.();
      void storeBackend?.close();
      database.close();
    },
  };
}

function noSelfUpdate(version: string): UpdateState {
  return {
    status: 'unsupported',
    channel: 'stable',
    currentVersion: version,
    version: null,
    progress: null,
    error: null,
    restartBlockedReason: null,
    checkedAt: null,
  };
}
