/**
 * What runs on each lab machine about its OS: for Flatcar, update_engine and GRUB's A/B choice; for
 * Talos and NixOS, their images and generations. Flatcar machines check in over Omaha (requests of
 * the update_engine fixtures' shape), download, write the passive USR slot (priority 2, tries 1,
 * successful 0), wait for a reboot per their strategy, boot the new slot, and mark it successful two
 * minutes later, or hang, get rebooted by a health-check watchdog and fall back, reporting error 44
 * (Flatcar docs: manual-rollbacks.md, update-strategies.md; update_engine omaha_request_action.cc;
 * docs/architecture.md#os-updates). The serial console, the Metal API and the update server all
 * read this one state.
 */
import { randomUUID } from 'node:crypto';
import type { NodeOsState, OsSlot } from '../../../shared/model';
import { OMAHA_EVENT, OMAHA_RESULT, ROLLBACK_ERROR_CODE, type UpdateEngineStatus } from '../../../shared/updates/nebraska-rules';
import type { LabFleet, Machine, OsTools } from '../lab-fleet';
import { parseOmahaResponse, writeOmahaRequest, type OmahaEvent, type OmahaManifest } from './omaha-xml';
import { FLATCAR_APP_ID } from './update-model';
import type { LabUpdateServer } from './update-server';

const MIN = 60_000;
/** update_engine: first check about 7 minutes after boot, then every 45 minutes (± jitter). */
const STEP = {
  firstCheck: 7 * MIN,
  checkEvery: 45 * MIN,
  downloadStart: 5_000,
  download: 2 * MIN,
  install: 40_000,
  locksmithReboot: 5 * MIN,
  reportAfterBoot: 30_000,
  markSuccessful: 2 * MIN,
  watchdog: 4 * MIN,
} as const;

interface UsrSlot {
  label: 'USR-A' | 'USR-B';
  version: string | null;
  priority: number;
  tries: number;
  successful: boolean;
}

type Step = 'check' | 'downloadStart' | 'downloaded' | 'installed' | 'reboot' | 'report' | 'markSuccessful' | 'watchdog' | 'waitReboot';

export interface FlatcarState {
  machineId: string;
  bootId: string;
  slots: [UsrSlot, UsrSlot];
  booted: 0 | 1;
  op: UpdateEngineStatus;
  progressStartedAt: number | null;
  newVersion: string | null;
  newSize: number;
  lastChecked: number | null;
  /** update_engine's `previous-version` pref: the version before the staged update ('' when none). */
  previousVersion: string;
  alephVersion: string;
  track: string;
  rebootStrategy: 'reboot' | 'off';
  step: Step;
  nextAt: number;
  manifest: OmahaManifest | null;
  /** The staged update will not come up healthy on this machine. */
  willFail: boolean;
  pendingEvents: OmahaEvent[];
}

export interface OsAgentOptions {
  fleet: LabFleet;
  server: LabUpdateServer;
  timeScale: number;
  now?: () => number;
  random?: () => number;
  /** Share of installs whose new slot never becomes healthy (default 0.04). */
  updateFailureRate?: number;
  /** Exactly these installs fail: `version#n` = the n-th machine to install that version. */
  failInstalls?: readonly string[];
  tickMs?: number;
  log?: { warn(message: string, meta?: Record<string, unknown>): void };
  /** locksmithd's strategy on every Flatcar machine; `mixed` (default): Kubernetes nodes `off`, the rest `reboot`. */
  rebootStrategy?: 'mixed' | 'reboot' | 'off';
}

export class OsAgents implements OsTools {
  readonly flatcar = new Map<string, FlatcarState>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly installsByVersion = new Map<string, number>();
  /** The reports made while seeding were there before the lab started: no update of the device to log. */
  private seeding = false;

  constructor(private readonly options: OsAgentOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    const fleet = options.fleet;
    this.seeding = true;
    for (const machine of fleet.list()) this.seed(machine);
    this.seeding = false;
    fleet.events.on('transition', (machine, from, to) => this.onTransition(machine, from, to));
    fleet.osTools = this;
  }

  // ---- the machine's own tools, typed on its console (lab-shell.ts) --------------------------------

  prioritizeUsr(machine: Machine, device: string): { output: string; ok: boolean } {
    const state = this.flatcar.get(machine.id);
    const index = device === '/dev/sda3' ? 0 : device === '/dev/sda4' ? 1 : null;
    if (!state) return { output: 'ERROR: cgpt: no GPT with USR partitions on this machine', ok: false };
    if (index === null) return { output: `ERROR: ${device}: not a USR partition (try cgpt find -t flatcar-usr)`, ok: false };
    // cgpt prioritize: the given partition gets the highest priority, the other one less. Tries and
    // successful stay as they are, so a slot that never booted successfully still needs its try.
    state.slots[index] = { ...state.slots[index], priority: 2 };
    const other = index === 0 ? 1 : 0;
    state.slots[other] = { ...state.slots[other], priority: 1 };
    this.report(machine, state);
    return { output: '', ok: true };
  }

  nixosGenerations(machine: Machine): string {
    const report = machine.osReport;
    if (report?.scheme !== 'nixos-generations') return '';
    const rows = report.slots.map(
      (g) =>
        `${g.label.replace('generation ', '').padEnd(11)} ${'2026-11-20 12:00:00'.padEnd(20)} ${(g.version ?? '').padEnd(28)} ${g.nextBoot ? 'True' : 'False'}`,
    );
    return ['Generation  Build-date           NixOS version                Current', ...rows].join('\r\n');
  }

  nixosRollback(machine: Machine): { output: string; ok: boolean } {
    const report = machine.osReport;
    if (report?.scheme !== 'nixos-generations') return { output: 'error: no system profile', ok: false };
    const current = report.slots.findIndex((g) => g.nextBoot);
    if (current <= 0) return { output: 'error: there is no generation before the current one to roll back to', ok: false };
    const slots = report.slots.map((g, i) => ({ ...g, nextBoot: i === current - 1 }));
    machine.osReport = { ...report, slots };
    this.options.fleet.touch(machine);
    const to = slots[current - 1]!;
    return {
      output: [
        `switching profile from version ${current + 1} to ${current}`,
        'activating the configuration...',
        'setting up /etc...',
        `reloading user units for ${machine.hostname}...`,
        `the running system is ${to.label} (${to.version}); it boots next`,
      ].join('\r\n'),
      ok: true,
    };
  }

  start(): void {
    // Every machine registers at once, as if it had checked in before Ironpane opened.
    for (const [id, state] of this.flatcar) {
      const machine = this.options.fleet.machines.get(id);
      if (machine && machine.state === 'active')
        this.options.server.register(this.omahaApp(machine, state, { ping: true, updateCheck: false }), this.ipOf(machine));
    }
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 200);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private s(ms: number): number {
    return ms * this.options.timeScale;
  }

  private seed(machine: Machine): void {
    const versions = machine.os.fleetVersions;
    const older = versions[versions.indexOf(machine.osVersion) + 1] ?? null;
    if (machine.os.distro === 'flatcar') {
      const state: FlatcarState = {
        machineId: machine.id.replace(/-/g, ''),
        bootId: randomUUID(),
        slots: [
          { label: 'USR-A', version: machine.osVersion, priority: 2, tries: 0, successful: true },
          { label: 'USR-B', version: older, priority: 1, tries: 0, successful: older !== null },
        ],
        booted: 0,
        op: 'UPDATE_STATUS_IDLE',
        progressStartedAt: null,
        newVersion: null,
        newSize: 0,
        lastChecked: null,
        previousVersion: '',
        alephVersion: versions[versions.length - 1] ?? machine.osVersion,
        track: machine.os.slug.replace('flatcar_', ''),
        // Kubernetes nodes leave reboots to an operator (FLUO/kured style); the rest let locksmithd reboot.
        rebootStrategy:
          this.options.rebootStrategy === 'mixed' || this.options.rebootStrategy === undefined
            ? machine.role.startsWith('k8s')
              ? 'off'
              : 'reboot'
            : this.options.rebootStrategy,
        step: 'check',
        nextAt: this.now() + this.random() * this.s(STEP.checkEvery),
        manifest: null,
        willFail: false,
        pendingEvents: [],
      };
      this.flatcar.set(machine.id, state);
      this.report(machine, state);
    } else if (machine.os.distro === 'talos') {
      machine.osReport = {
        scheme: 'talos-ab',
        bootedVersion: machine.osVersion,
        slots: [slot('current', machine.osVersion, true, true), slot('previous', older, false, false)],
        updateEngine: null,
        rebootStrategy: null,
      };
    } else if (machine.os.distro === 'nixos') {
      const base = 40 + (machine.shortId.charCodeAt(0) % 20);
      machine.osReport = {
        scheme: 'nixos-generations',
        bootedVersion: machine.osVersion,
        slots: [...(older ? [slot(`generation ${base - 1}`, older, false, false)] : []), slot(`generation ${base}`, machine.osVersion, true, true)],
        updateEngine: null,
        rebootStrategy: null,
      };
    }
  }

  /** The OS state as the node's agent reports it into `customdata` and as the console prints it. */
  private report(machine: Machine, state: FlatcarState): void {
    const next = grubPick(state.slots);
    const slots: OsSlot[] = state.slots.map((s, i) => ({
      label: s.label,
      version: s.version,
      booted: i === state.booted,
      nextBoot: i === next,
      priority: s.priority,
      tries: s.tries,
      successful: s.successful,
    }));
    machine.osReport = {
      scheme: 'usr-ab',
      bootedVersion: state.slots[state.booted].version ?? machine.osVersion,
      slots,
      updateEngine: {
        status: state.op,
        progress: this.progress(state),
        newVersion: state.newVersion,
        lastCheckedAt: state.lastChecked === null ? null : new Date(state.lastChecked).toISOString(),
      },
      rebootStrategy: state.rebootStrategy,
    } satisfies NodeOsState;
    this.options.fleet.touch(machine, !this.seeding);
  }

  progress(state: FlatcarState): number {
    if (state.op === 'UPDATE_STATUS_DOWNLOADING' && state.progressStartedAt !== null) {
      return Math.min(0.99, (this.now() - state.progressStartedAt) / this.s(STEP.download));
    }
    return state.op === 'UPDATE_STATUS_UPDATED_NEED_REBOOT' || state.op === 'UPDATE_STATUS_FINALIZING' || state.op === 'UPDATE_STATUS_VERIFYING' ? 1 : 0;
  }

  private tick(): void {
    const fleet = this.options.fleet;
    // A timer callback that throws would take the whole process down: one machine's fault stays its own.
    try {
      fleet.advance();
    } catch (error) {
      this.options.log?.warn('lab fleet could not advance', { cause: error });
    }
    const now = this.now();
    for (const [id, state] of this.flatcar) {
      if (state.step === 'waitReboot' || now < state.nextAt) continue;
      const machine = fleet.machines.get(id);
      if (!machine || machine.state !== 'active') continue;
      try {
        this.run(machine, state);
      } catch (error) {
        this.options.log?.warn('lab update agent step failed', { machine: machine.hostname, step: state.step, cause: error });
        this.schedule(state, 'check', STEP.checkEvery);
      }
    }
  }

  private schedule(state: FlatcarState, step: Step, afterMs: number): void {
    state.step = step;
    state.nextAt = this.now() + this.s(afterMs);
  }

  private run(machine: Machine, state: FlatcarState): void {
    switch (state.step) {
      case 'check': {
        state.op = 'UPDATE_STATUS_CHECKING_FOR_UPDATE';
        const answer = this.send(machine, state, { ping: true, updateCheck: true });
        state.lastChecked = this.now();
        if (answer?.manifest && answer.manifest.size > 0 && answer.manifest.sha256) {
          state.op = 'UPDATE_STATUS_UPDATE_AVAILABLE';
          state.manifest = answer.manifest;
          state.newVersion = answer.manifest.version;
          state.newSize = answer.manifest.size;
          this.schedule(state, 'downloadStart', STEP.downloadStart);
        } else {
          state.op = 'UPDATE_STATUS_IDLE';
          this.schedule(state, 'check', STEP.checkEvery * (0.9 + this.random() * 0.2));
        }
        break;
      }
      case 'downloadStart':
        state.op = 'UPDATE_STATUS_DOWNLOADING';
        state.progressStartedAt = this.now();
        this.event(machine, state, OMAHA_EVENT.downloadStarted, OMAHA_RESULT.success);
        this.schedule(state, 'downloaded', STEP.download);
        break;
      case 'downloaded': {
        this.event(machine, state, OMAHA_EVENT.downloadFinished, OMAHA_RESULT.success);
        state.op = 'UPDATE_STATUS_FINALIZING';
        // Postinstall writes the passive slot and flips the GPT attributes (manual-rollbacks.md).
        const passive = state.booted === 0 ? 1 : 0;
        state.slots[passive] = { ...state.slots[passive], version: state.manifest!.version, priority: 2, tries: 1, successful: false };
        state.slots[state.booted] = { ...state.slots[state.booted], priority: 1 };
        this.schedule(state, 'installed', STEP.install);
        this.report(machine, state);
        break;
      }
      case 'installed': {
        this.event(machine, state, OMAHA_EVENT.installed, OMAHA_RESULT.success);
        state.op = 'UPDATE_STATUS_UPDATED_NEED_REBOOT';
        state.previousVersion = state.slots[state.booted].version ?? '';
        const version = state.manifest!.version;
        const ordinal = (this.installsByVersion.get(version) ?? 0) + 1;
        this.installsByVersion.set(version, ordinal);
        const forced = this.options.failInstalls?.includes(`${version}#${ordinal}`) ?? false;
        state.willFail = forced || (!this.options.failInstalls?.length && this.random() < (this.options.updateFailureRate ?? 0.04));
        if (state.rebootStrategy === 'reboot') this.schedule(state, 'reboot', STEP.locksmithReboot);
        else state.step = 'waitReboot';
        this.report(machine, state);
        break;
      }
      case 'reboot':
        state.step = 'waitReboot';
        this.options.fleet.selfReboot(machine, 'locksmithd: rebooting to finish the update (REBOOT_STRATEGY=reboot)');
        break;
      case 'watchdog':
        state.step = 'waitReboot';
        this.options.fleet.selfReboot(machine, 'Health check did not pass within 4 minutes of the first boot after the update: rebooting so GRUB falls back');
        break;
      case 'report': {
        // update_engine's first check after a reboot: same version as before the update = GRUB fell back.
        const running = state.slots[state.booted].version ?? '';
        if (state.previousVersion && running === state.previousVersion) {
          state.pendingEvents.push({
            type: OMAHA_EVENT.updateComplete,
            result: OMAHA_RESULT.error,
            previousVersion: state.previousVersion,
            errorCode: ROLLBACK_ERROR_CODE,
          });
          state.op = 'UPDATE_STATUS_REPORTING_ERROR_EVENT';
        } else if (state.previousVersion) {
          state.pendingEvents.push({
            type: OMAHA_EVENT.updateComplete,
            result: OMAHA_RESULT.successReboot,
            previousVersion: state.previousVersion,
            errorCode: 0,
          });
        }
        const rolledBack = state.op === 'UPDATE_STATUS_REPORTING_ERROR_EVENT';
        this.send(machine, state, { ping: true, updateCheck: false });
        state.previousVersion = '';
        state.op = 'UPDATE_STATUS_IDLE';
        state.manifest = null;
        state.newVersion = null;
        if (!state.slots[state.booted].successful) this.schedule(state, 'markSuccessful', STEP.markSuccessful - STEP.reportAfterBoot);
        // After reporting a rollback the next check waits a full interval (the lab's choice: it gives an
        // operator, or Ironpane's rollout guard, time to stop the group before the node is offered it again).
        else this.schedule(state, 'check', rolledBack ? STEP.checkEvery : STEP.firstCheck);
        this.report(machine, state);
        break;
      }
      case 'markSuccessful':
        state.slots[state.booted] = { ...state.slots[state.booted], successful: true, tries: 0 };
        this.schedule(state, 'check', STEP.firstCheck - STEP.markSuccessful);
        this.report(machine, state);
        break;
      case 'waitReboot':
        break;
    }
  }

  private onTransition(machine: Machine, from: string, to: string): void {
    const state = this.flatcar.get(machine.id);
    const reinstalled = to === 'active' && (from === 'reinstalling' || from === 'provisioning');
    if (!state) {
      // A fresh image: Talos's slots and NixOS's generations start again from the version just installed.
      if (reinstalled) this.seed(machine);
      // NixOS boots the generation its bootloader defaults to (the one `switch` made current).
      const report = machine.osReport;
      if (to === 'powering_on' && report?.scheme === 'nixos-generations') {
        const next = report.slots.find((g) => g.nextBoot);
        if (next?.version) {
          machine.osReport = { ...report, bootedVersion: next.version, slots: report.slots.map((g) => ({ ...g, booted: g === next })) };
          machine.osVersion = next.version;
          this.options.fleet.touch(machine);
        }
      }
      return;
    }
    if (to === 'reinstalling' || to === 'provisioning') {
      // A reinstall writes a fresh image: USR-A only, nothing staged.
      state.slots = [
        { label: 'USR-A', version: machine.os.version, priority: 2, tries: 0, successful: true },
        { label: 'USR-B', version: null, priority: 0, tries: 0, successful: false },
      ];
      state.booted = 0;
      state.previousVersion = '';
      state.op = 'UPDATE_STATUS_IDLE';
      state.willFail = false;
      state.step = 'waitReboot';
      state.track = machine.os.slug.replace('flatcar_', '');
      this.report(machine, state);
      return;
    }
    if (to === 'powering_on') {
      // GRUB: the highest-priority slot that is successful or has tries left, using up one try.
      const pick = grubPick(state.slots);
      if (pick === null) return;
      const chosen = state.slots[pick];
      if (!chosen.successful && chosen.tries > 0) state.slots[pick] = { ...chosen, tries: chosen.tries - 1 };
      state.booted = pick;
      state.bootId = randomUUID();
      machine.osVersion = state.slots[pick].version ?? machine.osVersion;
      state.op = 'UPDATE_STATUS_IDLE';
      state.step = 'waitReboot';
      this.report(machine, state);
      return;
    }
    if (reinstalled) state.slots[0] = { ...state.slots[0]!, version: machine.osVersion };
    if (to === 'active' && (from === 'powering_on' || from === 'reinstalling' || from === 'provisioning')) {
      const bootedNew = !state.slots[state.booted].successful;
      if (bootedNew && state.willFail) {
        state.willFail = false;
        this.schedule(state, 'watchdog', STEP.watchdog);
      } else if (from === 'powering_on' && (state.previousVersion || bootedNew)) {
        this.schedule(state, 'report', STEP.reportAfterBoot);
      } else {
        this.schedule(state, 'check', STEP.firstCheck);
      }
      this.report(machine, state);
    }
  }

  private event(machine: Machine, state: FlatcarState, type: number, result: number): void {
    state.pendingEvents.push({ type, result, previousVersion: state.slots[state.booted].version ?? '', errorCode: 0 });
    this.send(machine, state, { ping: false, updateCheck: false });
  }

  /** One Omaha round trip through the lab update server; events are sent with it and cleared. */
  private send(machine: Machine, state: FlatcarState, what: { ping: boolean; updateCheck: boolean }) {
    const xml = writeOmahaRequest(this.omahaApp(machine, state, what));
    state.pendingEvents = [];
    const { status, body } = this.options.server.omaha(xml, this.ipOf(machine));
    if (status !== 200) return null;
    return parseOmahaResponse(body)[0] ?? null;
  }

  /** What the machine's update_engine says of itself in a request (its pending events included). */
  private omahaApp(machine: Machine, state: FlatcarState, what: { ping: boolean; updateCheck: boolean }) {
    return {
      appId: FLATCAR_APP_ID,
      version: state.slots[state.booted].version ?? machine.osVersion,
      track: state.track,
      machineId: state.machineId,
      machineAlias: machine.hostname,
      oem: 'packet',
      alephVersion: state.alephVersion,
      board: 'amd64-usr',
      bootId: state.bootId,
      ping: what.ping,
      updateCheck: what.updateCheck,
      events: state.pendingEvents,
    };
  }

  /** The address its check-ins come from: its first IPv4, or a made-up private one on its VLAN. */
  private ipOf(machine: Machine): string {
    return machine.ips.find((i) => i.family === 4)?.address ?? `192.168.${(machine.vlans[0]?.vxlan ?? 0) % 256}.${(machine.shortId.charCodeAt(0) % 200) + 20}`;
  }

  /** Operator-started reboot of a machine waiting for one (the Rollouts screen's batch uses the Metal API instead). */
  waitingForReboot(machineId: string): boolean {
    return this.flatcar.get(machineId)?.op === 'UPDATE_STATUS_UPDATED_NEED_REBOOT';
  }
}

function slot(label: string, version: string | null, booted: boolean, nextBoot: boolean): OsSlot {
  return { label, version, booted, nextBoot, priority: null, tries: null, successful: null };
}

/** GRUB's choice among the USR slots: highest priority that is successful or has tries left. */
export function grubPick(slots: readonly UsrSlot[]): 0 | 1 | null {
  let best: 0 | 1 | null = null;
  slots.forEach((s, i) => {
    if (s.version === null || s.priority <= 0 || (!s.successful && s.tries <= 0)) return;
    if (best === null || s.priority > slots[best]!.priority) best = i as 0 | 1;
  });
  return best;
}
