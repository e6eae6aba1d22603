/**
 * OS update state and rollouts (docs/architecture.md#os-updates). Polls every update server
 * (Nebraska, the lab's included) for groups, channels, packages and instances; joins instances to
 * fleet nodes; emits per-node update state as patches; and changes groups (policy, pause/resume,
 * promote) through the Nebraska client, auditing each change. A rollout guard pauses a group the
 * moment one of its nodes fails during a rollout, so nothing retries into a broken release
 * (Omni #1552 is the failure it prevents); an operator resumes it.
 */
import { AppError, isAppError, type AppErrorData } from '../../../shared/errors';
import type { FleetNode, NodeUpdate, UpdateGroup, UpdateGroupDetail, UpdateHistoryEntry, UpdatePackage, UpdateServer } from '../../../shared/model';
import type { EventPayload } from '../../../shared/contract';
import {
  INSTANCE_STATUS,
  compareVersions,
  instanceStatusName,
  intervalMs,
  isRollback,
  type InstanceStatusName,
  type RolloutPolicy,
} from '../../../shared/updates/nebraska-rules';
import { failedUsrSlot } from '../../../shared/updates/alarms';
import type { EventBus } from '../../rpc/event-bus';
import type { ActionService } from '../actions/action-service';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';
import type { Logger } from '../ports';
import type { Duration } from '../providers/nebraska/nebraska-client';
import type { GroupWire, InstanceWire } from '../providers/nebraska/wire';
import { FULL_SYNC_COST_FACTOR } from '../fleet/fleet-service';
import { indexNodes, joinInstances, type MatchedBy, type NodeIndex } from './join-instances';
import type { UpdateServers } from './update-servers';
import { RolloutChanges, type RolloutState } from './rollout-changes';
import type { ServerState } from './server-state';
import { emptyStatusCounts, UpdateViews } from './update-views';
import { readInstances } from './instance-reads';
import { groupConfig, policyOf } from './group-config';

export interface UpdateServiceOptions {
  servers: UpdateServers;
  fleet: FleetService;
  actions: ActionService;
  audit: AuditLog;
  bus: EventBus;
  log: Logger;
  pollIntervalMs?: number;
  /** How often a real (non-lab) update server is read at most (default 15 s; between full lists a read is what changed, instance-reads.ts). */
  remotePollIntervalMs?: number;
  /** The lab runs policy periods on a compressed clock; ETAs for its groups use the same scale. */
  labTimeScale?: number;
}

const MAX_HISTORY_READS_PER_SYNC = 200;

/** What joining an instance to a node reads of it (join-instances.ts). */
const identityOf = (node: FleetNode) => `${node.deviceId}\u0000${node.hostname}\u0000${node.ips.map((ip) => ip.address).join(',')}`;

export class UpdateService {
  private readonly state = new Map<string, ServerState>();
  private nodeUpdates = new Map<string, NodeUpdate>();
  private readonly paused = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private readonly detachBus: () => void;
  private stopped = false;
  private groupsKey = new Map<string, string>();

  private readonly changes: RolloutChanges;
  private readonly views: UpdateViews;

  constructor(private readonly options: UpdateServiceOptions) {
    this.views = new UpdateViews({
      servers: options.servers,
      fleet: options.fleet,
      state: {
        server: (serverId) => this.state.get(serverId),
        findGroup: (serverId, groupId) => this.findGroup(serverId, groupId),
        summaryOf: (serverId, groupId) => this.summaryOf(serverId, groupId),
        timeScaleOf: (serverId) => this.timeScaleOf(serverId),
        nodeUpdate: (nodeId) => this.nodeUpdates.get(nodeId),
      },
    });
    this.changes = new RolloutChanges({
      servers: options.servers,
      audit: options.audit,
      bus: options.bus,
      fleet: options.fleet,
      actions: options.actions,
      state: this.rolloutState(),
    });
    // A node joining or leaving the fleet can change which instances match: rejoin on the next sync.
    this.detachBus = options.bus.on((event, payload) => {
      if (event !== 'fleet.changed') return;
      const patch = payload as EventPayload<'fleet.changed'>;
      // Only what a join reads makes the index stale: a node's device id, hostname or addresses.
      for (const node of patch.upserts) {
        const identity = identityOf(node);
        if (this.identities.get(node.id) === identity) continue;
        this.identities.set(node.id, identity);
        this.indexStale = true;
      }
      for (const id of patch.removed) this.identities.delete(id);
      if (patch.removed.length > 0) {
        this.indexStale = true;
        this.rejoinAll();
      }
    });
  }

  /**
   * Starts the rounds once `after` settles: compose passes the fleet's first sync starting, so at a
   * restart the window takes the cached fleet before a 50,000-instance join competes with it.
   */
  start(after: Promise<void> = Promise.resolve()): void {
    const loop = async () => {
      const started = Date.now();
      // A failed round is logged and the next one still comes: polling must never stop silently.
      await this.syncAll().catch((error: unknown) => this.options.log.error('update servers sync round failed', { cause: error }));
      if (this.stopped) return;
      // As the fleet's polls: the next round waits 19 times what this one cost, so a 20,000-instance
      // update server beside a 50,000-node fleet costs main at most 5 % of a core.
      const cost = Date.now() - started;
      this.timer = setTimeout(() => void loop(), Math.max(this.options.pollIntervalMs ?? 4_000, FULL_SYNC_COST_FACTOR * cost));
      this.timer.unref?.();
    };
    void after.then(() => {
      if (!this.stopped) void loop();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.detachBus();
  }

  servers(): UpdateServer[] {
    return this.options.servers.all().map((s) => {
      const st = this.state.get(s.id);
      return {
        id: s.id,
        name: s.name,
        kind: s.kind,
        baseUrl: s.baseUrl,
        app: s.app,
        hasCredential: s.hasToken,
        sync: st?.sync ?? { status: 'connecting', lastSyncAt: null, instanceCount: 0, matchedCount: 0, error: null },
        unmatched: st?.unmatched ?? [],
      };
    });
  }

  nodes(): NodeUpdate[] {
    return [...this.nodeUpdates.values()];
  }

  /** Syncs every server now (one at a time; a second caller waits for the running sync). */
  async syncAll(force = false): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      let synced = false;
      for (const server of this.options.servers.all()) {
        const last = this.state.get(server.id)?.sync.lastSyncAt;
        const due = server.kind === 'lab' || !last || Date.now() - Date.parse(last) >= (this.options.remotePollIntervalMs ?? 15_000) - 50;
        if (due || force) {
          await this.syncServer(server.id);
          synced = true;
        }
      }
      // Nodes join the fleet between syncs too; a sync has already rejoined them.
      if (!synced) this.rejoinAll();
    })().finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async syncServer(serverId: string): Promise<void> {
    const previous = this.state.get(serverId);
    const st: ServerState = previous ?? {
      groups: [],
      channels: [],
      packages: [],
      instances: new Map(),
      readMark: null,
      lastRead: null,
      lastStatus: new Map(),
      rolledBack: new Map(),
      observedRollbacks: new Set(),
      sync: { status: 'connecting', lastSyncAt: null, instanceCount: 0, matchedCount: 0, error: null },
      unmatched: [],
      nodeOf: new Map(),
    };
    this.state.set(serverId, st);
    const before = JSON.stringify(st.sync.status) + (st.sync.error?.message ?? '');
    try {
      const client = await this.options.servers.client(serverId);
      // One sync, one request budget: the three listings, each group's instances, the status
      // histories readRollbacks may read and a margin; page counts are added as the server states them.
      await client.sync(3 + MAX_HISTORY_READS_PER_SYNC + 16, async () => {
        const [groups, channels, packages] = await Promise.all([client.groups(), client.channels(), client.packages()]);
        const read = await readInstances(client, groups, st.instances, st.readMark, Date.now());
        st.groups = groups;
        st.channels = channels;
        st.packages = packages;
        st.instances = read.instances;
        st.readMark = read.mark;
        st.lastRead = { kind: read.kind, fetched: read.fetched };
        await this.readRollbacks(serverId, st);
      });
      // Nodes show a rollback before the group shows the pause it causes: a reader never sees the
      // reason without the node it names.
      this.rejoinAll();
      // A node that showed its fall-back changes its own update state too.
      if (await this.guard(serverId, st)) this.rejoinAll();
      st.sync = { ...st.sync, status: 'ok', lastSyncAt: new Date().toISOString(), error: null };
    } catch (error) {
      const data: AppErrorData = isAppError(error)
        ? error.toData()
        : { code: 'internal', message: 'Reading the update server failed; see the log.', retryable: true };
      if (!isAppError(error)) this.options.log.error('update server sync failed', { serverId, cause: error });
      st.sync = { ...st.sync, status: 'error', error: data };
    }
    if (JSON.stringify(st.sync.status) + (st.sync.error?.message ?? '') !== before) this.options.bus.emit('updates.serversChanged', this.servers());
    const key = JSON.stringify(this.groupsOf(serverId));
    if (this.groupsKey.get(serverId) !== key) {
      this.groupsKey.set(serverId, key);
      this.options.bus.emit('updates.groupsChanged', { serverId });
    }
  }

  /** An error status is a rollback when the newest history entry carries update_engine's code 44. */
  private async readRollbacks(serverId: string, st: ServerState): Promise<void> {
    const client = await this.options.servers.client(serverId);
    // A fleet-wide failure must not turn one poll into thousands of requests: the rest are read next time.
    let budget = MAX_HISTORY_READS_PER_SYNC;
    for (const [groupId, list] of st.instances) {
      for (const i of list) {
        const app = i.application;
        if (!app || app.status !== INSTANCE_STATUS.error) {
          st.rolledBack.delete(i.id);
          continue;
        }
        const key = `${app.status}@${app.last_check_for_updates}`;
        if (st.rolledBack.get(i.id)?.key === key) continue;
        if (budget-- <= 0) return;
        const history = await client.statusHistory(groupId, i.id, 5).catch(() => []);
        st.rolledBack.set(i.id, {
          key,
          rolledBack: isRollback(history),
          errorCode: history.find((h) => h.status === INSTANCE_STATUS.error)?.errorCode ?? null,
        });
      }
    }
  }

  /**
   * Pauses a group when a node in it fails during a rollout; audited, resumed only by a person. When
   * the server itself disabled the group (Nebraska does when the first attempt fails), Ironpane
   * records why instead of changing anything.
   */
  private async guard(serverId: string, st: ServerState): Promise<boolean> {
    const observedBefore = [...st.observedRollbacks].join();
    for (const group of st.groups) {
      const target = group.channel?.package?.version ?? null;
      for (const i of st.instances.get(group.id) ?? []) {
        const status = i.application?.status ?? INSTANCE_STATUS.undefined;
        const was = st.lastStatus.get(i.id);
        st.lastStatus.set(i.id, status);
        const nodeId = st.nodeOf.get(i.id);
        const node = nodeId ? this.options.fleet.snapshotNode(nodeId) : undefined;
        const name = node?.hostname ?? (i.alias || i.id);
        // The node's own report shows a fall-back at once; the server hears of it (error 44) only at
        // update_engine's next check, minutes later, during which the canary looked "waiting for reboot".
        const failed = failedUsrSlot(node?.osState);
        if (target && failed?.version === target) {
          if (st.observedRollbacks.has(i.id)) continue;
          st.observedRollbacks.add(i.id);
          await this.pauseGroup(serverId, group, `${name} failed its update to ${target} and rolled back to its old slot (error 44)`);
          continue;
        }
        st.observedRollbacks.delete(i.id);
        if (was === undefined || was === status || status !== INSTANCE_STATUS.error) continue;
        const rollback = st.rolledBack.get(i.id)?.rolledBack;
        const version = i.application?.last_update_version || target;
        await this.pauseGroup(
          serverId,
          group,
          `${name} failed its update${version ? ` to ${version}` : ''}${rollback ? ' and rolled back to its old slot (error 44)' : ''}`,
        );
      }
    }
    return [...st.observedRollbacks].join() !== observedBefore;
  }

  /** Pauses a group on the server, audited; when the server already disabled it, records why. */
  private async pauseGroup(serverId: string, group: GroupWire, reason: string): Promise<void> {
    const key = `${serverId}:${group.id}`;
    if (!group.policy_updates_enabled) {
      if (!this.paused.has(key)) {
        this.paused.set(key, `${reason}; the update server disabled updates`);
        await this.options.audit.append({
          action: 'updates.rolloutFailed',
          target: key,
          targetName: group.name,
          outcome: 'failed',
          message: `The update server disabled updates: ${reason}`,
        });
      }
      return;
    }
    try {
      const client = await this.options.servers.client(serverId);
      const updated = await client.updateGroup(group.id, { ...groupConfig(group), policy_updates_enabled: false });
      Object.assign(group, updated);
      this.paused.set(key, reason);
      await this.options.audit.append({
        action: 'updates.pause',
        target: key,
        targetName: group.name,
        outcome: 'succeeded',
        message: `Rollout paused by Ironpane: ${reason}`,
      });
    } catch (error) {
      this.options.log.error('could not pause a failing rollout', { serverId, groupId: group.id, cause: error });
    }
  }

  /** Rebuilds each node's update state from the latest server snapshots and emits what changed. */
  /**
   * The fleet's join index, rebuilt only when a node's identity moved (identityOf): at 50,000 nodes
   * a rebuild costs 350 ms, and the fleet's version moves with every power change.
   */
  private nodeIndex: NodeIndex | null = null;
  private indexStale = true;
  private readonly identities = new Map<string, string>();

  private rejoinAll(): void {
    if (!this.nodeIndex || this.indexStale) {
      this.nodeIndex = indexNodes(this.options.fleet.snapshot().nodes);
      this.indexStale = false;
    }
    const nodes = this.nodeIndex;
    const next = new Map<string, NodeUpdate>();
    for (const server of this.options.servers.all()) {
      const st = this.state.get(server.id);
      if (!st) continue;
      const all: { instance: InstanceWire; group: GroupWire }[] = [];
      for (const group of st.groups) for (const instance of st.instances.get(group.id) ?? []) all.push({ instance, group });
      const matches = joinInstances(
        nodes,
        all.map(({ instance }) => ({ id: instance.id, alias: instance.alias ?? '', ip: instance.ip })),
      );
      const unmatched: UpdateServer['unmatched'] = [];
      for (const { instance, group } of all) {
        const match = matches.get(instance.id);
        const app = instance.application;
        if (!match) {
          if (unmatched.length < 50)
            unmatched.push({ instanceId: instance.id, alias: instance.alias ?? '', ip: instance.ip, version: app?.version ?? '', groupName: group.name });
          continue;
        }
        const read = st.rolledBack.get(instance.id);
        // What the node shows of itself counts before the server hears of it.
        const rb = st.observedRollbacks.has(instance.id) ? { rolledBack: true, errorCode: read?.errorCode ?? '44' } : read;
        next.set(match.nodeId, this.nodeUpdate(server.id, match.nodeId, match.matchedBy, instance, group, rb));
      }
      const matchedCount = matches.size;
      st.nodeOf = new Map([...matches].map(([instanceId, m]) => [instanceId, m.nodeId]));
      const changed = st.sync.instanceCount !== all.length || st.sync.matchedCount !== matchedCount || st.unmatched.length !== unmatched.length;
      st.sync = { ...st.sync, instanceCount: all.length, matchedCount };
      st.unmatched = unmatched;
      if (changed) this.options.bus.emit('updates.serversChanged', this.servers());
    }
    const upserts: NodeUpdate[] = [];
    for (const [nodeId, update] of next) {
      const prev = this.nodeUpdates.get(nodeId);
      if (!prev || JSON.stringify(prev) !== JSON.stringify(update)) upserts.push(update);
    }
    const removed = [...this.nodeUpdates.keys()].filter((id) => !next.has(id));
    this.nodeUpdates = next;
    if (upserts.length > 0 || removed.length > 0) {
      this.options.bus.emit('updates.changed', { upserts, removed });
    }
  }

  private nodeUpdate(
    serverId: string,
    nodeId: string,
    matchedBy: MatchedBy,
    instance: InstanceWire,
    group: GroupWire,
    rb: { rolledBack: boolean; errorCode: string | null } | undefined,
  ): NodeUpdate {
    const app = instance.application;
    const channel = group.channel ?? null;
    return {
      nodeId,
      serverId,
      instanceId: instance.id,
      matchedBy,
      groupId: group.id,
      groupName: group.name,
      channel: channel?.name ?? null,
      targetVersion: channel?.package?.version ?? null,
      status: instanceStatusName(app?.status ?? 1),
      version: app?.version ?? '',
      lastCheckIn: app?.last_check_for_updates ?? null,
      lastUpdateVersion: app?.last_update_version || null,
      updateInProgress: app?.update_in_progress ?? false,
      lastErrorCode: rb?.errorCode ?? null,
      rolledBack: rb?.rolledBack ?? false,
    };
  }

  // ---- groups ---------------------------------------------------------------------------------

  groups(): UpdateGroup[] {
    return this.options.servers.all().flatMap((s) => this.groupsOf(s.id));
  }

  private groupsOf(serverId: string): UpdateGroup[] {
    const st = this.state.get(serverId);
    if (!st) return [];
    const serverName = this.options.servers.get(serverId).name;
    return st.groups.map((g) => this.summarise(serverId, serverName, g, st.instances.get(g.id) ?? []));
  }

  private summarise(serverId: string, serverName: string, g: GroupWire, instances: InstanceWire[]): UpdateGroup {
    const counts = emptyStatusCounts();
    const target = g.channel?.package?.version ?? null;
    let done = 0;
    let attempted = 0;
    const observed = this.state.get(serverId)?.observedRollbacks;
    // A fleet runs a handful of versions: each compared with the target once, not once per instance
    // (50,000 comparisons held main for 0.4 s).
    const reached = new Map<string, boolean>();
    const reachedTarget = (version: string) => {
      let at = reached.get(version);
      if (at === undefined) reached.set(version, (at = compareVersions(version, target!) >= 0));
      return at;
    };
    for (const i of instances) {
      // A node that shows it fell back counts as failed, whatever the server still says of it.
      counts[observed?.has(i.id) ? 'error' : instanceStatusName(i.application?.status ?? 1)] += 1;
      if (target && i.application && reachedTarget(i.application.version)) done += 1;
      if (target && i.application && !i.application.update_in_progress && i.application.last_update_version === target) attempted += 1;
    }
    const policy = policyOf(g);
    const remaining = instances.length - done;
    const perPeriod = Math.max(1, policy.maxUpdatesPerPeriod);
    const scale = this.timeScaleOf(serverId);
    const period = (intervalMs(policy.periodInterval) ?? 3_600_000) * scale;
    return {
      serverId,
      serverName,
      id: g.id,
      name: g.name,
      description: g.description,
      track: g.track,
      channelId: g.channel_id || null,
      channelName: g.channel?.name ?? null,
      targetVersion: target,
      policy,
      rolloutInProgress: g.rollout_in_progress,
      total: instances.length,
      counts,
      rollout: {
        done,
        inProgress: counts.updateGranted + counts.downloading + counts.downloaded,
        waitingReboot: counts.installed,
        failed: counts.error,
        remaining,
        etaMs: policy.updatesEnabled && remaining > 0 ? Math.ceil(remaining / perPeriod) * period : null,
        pausedReason: !policy.updatesEnabled ? (this.paused.get(`${serverId}:${g.id}`) ?? null) : null,
        // As Nebraska decides: safe mode holds the max at one until a node attempted the target.
        phase: remaining === 0 ? 'done' : !policy.updatesEnabled ? 'paused' : !target ? 'idle' : policy.safeMode && attempted === 0 ? 'canary' : 'batches',
      },
    };
  }

  /** The lab runs policy periods and chart windows on its compressed clock; real servers on the wall clock. */
  private timeScaleOf(serverId: string): number {
    return this.options.servers.get(serverId).kind === 'lab' ? (this.options.labTimeScale ?? 1) : 1;
  }

  private findGroup(serverId: string, groupId: string): GroupWire {
    const group = this.state.get(serverId)?.groups.find((g) => g.id === groupId);
    if (!group) throw new AppError('not_found', 'That update group is not on the server any more; refresh the Rollouts screen.');
    return group;
  }

  private summaryOf(serverId: string, groupId: string): UpdateGroup {
    const found = this.groupsOf(serverId).find((g) => g.id === groupId);
    if (!found) throw new AppError('not_found', 'That update group is not on the server any more.');
    return found;
  }

  // ---- read models (update-views.ts reads them; these are the service's face) --------------------

  groupDetail(serverId: string, groupId: string, duration: Duration): Promise<UpdateGroupDetail> {
    return this.views.groupDetail(serverId, groupId, duration);
  }

  /** A window of a group's instances, searched by hostname, alias, address or id (Nebraska #351). */
  instances(serverId: string, groupId: string, query: { search: string; status: InstanceStatusName | null; offset: number; limit: number }) {
    return this.views.instances(serverId, groupId, query);
  }

  packages(serverId: string): UpdatePackage[] {
    return this.views.packages(serverId);
  }

  nodeHistory(nodeId: string): Promise<UpdateHistoryEntry[]> {
    return this.views.nodeHistory(nodeId);
  }

  // ---- changes (rollout-changes.ts does them; these are the service's face) -----------------------

  setPolicy(serverId: string, groupId: string, policy: RolloutPolicy): Promise<UpdateGroup> {
    return this.changes.setPolicy(serverId, groupId, policy);
  }

  setUpdatesEnabled(serverId: string, groupId: string, enabled: boolean): Promise<UpdateGroup> {
    return this.changes.setUpdatesEnabled(serverId, groupId, enabled);
  }

  promote(serverId: string, groupId: string, packageId: string): Promise<UpdateGroup> {
    return this.changes.promote(serverId, groupId, packageId);
  }

  rebootPending(serverId: string, groupId: string) {
    return this.changes.rebootPending(serverId, groupId);
  }

  /** What the changes read and touch of the synced state (rollout-changes.ts). */
  private rolloutState(): RolloutState {
    return {
      findGroup: (serverId, groupId) => this.findGroup(serverId, groupId),
      summaryOf: (serverId, groupId) => this.summaryOf(serverId, groupId),
      catalogue: (serverId) => {
        const st = this.state.get(serverId)!;
        return { channels: st.channels, packages: st.packages, groups: st.groups };
      },
      waitingForReboot: (serverId, groupId) =>
        [...this.nodeUpdates.values()].filter((u) => u.serverId === serverId && u.groupId === groupId && u.status === 'installed'),
      clearPause: (serverId, groupId) => void this.paused.delete(`${serverId}:${groupId}`),
      resync: () => void this.syncAll(true),
    };
  }
}
