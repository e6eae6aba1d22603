/**
 * Nebraska's rules, pure: instance statuses 1–8, how Omaha events move them, when a rollout policy
 * grants an update, and how policy fields are validated. The lab's update server decides with these
 * and the Rollouts screen validates with them, so both agree with flatcar/nebraska
 * (`backend/pkg/api/updates.go: enforceRolloutPolicy`, `events.go`, `types/instance.go`; see
 * docs/architecture.md#os-updates).
 */

/** Nebraska's `InstanceStatus*` integers (types/instance.go). */
export const INSTANCE_STATUS = {
  undefined: 1,
  updateGranted: 2,
  error: 3,
  complete: 4,
  installed: 5,
  downloaded: 6,
  downloading: 7,
  onHold: 8,
} as const;
export type InstanceStatusName = keyof typeof INSTANCE_STATUS;
export type InstanceStatusCode = (typeof INSTANCE_STATUS)[InstanceStatusName];
export const INSTANCE_STATUS_NAMES = [
  'undefined',
  'updateGranted',
  'error',
  'complete',
  'installed',
  'downloaded',
  'downloading',
  'onHold',
] as const satisfies readonly InstanceStatusName[];

export function instanceStatusName(code: number): InstanceStatusName {
  return INSTANCE_STATUS_NAMES.find((name) => INSTANCE_STATUS[name] === code) ?? 'undefined';
}

/** The words Nebraska's UI uses (frontend StatusDefs.ts), so operators see the same vocabulary. */
export const INSTANCE_STATUS_LABELS: Record<InstanceStatusName, string> = {
  // Nebraska's status 0: the instance checks in and has no update under way (not an unknown state).
  undefined: 'Checked in',
  updateGranted: 'Granted',
  error: 'Error',
  complete: 'Complete',
  installed: 'Installed',
  downloaded: 'Downloaded',
  downloading: 'Downloading',
  onHold: 'On hold',
};

/** update_engine's `CURRENT_OP` values (update_engine: src/update_engine/update_attempter.h). */
export const UPDATE_ENGINE_STATUSES = [
  'UPDATE_STATUS_IDLE',
  'UPDATE_STATUS_CHECKING_FOR_UPDATE',
  'UPDATE_STATUS_UPDATE_AVAILABLE',
  'UPDATE_STATUS_DOWNLOADING',
  'UPDATE_STATUS_VERIFYING',
  'UPDATE_STATUS_FINALIZING',
  'UPDATE_STATUS_UPDATED_NEED_REBOOT',
  'UPDATE_STATUS_REPORTING_ERROR_EVENT',
] as const;
export type UpdateEngineStatus = (typeof UPDATE_ENGINE_STATUSES)[number];

/** Omaha event types and results Nebraska acts on (go-omaha codes.go; nebraska events.go). */
export const OMAHA_EVENT = { updateComplete: 3, downloadStarted: 13, downloadFinished: 14, installed: 800 } as const;
export const OMAHA_RESULT = { error: 0, success: 1, successReboot: 2 } as const;
/** update_engine's `kActionCodeRollbackError`: the node booted its old slot after an update (GRUB fell back). */
export const ROLLBACK_ERROR_CODE = 44;

/**
 * The instance status an event moves a node to (nebraska events.go): 13/1 Downloading, 14/1
 * Downloaded, 800/1 Installed, 3/2 Complete, any result 0 Error; anything else leaves it.
 */
export function statusForEvent(type: number, result: number): InstanceStatusName | null {
  if (result === OMAHA_RESULT.error) return 'error';
  if (type === OMAHA_EVENT.downloadStarted && result === OMAHA_RESULT.success) return 'downloading';
  if (type === OMAHA_EVENT.downloadFinished && result === OMAHA_RESULT.success) return 'downloaded';
  if (type === OMAHA_EVENT.installed && result === OMAHA_RESULT.success) return 'installed';
  if (type === OMAHA_EVENT.updateComplete && result === OMAHA_RESULT.successReboot) return 'complete';
  return null;
}

/** A node rolled back when its newest error in the status history carries update_engine's code 44. */
export function isRollback(history: readonly { status: number; errorCode: string }[]): boolean {
  const latestError = history.find((h) => h.status === INSTANCE_STATUS.error);
  const latest = history[0];
  return Boolean(latest && latestError && latest === latestError && Number(latestError.errorCode) === ROLLBACK_ERROR_CODE);
}

// ---- policy ----------------------------------------------------------------------------------

export interface RolloutPolicy {
  updatesEnabled: boolean;
  safeMode: boolean;
  officeHours: boolean;
  timezone: string;
  /** A Postgres interval as Nebraska stores it: "1 hours", "30 minutes", "1 day 12 hours". */
  periodInterval: string;
  maxUpdatesPerPeriod: number;
  updateTimeout: string;
}

const UNIT_MS: Record<string, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};

/**
 * Milliseconds in a Postgres-style interval ("1 hours", "2 days 3 hours", "90 minutes"), or null
 * when it is not one. Nebraska hands the text to Postgres (`interval ?`); this accepts the subset
 * its UI writes (a number and a unit, repeated) and refuses negatives, which Postgres would take
 * and which would make a period that never ends.
 */
export function intervalMs(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === '' || trimmed.length > 100) return null;
  let total = 0;
  const part = /^(\d+(?:\.\d+)?)\s*(second|sec|minute|min|hour|hr|day|week)s?\b\s*/;
  let rest = trimmed;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (!match) return null;
    const unit = { sec: 'second', min: 'minute', hr: 'hour' }[match[2]!] ?? match[2]!;
    total += Number(match[1]) * UNIT_MS[unit]!;
    rest = rest.slice(match[0].length);
  }
  return total;
}

export function isValidTimeZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Nebraska's `inOfficeHoursNow`: Monday–Friday, 09:00–17:00 on the wall clock of the group's IANA
 * time zone (so a DST change moves the window with local time). An empty or unknown zone is never
 * office hours.
 */
export function inOfficeHours(zone: string, at: number): boolean {
  if (!isValidTimeZone(zone)) return false;
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' }).formatToParts(at);
  const weekday = parts.find((p) => p.type === 'weekday')?.value;
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  if (weekday === 'Sat' || weekday === 'Sun') return false;
  return hour >= 9 && hour < 17;
}

export interface PolicyProblem {
  field: keyof RolloutPolicy;
  message: string;
}

/** Why a policy cannot be saved, each problem naming its field in plain words. */
export function policyProblems(policy: RolloutPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const period = intervalMs(policy.periodInterval);
  if (period === null || period <= 0) {
    problems.push({
      field: 'periodInterval',
      message: `Period must be a positive length of time such as "1 hours" or "30 minutes" (got "${policy.periodInterval.slice(0, 40)}").`,
    });
  }
  const timeout = intervalMs(policy.updateTimeout);
  if (timeout === null || timeout <= 0) {
    problems.push({
      field: 'updateTimeout',
      message: `Update timeout must be a positive length of time such as "1 days" (got "${policy.updateTimeout.slice(0, 40)}").`,
    });
  }
  if (!Number.isInteger(policy.maxUpdatesPerPeriod) || policy.maxUpdatesPerPeriod < 0 || policy.maxUpdatesPerPeriod > 900_000) {
    problems.push({ field: 'maxUpdatesPerPeriod', message: 'Max updates per period must be a whole number from 0 to 900000.' });
  }
  // Nebraska refuses office hours without a valid zone (ErrExpectingValidTimezone); an unknown zone
  // is refused even with office hours off, so turning them on later cannot silently stop updates.
  if ((policy.officeHours || policy.timezone !== '') && !isValidTimeZone(policy.timezone)) {
    problems.push({ field: 'timezone', message: `Time zone must be an IANA name such as "Europe/Berlin" (got "${policy.timezone.slice(0, 40)}").` });
  }
  return problems;
}

/** What a group's instances are doing, as Nebraska counts it (`GetGroupUpdatesStats`). */
export interface UpdatesStats {
  /** Not in progress and last granted the channel's current version: tried it, done or failed. */
  updatesToCurrentVersionAttempted: number;
  updatesGrantedInLastPeriod: number;
  /** In progress and still inside the update timeout. */
  updatesInProgress: number;
  /** In progress past the update timeout. */
  updatesTimedOut: number;
}

export type GrantRefusal = 'updatesDisabled' | 'officeHours' | 'maxUpdatesPerPeriod' | 'maxConcurrentUpdates' | 'maxTimedOutUpdates';

export type GrantDecision =
  { grant: true; effectiveMax: number } | { grant: false; refusal: GrantRefusal; onHold: boolean; disableGroup: boolean; effectiveMax: number };

/**
 * `enforceRolloutPolicy`, step by step: updates off → refuse; office hours outside Mon–Fri 9–17 →
 * refuse; safe mode until one instance attempted the current version → a canary of 1; at the max
 * granted this period or in progress → on hold; safe mode with that many timed out → disable the group.
 */
export function decideGrant(policy: RolloutPolicy, stats: UpdatesStats, now: number): GrantDecision {
  const refuse = (refusal: GrantRefusal, effectiveMax: number, onHold: boolean, disableGroup = false): GrantDecision => ({
    grant: false,
    refusal,
    onHold,
    disableGroup,
    effectiveMax,
  });
  const configuredMax = policy.maxUpdatesPerPeriod;
  if (!policy.updatesEnabled) return refuse('updatesDisabled', configuredMax, false);
  if (policy.officeHours && !inOfficeHours(policy.timezone, now)) return refuse('officeHours', configuredMax, false);
  const effectiveMax = policy.safeMode && stats.updatesToCurrentVersionAttempted === 0 ? 1 : configuredMax;
  if (stats.updatesGrantedInLastPeriod >= effectiveMax) return refuse('maxUpdatesPerPeriod', effectiveMax, true);
  if (stats.updatesInProgress >= effectiveMax) return refuse('maxConcurrentUpdates', effectiveMax, true);
  if (policy.safeMode && stats.updatesTimedOut >= effectiveMax) return refuse('maxTimedOutUpdates', effectiveMax, true, true);
  return { grant: true, effectiveMax };
}

/** The Omaha `app status` text Nebraska answers a refusal with (omaha handler getStatusMessageStr). */
export const REFUSAL_OMAHA_STATUS: Record<GrantRefusal, string> = {
  updatesDisabled: 'error-updatesDisabled',
  officeHours: 'error-updatesDisabled',
  maxUpdatesPerPeriod: 'error-maxUpdatesPerPeriodLimitReached',
  maxConcurrentUpdates: 'error-maxConcurrentUpdatesLimitReached',
  maxTimedOutUpdates: 'error-maxTimedOutUpdatesLimitReached',
};

/** Compares dotted numeric versions (Flatcar's MAJOR.CHANNEL.PATCH); non-numeric parts sort as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Activity classes and severities (nebraska activity.go). */
export const ACTIVITY_CLASS = {
  packageNotFound: 1,
  rolloutStarted: 2,
  rolloutFinished: 3,
  rolloutFailed: 4,
  instanceUpdateFailed: 5,
  channelPackageUpdated: 6,
} as const;
export const ACTIVITY_SEVERITY = { success: 1, info: 2, warning: 3, error: 4 } as const;
