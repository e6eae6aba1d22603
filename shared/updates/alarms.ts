/**
 * The alarms derived from a node's own OS report and what the update server knows of it; derived,
 * never stored (docs/architecture.md#os-updates): reboot pending, rolled back, booted ≠ intended.
 */
import type { NodeOsState, NodeUpdate } from '../model';
import { compareVersions } from './nebraska-rules';

export const UPDATE_FILTERS = ['reboot-pending', 'rolled-back', 'updating', 'behind', 'failed', 'on-hold', 'current'] as const;
export type UpdateFilter = (typeof UPDATE_FILTERS)[number];
export const UPDATE_FILTER_LABELS: Record<UpdateFilter, string> = {
  'reboot-pending': 'Reboot pending',
  'rolled-back': 'Rolled back',
  updating: 'Updating',
  behind: 'Behind its channel',
  failed: 'Update failed',
  'on-hold': 'On hold',
  current: 'Current',
};

export interface UpdateAlarms {
  /** What the badge says, in the update vocabulary (null: the node reports no update state). */
  summary: UpdateFilter | null;
  rebootPending: boolean;
  rolledBack: boolean;
  /** The version the update server last granted is not what booted, and nothing is in flight. */
  bootedNotIntended: boolean;
  bootedVersion: string | null;
  /** What the next boot will run, when it differs from what runs now. */
  pendingVersion: string | null;
  /** 0–1 while update_engine downloads. */
  progress: number | null;
}

/**
 * Flatcar: the slot GRUB would prefer (higher priority) but can no longer boot (not successful, no
 * tries left) next to the one that runs: the machine fell back. The node says so itself at once;
 * the update server hears of it only at update_engine's next check (error 44).
 */
export function failedUsrSlot(os: NodeOsState | null | undefined) {
  const bootedSlot = os?.slots.find((s) => s.booted);
  if (os?.scheme !== 'usr-ab' || !bootedSlot) return undefined;
  return os.slots.find((s) => !s.booted && s.version && s.successful === false && (s.tries ?? 0) === 0 && (s.priority ?? 0) > (bootedSlot.priority ?? 0));
}

export function updateAlarms(os: NodeOsState | null, update: NodeUpdate | null | undefined): UpdateAlarms {
  const booted = os?.bootedVersion ?? update?.version ?? null;
  const engine = os?.updateEngine ?? null;
  const nextSlot = os?.slots.find((s) => s.nextBoot);
  const pendingFromSlots = nextSlot && !nextSlot.booted && nextSlot.version && nextSlot.version !== booted ? nextSlot.version : null;
  const failedSlot = failedUsrSlot(os);
  // The node's own report is newer than the server's "installed": a node that fell back waits for nothing.
  const rebootPending = !failedSlot && (engine ? engine.status === 'UPDATE_STATUS_UPDATED_NEED_REBOOT' : update?.status === 'installed');
  const pendingVersion = rebootPending ? (engine?.newVersion ?? pendingFromSlots ?? update?.lastUpdateVersion ?? null) : pendingFromSlots;
  const rolledBack = Boolean(update?.rolledBack || failedSlot);
  const intended = update?.lastUpdateVersion ?? null;
  const inFlight = Boolean(update?.updateInProgress) || rebootPending;
  const bootedNotIntended = Boolean(intended && booted && compareVersions(booted, intended) < 0 && !inFlight);
  const updating =
    !rebootPending &&
    (Boolean(update?.updateInProgress) ||
      ['UPDATE_STATUS_DOWNLOADING', 'UPDATE_STATUS_VERIFYING', 'UPDATE_STATUS_FINALIZING', 'UPDATE_STATUS_UPDATE_AVAILABLE'].includes(engine?.status ?? ''));
  const behind = Boolean(update?.targetVersion && booted && compareVersions(booted, update.targetVersion) < 0);
  const summary: UpdateFilter | null = rolledBack
    ? 'rolled-back'
    : rebootPending
      ? 'reboot-pending'
      : updating
        ? 'updating'
        : update?.status === 'error'
          ? 'failed'
          : update?.status === 'onHold' && behind
            ? 'on-hold'
            : behind
              ? 'behind'
              : update || engine
                ? 'current'
                : null;
  return {
    summary,
    rebootPending,
    rolledBack,
    bootedNotIntended,
    bootedVersion: booted,
    pendingVersion,
    progress: engine?.status === 'UPDATE_STATUS_DOWNLOADING' ? engine.progress : null,
  };
}

/** Does the node match the fleet's update filter? */
export function matchesUpdateFilter(alarms: UpdateAlarms, filter: string): boolean {
  if (!filter) return true;
  if (filter === 'rolled-back') return alarms.rolledBack;
  if (filter === 'reboot-pending') return alarms.rebootPending;
  return alarms.summary === filter;
}
