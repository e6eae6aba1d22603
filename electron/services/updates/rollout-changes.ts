/**
 * The changes an operator makes to a rollout: a group's policy, pausing or resuming its updates,
 * promoting a package on its channel, and rebooting a policy-sized batch of the nodes that wait for a
 * reboot. Each is audited with its outcome; what they read is the update service's synced state.
 */
import { AppError, isAppError, type AppErrorData } from '../../../shared/errors';
import type { NodeUpdate, UpdateGroup } from '../../../shared/model';
import { compareVersions, policyProblems, type RolloutPolicy } from '../../../shared/updates/nebraska-rules';
import type { EventBus } from '../../rpc/event-bus';
import type { ActionService } from '../actions/action-service';
import type { AuditLog } from '../audit/audit-log';
import type { FleetService } from '../fleet/fleet-service';
import type { ChannelWire, GroupWire, PackageWire } from '../providers/nebraska/wire';
import { describePolicy, groupConfig, policyConfig } from './group-config';
import type { UpdateServers } from './update-servers';

/** What the changes read and touch of the update service's synced state. */
export interface RolloutState {
  findGroup(serverId: string, groupId: string): GroupWire;
  summaryOf(serverId: string, groupId: string): UpdateGroup;
  catalogue(serverId: string): { channels: ChannelWire[]; packages: PackageWire[]; groups: GroupWire[] };
  waitingForReboot(serverId: string, groupId: string): NodeUpdate[];
  /** An operator's resume lifts Ironpane's own pause reason. */
  clearPause(serverId: string, groupId: string): void;
  /** Read the servers again now, so the window shows the change's effect. */
  resync(): void;
}

export class RolloutChanges {
  constructor(
    private readonly deps: { servers: UpdateServers; audit: AuditLog; bus: EventBus; fleet: FleetService; actions: ActionService; state: RolloutState },
  ) {}

  async setPolicy(serverId: string, groupId: string, policy: RolloutPolicy): Promise<UpdateGroup> {
    const problems = policyProblems(policy);
    if (problems.length > 0)
      throw new AppError('invalid', problems.map((p) => p.message).join(' '), { retryable: false, detail: problems.map((p) => p.field).join(',') });
    const group = this.deps.state.findGroup(serverId, groupId);
    return this.changeGroup(
      serverId,
      group,
      { ...groupConfig(group), ...policyConfig(policy) },
      'updates.policy',
      `Rollout policy set: ${describePolicy(policy)}`,
    );
  }

  async setUpdatesEnabled(serverId: string, groupId: string, enabled: boolean): Promise<UpdateGroup> {
    const group = this.deps.state.findGroup(serverId, groupId);
    if (enabled) this.deps.state.clearPause(serverId, groupId);
    return this.changeGroup(
      serverId,
      group,
      { ...groupConfig(group), policy_updates_enabled: enabled },
      enabled ? 'updates.resume' : 'updates.pause',
      enabled ? 'Updates resumed' : 'Updates paused',
    );
  }

  private async changeGroup(serverId: string, group: GroupWire, config: ReturnType<typeof groupConfig>, action: string, message: string): Promise<UpdateGroup> {
    const client = await this.deps.servers.client(serverId);
    const target = `${serverId}:${group.id}`;
    try {
      const updated = await client.updateGroup(group.id, config);
      Object.assign(group, updated);
    } catch (error) {
      await this.deps.audit.append({
        action,
        target,
        targetName: group.name,
        outcome: 'failed',
        message: `${message}: ${isAppError(error) ? error.message : 'failed'}`,
      });
      throw error;
    }
    await this.deps.audit.append({ action, target, targetName: group.name, outcome: 'succeeded', message });
    this.deps.bus.emit('updates.groupsChanged', { serverId });
    this.deps.state.resync();
    return this.deps.state.summaryOf(serverId, group.id);
  }

  /** Points the group's channel at a package (every group on that channel follows, as in Nebraska). */
  async promote(serverId: string, groupId: string, packageId: string): Promise<UpdateGroup> {
    const group = this.deps.state.findGroup(serverId, groupId);
    const st = this.deps.state.catalogue(serverId);
    const channel = st.channels.find((c) => c.id === group.channel_id);
    if (!channel) throw new AppError('conflict', `${group.name} has no channel to promote; give it one on the update server first.`);
    const pkg = st.packages.find((p) => p.id === packageId);
    if (!pkg) throw new AppError('not_found', 'That package is not on the update server any more; refresh the package list.');
    const client = await this.deps.servers.client(serverId);
    const from = channel.package?.version ?? 'nothing';
    const target = `${serverId}:${channel.id}`;
    try {
      const updated = await client.updateChannel(channel.id, {
        application_id: channel.application_id,
        arch: channel.arch,
        color: channel.color,
        name: channel.name,
        package_id: pkg.id,
      });
      Object.assign(channel, updated);
      for (const g of st.groups) if (g.channel_id === channel.id) g.channel = updated;
    } catch (error) {
      await this.deps.audit.append({
        action: 'updates.promote',
        target,
        targetName: `channel ${channel.name}`,
        outcome: 'failed',
        message: `Promote ${pkg.version}: ${isAppError(error) ? error.message : 'failed'}`,
      });
      throw error;
    }
    const direction = channel.package && compareVersions(pkg.version, from) < 0 ? ' (a downgrade: only nodes below it move)' : '';
    await this.deps.audit.append({
      action: 'updates.promote',
      target,
      targetName: `channel ${channel.name}`,
      outcome: 'succeeded',
      message: `Channel ${channel.name} now points at ${pkg.version} (was ${from})${direction}`,
    });
    this.deps.bus.emit('updates.groupsChanged', { serverId });
    this.deps.state.resync();
    return this.deps.state.summaryOf(serverId, groupId);
  }

  /**
   * Reboots nodes whose update waits for one, at most the group's max updates per period at once
   * (the batch its policy allows), through the same power path as every reboot. Each candidate is
   * read fresh first: a node that already rebooted into its new slot and has not yet marked it
   * successful would fall back to the old slot if rebooted again (GRUB has no tries left for it).
   */
  async rebootPending(serverId: string, groupId: string) {
    const group = this.deps.state.findGroup(serverId, groupId);
    const waiting = this.deps.state.waitingForReboot(serverId, groupId);
    const batchSize = Math.max(1, group.policy_max_updates_per_period);
    const batch: string[] = [];
    const skipped: { nodeId: string; hostname: string; ok: false; error: AppErrorData }[] = [];
    for (const update of waiting) {
      if (batch.length >= batchSize) break;
      await this.deps.fleet.refreshNode(update.nodeId).catch(() => undefined);
      const node = this.deps.fleet.snapshotNode(update.nodeId);
      if (!node) continue;
      // A node that reports its own state must say it needs a reboot; one that does not, is taken at Nebraska's word.
      const engine = node.osState?.updateEngine;
      if (engine && engine.status !== 'UPDATE_STATUS_UPDATED_NEED_REBOOT') {
        skipped.push({
          nodeId: node.id,
          hostname: node.hostname,
          ok: false,
          error: {
            code: 'conflict',
            message: `${node.hostname} no longer waits for a reboot (update_engine: ${engine.status}); not rebooted.`,
            retryable: false,
          },
        });
        continue;
      }
      batch.push(node.id);
    }
    if (batch.length === 0 && skipped.length === 0) throw new AppError('conflict', `No node in ${group.name} is waiting for a reboot.`, { retryable: false });
    const { results } = batch.length > 0 ? await this.deps.actions.powerMany(batch, 'reboot') : { results: [] };
    return { batchSize, remaining: Math.max(0, waiting.length - batch.length - skipped.length), results: [...results, ...skipped] };
  }
}
