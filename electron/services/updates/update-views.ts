/**
 * What the window reads of an update server beyond the groups list: a group's detail (version
 * breakdown, status and version timelines, activity with hostnames), its instances (searched,
 * filtered, a window at a time), the packages, and a node's update history. Read from the synced
 * state and the server; nothing here changes anything.
 */
import { AppError } from '../../../shared/errors';
import type { NodeUpdate, UpdateActivity, UpdateGroup, UpdateGroupDetail, UpdateHistoryEntry, UpdateInstanceRow, UpdatePackage } from '../../../shared/model';
import {
  ACTIVITY_CLASS,
  ACTIVITY_SEVERITY,
  INSTANCE_STATUS_NAMES,
  compareVersions,
  instanceStatusName,
  type InstanceStatusName,
} from '../../../shared/updates/nebraska-rules';
import type { FleetService } from '../fleet/fleet-service';
import type { Duration } from '../providers/nebraska/nebraska-client';
import type { GroupWire } from '../providers/nebraska/wire';
import type { ServerState } from './server-state';
import type { UpdateServers } from './update-servers';

/** A count of zero for every instance status, to add to. */
export const emptyStatusCounts = () => Object.fromEntries(INSTANCE_STATUS_NAMES.map((n) => [n, 0])) as Record<InstanceStatusName, number>;
const CLASS_NAMES = Object.fromEntries(Object.entries(ACTIVITY_CLASS).map(([k, v]) => [v, k])) as Record<number, UpdateActivity['kind']>;
const SEVERITY_NAMES = Object.fromEntries(Object.entries(ACTIVITY_SEVERITY).map(([k, v]) => [v, k])) as Record<number, UpdateActivity['severity']>;

/** What the read models see of the update service's synced state. */
export interface SyncedUpdates {
  server(serverId: string): ServerState | undefined;
  findGroup(serverId: string, groupId: string): GroupWire;
  summaryOf(serverId: string, groupId: string): UpdateGroup;
  timeScaleOf(serverId: string): number;
  nodeUpdate(nodeId: string): NodeUpdate | undefined;
}

export class UpdateViews {
  constructor(private readonly deps: { servers: UpdateServers; fleet: FleetService; state: SyncedUpdates }) {}

  async groupDetail(serverId: string, groupId: string, duration: Duration): Promise<UpdateGroupDetail> {
    this.deps.state.findGroup(serverId, groupId);
    const client = await this.deps.servers.client(serverId);
    const windowMs = { '1h': 3_600_000, '1d': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 }[duration];
    const scale = this.deps.state.timeScaleOf(serverId);
    const end = new Date();
    const start = new Date(end.getTime() - windowMs * scale);
    const [breakdown, statusTimeline, versionTimeline, activity] = await Promise.all([
      client.versionBreakdown(groupId),
      client.statusTimeline(groupId, duration),
      client.versionTimeline(groupId, duration),
      client.activity({ start: start.toISOString(), end: end.toISOString(), groupID: groupId, perpage: 100 }),
    ]);
    const hostnames = this.hostnames(serverId);
    return {
      group: this.deps.state.summaryOf(serverId, groupId),
      breakdown: breakdown.map((b) => ({ version: b.version, instances: b.instances ?? 0, percentage: b.percentage })),
      statusTimeline: Object.entries(statusTimeline)
        .map(([at, byStatus]) => {
          const counts = emptyStatusCounts();
          for (const [code, byVersion] of Object.entries(byStatus))
            counts[instanceStatusName(Number(code))] += Object.values(byVersion).reduce((a, b) => a + b, 0);
          return { at: Date.parse(at), counts };
        })
        .sort((a, b) => a.at - b.at),
      versionTimeline: Object.entries(versionTimeline)
        .map(([at, counts]) => ({ at: Date.parse(at), counts }))
        .sort((a, b) => a.at - b.at),
      activity: activity.activities.map((a) => ({
        id: a.id,
        at: a.created_ts,
        kind: CLASS_NAMES[a.class] ?? 'other',
        severity: SEVERITY_NAMES[a.severity] ?? 'info',
        version: a.version,
        groupName: a.group_name ?? '',
        instanceId: a.instance_id ?? '',
        hostname: a.instance_id ? (hostnames.get(a.instance_id) ?? null) : null,
      })),
    };
  }

  private hostnames(serverId: string): Map<string, string> {
    const nodeOf = this.deps.state.server(serverId)?.nodeOf ?? new Map<string, string>();
    const out = new Map<string, string>();
    for (const [instanceId, nodeId] of nodeOf) {
      const node = this.deps.fleet.snapshotNode(nodeId);
      if (node) out.set(instanceId, node.hostname);
    }
    return out;
  }

  /** A window of a group's instances, searched by hostname, alias, address or id (Nebraska #351). */
  instances(
    serverId: string,
    groupId: string,
    query: { search: string; status: InstanceStatusName | null; offset: number; limit: number },
  ): { total: number; rows: UpdateInstanceRow[] } {
    this.deps.state.findGroup(serverId, groupId);
    const st = this.deps.state.server(serverId);
    const instances = st?.instances.get(groupId) ?? [];
    const needle = query.search.trim().toLowerCase();
    const rows: UpdateInstanceRow[] = [];
    for (const i of instances) {
      const nodeId = st?.nodeOf.get(i.id);
      const node = nodeId ? (this.deps.fleet.snapshotNode(nodeId) ?? null) : null;
      const status = instanceStatusName(i.application?.status ?? 1);
      if (query.status && status !== query.status) continue;
      if (needle && ![i.id, i.alias ?? '', i.ip, node?.hostname ?? '', i.application?.version ?? ''].some((f) => f.toLowerCase().includes(needle))) continue;
      rows.push({
        instanceId: i.id,
        alias: i.alias ?? '',
        ip: i.ip,
        version: i.application?.version ?? '',
        status,
        lastCheckIn: i.application?.last_check_for_updates ?? i.created_ts,
        nodeId: node?.id ?? null,
        hostname: node?.hostname ?? null,
      });
    }
    rows.sort((a, b) => (a.hostname ?? a.alias).localeCompare(b.hostname ?? b.alias));
    return { total: rows.length, rows: rows.slice(query.offset, query.offset + query.limit) };
  }

  packages(serverId: string): UpdatePackage[] {
    const st = this.deps.state.server(serverId);
    if (!st) throw new AppError('unavailable', 'The update server has not answered yet; wait a moment and retry.');
    return [...st.packages]
      .sort((a, b) => compareVersions(b.version, a.version))
      .map((p) => ({
        id: p.id,
        version: p.version,
        createdAt: p.created_ts,
        size: Number(p.size) || 0,
        channels: st.channels.filter((c) => c.package_id === p.id).map((c) => c.name),
      }));
  }

  async nodeHistory(nodeId: string): Promise<UpdateHistoryEntry[]> {
    const update = this.deps.state.nodeUpdate(nodeId);
    if (!update) return [];
    const client = await this.deps.servers.client(update.serverId);
    const entries = await client.statusHistory(update.groupId, update.instanceId, 30);
    return entries.map((e) => ({ status: instanceStatusName(e.status), version: e.version, at: e.createdTs, errorCode: e.errorCode }));
  }
}
