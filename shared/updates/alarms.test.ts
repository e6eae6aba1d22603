import { describe, expect, it } from 'vitest';
import type { NodeOsState, NodeUpdate, OsSlot } from '../model';
import { matchesUpdateFilter, updateAlarms } from './alarms';

const slot = (label: string, version: string, o: Partial<OsSlot>): OsSlot => ({
  label,
  version,
  booted: false,
  nextBoot: false,
  priority: 1,
  tries: 0,
  successful: true,
  ...o,
});
const os = (
  slots: OsSlot[],
  status: NonNullable<NodeOsState['updateEngine']>['status'] = 'UPDATE_STATUS_IDLE',
  newVersion: string | null = null,
): NodeOsState => ({
  scheme: 'usr-ab',
  bootedVersion: slots.find((s) => s.booted)!.version!,
  slots,
  updateEngine: { status, progress: status === 'UPDATE_STATUS_UPDATED_NEED_REBOOT' ? 1 : 0, newVersion, lastCheckedAt: null },
  rebootStrategy: 'off',
});
const update = (o: Partial<NodeUpdate>): NodeUpdate => ({
  nodeId: 'n',
  serverId: 's',
  instanceId: 'i',
  matchedBy: 'machine-id',
  groupId: 'g',
  groupName: 'Stable',
  channel: 'stable',
  targetVersion: '4230.2.4',
  status: 'complete',
  version: '4230.2.3',
  lastCheckIn: null,
  lastUpdateVersion: null,
  updateInProgress: false,
  lastErrorCode: null,
  rolledBack: false,
  ...o,
});

describe('updateAlarms', () => {
  it('sees a staged update waiting for a reboot, and what the next boot runs', () => {
    const staged = os(
      [slot('USR-A', '4230.2.3', { booted: true, priority: 1 }), slot('USR-B', '4230.2.4', { nextBoot: true, priority: 2, tries: 1, successful: false })],
      'UPDATE_STATUS_UPDATED_NEED_REBOOT',
      '4230.2.4',
    );
    const a = updateAlarms(staged, update({ status: 'installed', updateInProgress: true, lastUpdateVersion: '4230.2.4' }));
    expect(a).toMatchObject({ summary: 'reboot-pending', rebootPending: true, pendingVersion: '4230.2.4', rolledBack: false, bootedNotIntended: false });
    expect(matchesUpdateFilter(a, 'reboot-pending')).toBe(true);
  });

  it('sees a rollback from the slots alone (GRUB exhausted the new slot), and booted ≠ intended', () => {
    const fellBack = os([
      slot('USR-A', '4230.2.3', { booted: true, nextBoot: true, priority: 1 }),
      slot('USR-B', '4230.2.4', { priority: 2, tries: 0, successful: false }),
    ]);
    const a = updateAlarms(fellBack, update({ status: 'error', lastUpdateVersion: '4230.2.4', lastErrorCode: '44' }));
    expect(a).toMatchObject({ summary: 'rolled-back', rolledBack: true, bootedNotIntended: true, pendingVersion: null });
    expect(matchesUpdateFilter(a, 'rolled-back')).toBe(true);
    expect(matchesUpdateFilter(a, 'current')).toBe(false);
  });

  it('calls a node behind its channel, current, or unknown', () => {
    const running = os([slot('USR-A', '4230.2.3', { booted: true, nextBoot: true, priority: 2 }), slot('USR-B', '4152.2.3', {})]);
    expect(updateAlarms(running, update({})).summary).toBe('behind');
    expect(updateAlarms(running, update({ targetVersion: '4230.2.3' })).summary).toBe('current');
    expect(updateAlarms(null, null).summary).toBeNull();
  });
});
