/**
 * The lab's update server state and decisions, as Nebraska keeps them: one Flatcar application,
 * channels pointing at packages, groups with a rollout policy, instances with status history, and
 * an activity feed. Omaha check-ins go through `checkIn`, which grants or refuses exactly as
 * Nebraska's `GetUpdatePackage` + `enforceRolloutPolicy` do and maps events as `events.go` does
 * (docs/architecture.md#os-updates). Durations in policies run on the lab clock (× timeScale).
 */
import { randomUUID } from 'node:crypto';
import {
  ACTIVITY_CLASS,
  ACTIVITY_SEVERITY,
  INSTANCE_STATUS,
  REFUSAL_OMAHA_STATUS,
  compareVersions,
  decideGrant,
  intervalMs,
  policyProblems,
  statusForEvent,
  type InstanceStatusCode,
  type RolloutPolicy,
  type UpdatesStats,
} from '../../../shared/updates/nebraska-rules';
import type { OmahaAppRequest, OmahaAppResponse } from './omaha-xml';
import { LAB_CHANNEL_TARGETS, LAB_RELEASES, payloadOf } from './releases';

/** Flatcar's fixed Nebraska application id. */
export const FLATCAR_APP_ID = 'e96281a6-d1af-4bde-9a0a-97b76e56dc57';
export const FLATCAR_PRODUCT_ID = 'io.kinvolk.Flatcar';
/** Nebraska's `arch` and package `type` integers for amd64 and Flatcar. */
export const ARCH_AMD64 = 1;
export const PKG_TYPE_FLATCAR = 1;

export interface LabPackage {
  id: string;
  version: string;
  url: string;
  filename: string;
  size: number;
  sha1: string;
  sha256: string;
  createdTs: number;
  channelsBlacklist: string[];
  applicationId: string;
}

export interface LabChannel {
  id: string;
  name: string;
  color: string;
  packageId: string | null;
  applicationId: string;
  createdTs: number;
}

export interface LabGroup {
  id: string;
  name: string;
  description: string;
  channelId: string | null;
  track: string;
  policy: RolloutPolicy;
  rolloutInProgress: boolean;
  createdTs: number;
}

export interface LabStatusEntry {
  status: InstanceStatusCode;
  /** The version the entry is about (during an update: the one being installed). */
  version: string;
  /** The version the node ran at the time (what the version timeline counts). */
  running: string;
  createdTs: number;
  errorCode: string;
}

export interface LabInstance {
  id: string;
  ip: string;
  alias: string;
  oem: string;
  alephVersion: string;
  createdTs: number;
  groupId: string;
  version: string;
  status: InstanceStatusCode;
  lastCheckForUpdates: number;
  lastUpdateGrantedTs: number | null;
  lastUpdateVersion: string | null;
  updateInProgress: boolean;
  /** Newest first, capped. */
  history: LabStatusEntry[];
}

export interface LabActivity {
  id: string;
  appId: string;
  groupId: string;
  createdTs: number;
  class: number;
  severity: number;
  version: string;
  instanceId: string;
}

/** New machine ids one source address may register at once, and how fast that allowance refills. */
export const REGISTRATION_BURST = 8;
const REGISTRATION_REFILL_MS = 15_000;

export class UpdateModelError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

export interface UpdateModelOptions {
  now?: () => number;
  timeScale?: number;
  /** Where payload URLs point (the lab serves none; update_engine only needs a codebase). */
  payloadBase?: string;
  /** Nebraska's server flag: the first attempted instance failing disables the group. */
  disableUpdatesOnFailedRollout?: boolean;
  /** Whether groups start with updates on (default true, Nebraska's database default). */
  updatesEnabled?: boolean;
}

const HISTORY_CAP = 50;

export class UpdateModel {
  readonly app = {
    id: FLATCAR_APP_ID,
    productId: FLATCAR_PRODUCT_ID,
    name: 'Flatcar Container Linux',
    description: 'Flatcar Container Linux (lab)',
    createdTs: 0,
  };
  readonly packages = new Map<string, LabPackage>();
  readonly channels = new Map<string, LabChannel>();
  readonly groups = new Map<string, LabGroup>();
  readonly instances = new Map<string, LabInstance>();
  /** Registration allowance per source address (see mayRegister). */
  private readonly registrations = new Map<string, { tokens: number; at: number }>();
  readonly activity: LabActivity[] = [];
  /** Bumped on every change, so pollers can tell nothing moved. */
  revision = 0;
  private readonly now: () => number;
  private readonly timeScale: number;
  private readonly startedAt: number;
  private readonly pending = [...LAB_RELEASES].sort((a, b) => a.appearsAfterMs - b.appearsAfterMs);

  constructor(private readonly options: UpdateModelOptions = {}) {
    this.now = options.now ?? Date.now;
    this.timeScale = options.timeScale ?? 1;
    this.startedAt = this.now();
    this.app.createdTs = this.startedAt - 400 * 86_400_000;
    this.seed();
  }

  /** Lab-time milliseconds of a policy interval, on the real clock. */
  scaled(interval: string): number {
    return (intervalMs(interval) ?? 0) * this.timeScale;
  }

  private seed(): void {
    const colors: Record<string, string> = { stable: '#14b9d5', beta: '#fe7c21', alpha: '#1b5c91' };
    for (const name of ['stable', 'beta', 'alpha'] as const) {
      const channel: LabChannel = {
        id: randomUUID(),
        name,
        color: colors[name]!,
        packageId: null,
        applicationId: FLATCAR_APP_ID,
        createdTs: this.app.createdTs,
      };
      this.channels.set(channel.id, channel);
      const group: LabGroup = {
        id: randomUUID(),
        name: `${name[0]!.toUpperCase()}${name.slice(1)} (AMD64)`,
        description: `Flatcar ${name} machines`,
        channelId: channel.id,
        track: name,
        // Nebraska's database defaults (updates on, safe mode on) with the UI's 1 per hour… raised to 2
        // so a rollout after the canary moves in visible batches.
        policy: {
          updatesEnabled: this.options.updatesEnabled ?? true,
          safeMode: true,
          officeHours: false,
          timezone: 'UTC',
          periodInterval: '1 hours',
          maxUpdatesPerPeriod: 2,
          updateTimeout: '1 days',
        },
        rolloutInProgress: false,
        createdTs: this.app.createdTs,
      };
      this.groups.set(group.id, group);
    }
    this.publishDue();
    for (const channel of this.channels.values()) {
      const target = LAB_CHANNEL_TARGETS[channel.name as keyof typeof LAB_CHANNEL_TARGETS];
      channel.packageId = [...this.packages.values()].find((p) => p.version === target)?.id ?? null;
    }
  }

  /** New Flatcar releases appear as packages over lab time; an operator promotes them. */
  publishDue(): void {
    const labElapsed = (this.now() - this.startedAt) / (this.timeScale || 1);
    while (this.pending.length > 0 && this.pending[0]!.appearsAfterMs <= labElapsed) {
      const release = this.pending.shift()!;
      const payload = payloadOf(release.version);
      const id = randomUUID();
      this.packages.set(id, {
        id,
        version: release.version,
        url: `${this.options.payloadBase ?? 'http://127.0.0.1/flatcar'}/amd64-usr/${release.version}/`,
        filename: payload.filename,
        size: payload.size,
        sha1: payload.sha1,
        sha256: payload.sha256,
        createdTs: this.startedAt + release.appearsAfterMs * this.timeScale,
        channelsBlacklist: [],
        applicationId: FLATCAR_APP_ID,
      });
      this.revision += 1;
    }
  }

  channelOf(group: LabGroup): LabChannel | null {
    return group.channelId ? (this.channels.get(group.channelId) ?? null) : null;
  }

  packageOf(channel: LabChannel | null): LabPackage | null {
    return channel?.packageId ? (this.packages.get(channel.packageId) ?? null) : null;
  }

  groupByTrack(track: string): LabGroup | null {
    for (const group of this.groups.values()) if (group.track === track || group.id === track) return group;
    return null;
  }

  /**
   * How fast unknown machines may register, per source address: a burst of REGISTRATION_BURST, then
   * one every REGISTRATION_REFILL_MS (a token bucket). A real host has one machine id; a NAT'd site a
   * few; a client inventing ids is held to a trickle.
   */
  private mayRegister(ip: string, now: number): boolean {
    const bucket = this.registrations.get(ip) ?? { tokens: REGISTRATION_BURST, at: now };
    bucket.tokens = Math.min(REGISTRATION_BURST, bucket.tokens + (now - bucket.at) / REGISTRATION_REFILL_MS);
    bucket.at = now;
    if (!this.registrations.has(ip)) {
      // Bounded: the oldest address is forgotten first (a Map keeps insertion order).
      if (this.registrations.size >= 100_000) this.registrations.delete(this.registrations.keys().next().value!);
      this.registrations.set(ip, bucket);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** One Omaha `<app>`: register the instance, process its events, answer its update check. */
  checkIn(app: OmahaAppRequest, ip: string): OmahaAppResponse {
    this.publishDue();
    const now = this.now();
    if (app.appId.toLowerCase() !== FLATCAR_APP_ID && app.appId !== FLATCAR_PRODUCT_ID) {
      return { appId: app.appId, status: 'error-unknownApplicationOrGroup', ping: false, events: 0, updateCheck: { status: 'error-internal' } };
    }
    const group = this.groupByTrack(app.track);
    if (!group) return { appId: app.appId, status: 'error-unknownApplicationOrGroup', ping: false, events: 0, updateCheck: { status: 'error-internal' } };
    if (!app.machineId)
      return { appId: app.appId, status: 'error-instanceRegistrationFailed', ping: false, events: 0, updateCheck: { status: 'error-internal' } };
    this.revision += 1;
    let instance = this.instances.get(app.machineId);
    if (!instance && !this.mayRegister(ip, now)) {
      // Check-ins are unauthenticated: without a limit, one client made 20,000 fake machines in seconds.
      return { appId: app.appId, status: 'error-instanceRegistrationFailed', ping: false, events: 0, updateCheck: { status: 'error-internal' } };
    }
    if (!instance) {
      instance = {
        id: app.machineId,
        ip,
        alias: app.machineAlias,
        oem: app.oem,
        alephVersion: app.alephVersion,
        createdTs: now,
        groupId: group.id,
        version: app.version,
        status: INSTANCE_STATUS.undefined,
        lastCheckForUpdates: now,
        lastUpdateGrantedTs: null,
        lastUpdateVersion: null,
        updateInProgress: false,
        history: [],
      };
      this.instances.set(instance.id, instance);
    }
    instance.ip = ip;
    instance.alias = app.machineAlias;
    instance.groupId = group.id;
    for (const event of app.events) this.event(instance, group, event.type, event.result, event.previousVersion, event.errorCode, app.version);
    instance.version = app.version;
    // Only a ping or an update check registers the instance and moves its last check-in; an
    // event-only request (download progress, an error) changes its status alone, as in Nebraska's
    // omaha.go, where only those two call RegisterInstance.
    if (app.ping || app.updateCheck) instance.lastCheckForUpdates = now;
    const response: OmahaAppResponse = { appId: app.appId, status: 'ok', ping: app.ping, events: app.events.length, updateCheck: null };
    if (app.updateCheck) response.updateCheck = this.updateCheck(instance, group, now);
    return response;
  }

  private updateCheck(instance: LabInstance, group: LabGroup, now: number): OmahaAppResponse['updateCheck'] {
    const s = instance.status;
    if (s === INSTANCE_STATUS.downloading || s === INSTANCE_STATUS.downloaded || s === INSTANCE_STATUS.installed) {
      return { status: 'error-updateInProgressOnInstance' };
    }
    const pkg = this.packageOf(this.channelOf(group));
    if (!pkg) {
      this.addActivity(group, 'packageNotFound', 'warning', '0.0.0', '');
      return { status: 'error-noPackageFound' };
    }
    if (s === INSTANCE_STATUS.updateGranted && instance.lastUpdateVersion) {
      // Already granted: reached it → complete; not yet → the same package again (GetUpdatePackage).
      if (compareVersions(instance.version, instance.lastUpdateVersion) >= 0) {
        this.setStatus(instance, INSTANCE_STATUS.complete, '');
        return { status: 'noupdate' };
      }
      return { status: 'ok', manifest: this.manifest(this.packageByVersion(instance.lastUpdateVersion) ?? pkg) };
    }
    // Nebraska only ever offers a newer version: a channel pointed back leaves newer nodes where they are.
    if (compareVersions(instance.version, pkg.version) >= 0) return { status: 'noupdate' };
    const decision = decideGrant(group.policy, this.stats(group, now), now);
    if (!decision.grant) {
      if (decision.disableGroup) group.policy.updatesEnabled = false;
      if (decision.onHold) this.setStatus(instance, INSTANCE_STATUS.onHold, '');
      return { status: REFUSAL_OMAHA_STATUS[decision.refusal] };
    }
    instance.lastUpdateGrantedTs = now;
    instance.lastUpdateVersion = pkg.version;
    instance.updateInProgress = true;
    this.setStatus(instance, INSTANCE_STATUS.updateGranted, '');
    if (!this.activity.some((a) => a.class === ACTIVITY_CLASS.rolloutStarted && a.groupId === group.id && a.version === pkg.version)) {
      this.addActivity(group, 'rolloutStarted', 'info', pkg.version, '');
    }
    group.rolloutInProgress = true;
    return { status: 'ok', manifest: this.manifest(pkg) };
  }

  private packageByVersion(version: string): LabPackage | null {
    for (const p of this.packages.values()) if (p.version === version) return p;
    return null;
  }

  private manifest(pkg: LabPackage) {
    return { version: pkg.version, url: pkg.url, filename: pkg.filename, size: pkg.size, sha1: pkg.sha1, sha256: pkg.sha256 };
  }

  /** events.go: ignored unless an update is in progress; result 0 → Error (+ InstanceUpdateFailed). */
  private event(instance: LabInstance, group: LabGroup, type: number, result: number, previousVersion: string, errorCode: number, version: string): void {
    if (!instance.updateInProgress) return;
    const next = statusForEvent(type, result);
    if (!next) return;
    if (next === 'complete' && (previousVersion === '' || previousVersion === '0.0.0.0')) {
      // Flatcar quirk Nebraska handles: a Complete with no previous version is a fresh install.
      instance.updateInProgress = false;
      this.setStatus(instance, INSTANCE_STATUS.undefined, '', version);
      return;
    }
    this.setStatus(instance, INSTANCE_STATUS[next], next === 'error' ? String(errorCode) : '', next === 'complete' ? version : undefined);
    if (next === 'complete' || next === 'error') instance.updateInProgress = false;
    const pkg = this.packageOf(this.channelOf(group));
    if (next === 'error') {
      this.addActivity(group, 'instanceUpdateFailed', 'error', instance.lastUpdateVersion ?? version, instance.id);
      if (this.options.disableUpdatesOnFailedRollout !== false && pkg && this.stats(group, this.now()).updatesToCurrentVersionAttempted === 1) {
        group.policy.updatesEnabled = false;
        group.rolloutInProgress = false;
        this.addActivity(group, 'rolloutFailed', 'error', pkg.version, '');
      }
    }
    if (next === 'complete' && pkg && group.rolloutInProgress) {
      const members = [...this.instances.values()].filter((i) => i.groupId === group.id);
      if (members.every((i) => i.version === pkg.version || compareVersions(i.version, pkg.version) > 0)) {
        group.rolloutInProgress = false;
        this.addActivity(group, 'rolloutFinished', 'success', pkg.version, '');
      }
    }
  }

  private setStatus(instance: LabInstance, status: InstanceStatusCode, errorCode: string, version = instance.version): void {
    instance.status = status;
    // Entries during an update, and its failure, name the version being installed; the rest what runs.
    const during = status === INSTANCE_STATUS.updateGranted || status === INSTANCE_STATUS.error || instance.updateInProgress;
    instance.history.unshift({
      status,
      version: during ? (instance.lastUpdateVersion ?? version) : version,
      running: version,
      createdTs: this.now(),
      errorCode,
    });
    if (instance.history.length > HISTORY_CAP) instance.history.length = HISTORY_CAP;
  }

  /** GetGroupUpdatesStats, over this group's instances. */
  stats(group: LabGroup, now: number): UpdatesStats {
    const target = this.packageOf(this.channelOf(group))?.version ?? '';
    const period = this.scaled(group.policy.periodInterval);
    const timeout = this.scaled(group.policy.updateTimeout);
    const stats: UpdatesStats = { updatesToCurrentVersionAttempted: 0, updatesGrantedInLastPeriod: 0, updatesInProgress: 0, updatesTimedOut: 0 };
    for (const i of this.instances.values()) {
      if (i.groupId !== group.id) continue;
      if (!i.updateInProgress && i.lastUpdateVersion === target) stats.updatesToCurrentVersionAttempted += 1;
      if (i.lastUpdateGrantedTs !== null && i.lastUpdateGrantedTs > now - period) stats.updatesGrantedInLastPeriod += 1;
      if (i.updateInProgress && i.lastUpdateGrantedTs !== null) {
        if (now - i.lastUpdateGrantedTs <= timeout) stats.updatesInProgress += 1;
        else stats.updatesTimedOut += 1;
      }
    }
    return stats;
  }

  addActivity(group: LabGroup, kind: keyof typeof ACTIVITY_CLASS, severity: keyof typeof ACTIVITY_SEVERITY, version: string, instanceId: string): void {
    this.activity.unshift({
      id: randomUUID(),
      appId: FLATCAR_APP_ID,
      groupId: group.id,
      createdTs: this.now(),
      class: ACTIVITY_CLASS[kind],
      severity: ACTIVITY_SEVERITY[severity],
      version,
      instanceId,
    });
    if (this.activity.length > 5_000) this.activity.length = 5_000;
    this.revision += 1;
  }

  // ---- management (the REST API's writes) ---------------------------------------------------

  updateGroup(groupId: string, input: Record<string, unknown>): LabGroup {
    const group = this.groups.get(groupId);
    if (!group) throw new UpdateModelError(404, 'group not found');
    const str = (key: string, max: number, required: boolean) => {
      const v = input[key];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'string') throw new UpdateModelError(400, `${key} is required and must be a string`);
      if (v.length > max) throw new UpdateModelError(400, `${key} must be at most ${max} characters`);
      return v;
    };
    const bool = (key: string) => {
      const v = input[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'boolean') throw new UpdateModelError(400, `${key} must be true or false`);
      return v;
    };
    const name = str('name', 50, true)!;
    if (name.trim() === '') throw new UpdateModelError(400, 'name must not be empty');
    const max = input.policy_max_updates_per_period;
    if (typeof max !== 'number' || !Number.isInteger(max)) throw new UpdateModelError(400, 'policy_max_updates_per_period is required and must be an integer');
    const policy: RolloutPolicy = {
      updatesEnabled: bool('policy_updates_enabled') ?? group.policy.updatesEnabled,
      safeMode: bool('policy_safe_mode') ?? group.policy.safeMode,
      officeHours: bool('policy_office_hours') ?? group.policy.officeHours,
      timezone: str('policy_timezone', 100, true)!,
      periodInterval: str('policy_period_interval', 100, true)!,
      maxUpdatesPerPeriod: max,
      updateTimeout: str('policy_update_timeout', 100, true)!,
    };
    const problems = policyProblems(policy);
    if (problems.length > 0) throw new UpdateModelError(400, problems.map((p) => p.message).join(' '));
    const channelId = str('channel_id', 100, false);
    if (channelId) {
      const channel = this.channels.get(channelId);
      if (!channel || channel.applicationId !== FLATCAR_APP_ID) throw new UpdateModelError(400, 'channel_id: no such channel in this application');
    }
    const track = str('track', 256, false);
    group.name = name;
    group.description = str('description', 250, false) ?? group.description;
    if (channelId !== undefined) group.channelId = channelId || null;
    if (track !== undefined && track !== '') group.track = track;
    group.policy = policy;
    this.revision += 1;
    return group;
  }

  updateChannel(channelId: string, input: Record<string, unknown>): LabChannel {
    const channel = this.channels.get(channelId);
    if (!channel) throw new UpdateModelError(404, 'channel not found');
    if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 50)
      throw new UpdateModelError(400, 'name is required (at most 50 characters)');
    if (typeof input.application_id !== 'string' || input.application_id !== channel.applicationId)
      throw new UpdateModelError(400, 'application_id must be the channel’s application');
    if (typeof input.color !== 'string') throw new UpdateModelError(400, 'color is required');
    if (typeof input.arch !== 'number' || input.arch !== ARCH_AMD64) throw new UpdateModelError(400, 'arch must be the channel’s architecture (1, amd64)');
    const packageId = input.package_id;
    let pkg: LabPackage | null = null;
    if (packageId !== undefined && packageId !== '') {
      if (typeof packageId !== 'string') throw new UpdateModelError(400, 'package_id must be a string');
      pkg = this.packages.get(packageId) ?? null;
      // Nebraska's validatePackage: the package must exist in the channel's application and not be blacklisted for it.
      if (!pkg || pkg.applicationId !== channel.applicationId) throw new UpdateModelError(400, 'package_id: no such package in this application');
      if (pkg.channelsBlacklist.includes(channel.id)) throw new UpdateModelError(400, 'package_id: that package is blacklisted for this channel');
    }
    const changed = (pkg?.id ?? null) !== channel.packageId;
    channel.name = input.name;
    channel.color = input.color;
    channel.packageId = pkg?.id ?? null;
    if (changed && pkg) {
      for (const group of this.groups.values()) {
        if (group.channelId === channel.id) this.addActivity(group, 'channelPackageUpdated', 'info', pkg.version, '');
      }
    }
    this.revision += 1;
    return channel;
  }
}
