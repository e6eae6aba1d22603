import { describe, expect, it } from 'vitest';
import {
  INSTANCE_STATUS,
  compareVersions,
  decideGrant,
  inOfficeHours,
  intervalMs,
  isRollback,
  policyProblems,
  statusForEvent,
  type RolloutPolicy,
  type UpdatesStats,
} from './nebraska-rules';

const policy: RolloutPolicy = {
  updatesEnabled: true,
  safeMode: true,
  officeHours: false,
  timezone: 'UTC',
  periodInterval: '1 hours',
  maxUpdatesPerPeriod: 2,
  updateTimeout: '1 days',
};
const idle: UpdatesStats = { updatesToCurrentVersionAttempted: 0, updatesGrantedInLastPeriod: 0, updatesInProgress: 0, updatesTimedOut: 0 };
const NOW = Date.UTC(2026, 11, 1, 12, 0); // a Tuesday

describe('decideGrant (enforceRolloutPolicy)', () => {
  it('refuses everything when updates are off', () => {
    expect(decideGrant({ ...policy, updatesEnabled: false }, idle, NOW)).toMatchObject({ grant: false, refusal: 'updatesDisabled', onHold: false });
  });

  it('lets exactly one canary through under safe mode until one instance attempted the version', () => {
    expect(decideGrant(policy, idle, NOW)).toEqual({ grant: true, effectiveMax: 1 });
    expect(decideGrant(policy, { ...idle, updatesGrantedInLastPeriod: 1, updatesInProgress: 1 }, NOW)).toMatchObject({
      grant: false,
      refusal: 'maxUpdatesPerPeriod',
      onHold: true,
      effectiveMax: 1,
    });
    // The canary finished (attempted): the configured max applies again.
    expect(decideGrant(policy, { ...idle, updatesToCurrentVersionAttempted: 1, updatesGrantedInLastPeriod: 1 }, NOW)).toEqual({ grant: true, effectiveMax: 2 });
  });

  it('caps grants per period and concurrent updates at the max, putting the instance on hold', () => {
    const attempted = { ...idle, updatesToCurrentVersionAttempted: 3 };
    expect(decideGrant(policy, { ...attempted, updatesGrantedInLastPeriod: 2 }, NOW)).toMatchObject({
      grant: false,
      refusal: 'maxUpdatesPerPeriod',
      onHold: true,
    });
    expect(decideGrant(policy, { ...attempted, updatesGrantedInLastPeriod: 1, updatesInProgress: 2 }, NOW)).toMatchObject({
      grant: false,
      refusal: 'maxConcurrentUpdates',
    });
    expect(decideGrant({ ...policy, safeMode: false }, { ...idle, updatesGrantedInLastPeriod: 1 }, NOW)).toMatchObject({ grant: true, effectiveMax: 2 });
  });

  it('disables the group when as many updates timed out as the max, in safe mode only', () => {
    const stats = { ...idle, updatesToCurrentVersionAttempted: 1, updatesTimedOut: 2 };
    expect(decideGrant(policy, stats, NOW)).toMatchObject({ grant: false, refusal: 'maxTimedOutUpdates', disableGroup: true, onHold: true });
    expect(decideGrant({ ...policy, safeMode: false }, stats, NOW)).toMatchObject({ grant: true });
  });

  it('grants only Monday to Friday, 09:00–17:00 in the group time zone', () => {
    const office = { ...policy, officeHours: true, timezone: 'Europe/Berlin' };
    expect(decideGrant(office, idle, Date.UTC(2026, 11, 1, 9, 0))).toMatchObject({ grant: true }); // 10:00 CET
    expect(decideGrant(office, idle, Date.UTC(2026, 11, 1, 16, 30))).toMatchObject({ grant: false, refusal: 'officeHours' }); // 17:30 CET
    expect(decideGrant(office, idle, Date.UTC(2026, 11, 5, 12, 0))).toMatchObject({ grant: false, refusal: 'officeHours' }); // Saturday
    expect(decideGrant({ ...office, timezone: 'Nowhere/Atlantis' }, idle, NOW)).toMatchObject({ grant: false, refusal: 'officeHours' });
  });
});

describe('office hours across a DST change', () => {
  it('moves the window with the local clock, not with UTC', () => {
    // America/New_York leaves DST on Sunday 2026-11-01: 08:30 UTC is 09:30 local on Friday 30 Oct (EDT, UTC-4)…
    expect(inOfficeHours('America/New_York', Date.UTC(2026, 9, 30, 13, 30))).toBe(true);
    // …and 13:30 UTC on Monday 2 Nov is 08:30 EST (UTC-5): not yet office hours, though it was a week earlier.
    expect(inOfficeHours('America/New_York', Date.UTC(2026, 10, 2, 13, 30))).toBe(false);
    expect(inOfficeHours('America/New_York', Date.UTC(2026, 10, 2, 14, 0))).toBe(true);
    // 17:00 local is outside: 21:00 UTC in EDT, 22:00 UTC in EST.
    expect(inOfficeHours('America/New_York', Date.UTC(2026, 9, 30, 20, 59))).toBe(true);
    expect(inOfficeHours('America/New_York', Date.UTC(2026, 9, 30, 21, 0))).toBe(false);
    expect(inOfficeHours('America/New_York', Date.UTC(2026, 10, 2, 21, 30))).toBe(true);
    expect(inOfficeHours('', NOW)).toBe(false);
  });
});

describe('events and rollback', () => {
  it('maps Omaha events to instance statuses as Nebraska does', () => {
    expect(statusForEvent(13, 1)).toBe('downloading');
    expect(statusForEvent(14, 1)).toBe('downloaded');
    expect(statusForEvent(800, 1)).toBe('installed');
    expect(statusForEvent(3, 2)).toBe('complete');
    expect(statusForEvent(3, 0)).toBe('error');
    expect(statusForEvent(13, 0)).toBe('error');
    expect(statusForEvent(3, 1)).toBeNull();
    expect(statusForEvent(99, 1)).toBeNull();
  });

  it('reads a rollback from the newest history entry carrying error 44', () => {
    const entry = (status: number, errorCode = '') => ({ status, errorCode });
    expect(isRollback([entry(INSTANCE_STATUS.error, '44'), entry(INSTANCE_STATUS.installed)])).toBe(true);
    expect(isRollback([entry(INSTANCE_STATUS.error, '7'), entry(INSTANCE_STATUS.installed)])).toBe(false);
    // A later success clears it: the node updated fine on a retry.
    expect(isRollback([entry(INSTANCE_STATUS.complete), entry(INSTANCE_STATUS.error, '44')])).toBe(false);
    expect(isRollback([])).toBe(false);
  });
});

describe('policy validation', () => {
  it('accepts Postgres-style intervals and refuses negatives and nonsense', () => {
    expect(intervalMs('1 hours')).toBe(3_600_000);
    expect(intervalMs('1 day 12 hours')).toBe(36 * 3_600_000);
    expect(intervalMs('30 minutes')).toBe(1_800_000);
    expect(intervalMs('-1 hours')).toBeNull();
    expect(intervalMs('soon')).toBeNull();
    expect(intervalMs('')).toBeNull();
  });

  it('names every bad field', () => {
    const problems = policyProblems({
      ...policy,
      periodInterval: '-2 hours',
      updateTimeout: '0 days',
      maxUpdatesPerPeriod: -1,
      officeHours: true,
      timezone: 'Mars/Olympus',
    });
    expect(problems.map((p) => p.field)).toEqual(['periodInterval', 'updateTimeout', 'maxUpdatesPerPeriod', 'timezone']);
    expect(policyProblems(policy)).toEqual([]);
  });

  it('orders Flatcar versions numerically', () => {
    expect(compareVersions('4230.2.10', '4230.2.9')).toBeGreaterThan(0);
    expect(compareVersions('4152.2.3', '4230.2.3')).toBeLessThan(0);
    expect(compareVersions('4230.2.3', '4230.2.3')).toBe(0);
  });
});
