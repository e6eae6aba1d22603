/** A Nebraska group's rollout policy, both ways: read from the group, and the full config a PUT needs. */
import type { RolloutPolicy } from '../../../shared/updates/nebraska-rules';
import type { GroupWire } from '../providers/nebraska/wire';

export function policyOf(g: GroupWire): RolloutPolicy {
  return {
    updatesEnabled: g.policy_updates_enabled,
    safeMode: g.policy_safe_mode,
    officeHours: g.policy_office_hours,
    timezone: g.policy_timezone ?? '',
    periodInterval: g.policy_period_interval,
    maxUpdatesPerPeriod: g.policy_max_updates_per_period,
    updateTimeout: g.policy_update_timeout,
  };
}

/** The full `groupConfig` a PUT needs: Nebraska replaces the group with what it is sent. */
export function groupConfig(g: GroupWire) {
  return {
    name: g.name,
    description: g.description,
    channel_id: g.channel_id ?? '',
    track: g.track,
    ...policyConfig(policyOf(g)),
  };
}

export function policyConfig(p: RolloutPolicy) {
  return {
    policy_updates_enabled: p.updatesEnabled,
    policy_safe_mode: p.safeMode,
    policy_office_hours: p.officeHours,
    policy_timezone: p.timezone,
    policy_period_interval: p.periodInterval,
    policy_max_updates_per_period: p.maxUpdatesPerPeriod,
    policy_update_timeout: p.updateTimeout,
  };
}

export function describePolicy(p: RolloutPolicy): string {
  return [
    p.updatesEnabled ? 'updates on' : 'updates off',
    p.safeMode ? 'safe mode' : null,
    `${p.maxUpdatesPerPeriod} per ${p.periodInterval}`,
    `timeout ${p.updateTimeout}`,
    p.officeHours ? `office hours (${p.timezone})` : null,
  ]
    .filter(Boolean)
    .join(', ');
}
