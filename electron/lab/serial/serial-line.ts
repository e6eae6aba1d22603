/**
 * One lab machine's serial port: what it prints (paced like a 115200-baud UART, scaled with the lab
 * clock) and what it does with the bytes typed at it. It follows the machine through the fleet's
 * state changes: boots replay firmware → kernel → userspace → login, shutdowns print and go quiet,
 * failures stop where real ones do. BREAK then a key within 5 s acts as Linux Magic SysRq.
 */
import { EventEmitter } from 'node:events';
import type { NodeState } from '../../../shared/model';
import type { LabFleet, Machine } from '../lab-fleet';
import { failureKind, failureText, firmwareAndKernel, lines, loginBanner, loginUser, shutdownText, SYSRQ_HELP, userspace } from './console-text';
import { prompt, runCommand } from './lab-shell';

const CRLF = '\r\n';
/** 115200 baud, 8N1: ten bits per byte. */
const BYTES_PER_SECOND = 11_520;
const TICK_MS = 10;
/** The kernel accepts the SysRq key for this long after a BREAK (drivers/tty/serial/serial_core.c). */
export const SYSRQ_WINDOW_MS = 5_000;
const FLOOD_CHUNK = 64 * 1024;

type LineState =
  'off' | 'booting' | 'login' | 'password' | 'shell' | 'emergency-wait' | 'emergency-password' | 'emergency-shell' | 'panic' | 'mountroot' | 'talos';

export interface SerialLineEvents {
  data: [Buffer];
}

const MAX_LINE_CHARS = 4095;
/**
 * What a serial server keeps of a port's output for a viewer who attaches later (conserver replays
 * its buffer, `^Ec r`): enough for a whole install and the login prompt.
 */
export const REPLAY_BYTES = 64 * 1024;

export class SerialLine extends EventEmitter<SerialLineEvents> {
  state: LineState;
  private queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private epoch = 0;
  private lineBuffer = '';
  private user = '';
  private escape = false;
  private sysrqUntil = 0;
  private congested = new Set<unknown>();
  private resumeWaiters: (() => void)[] = [];
  private flooding: { cancel: boolean } | null = null;
  private readonly bytesPerSecond: number;
  /** The latest output, newest last, at most REPLAY_BYTES: replayed to a viewer on attach. */
  private history: Buffer[] = [];
  private historyBytes = 0;
  /** Whether anyone watches: unwatched, output is not paced (no timers for a port nobody reads). The gateway says; a line on its own is watched by whoever made it. */
  private watched = true;

  constructor(
    readonly machine: Machine,
    private readonly fleet: LabFleet,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.bytesPerSecond = BYTES_PER_SECOND / Math.max(0.001, Math.min(1, fleet.clockScale));
    this.state = this.initialState();
  }

  private initialState(): LineState {
    switch (this.machine.state) {
      case 'active':
        return this.machine.os.distro === 'talos' ? 'talos' : 'login';
      case 'failed':
        return this.stuckState();
      case 'inactive':
      case 'powering_off':
      case 'deleted':
        return 'off';
      default:
        return 'booting';
    }
  }

  private stuckState(): LineState {
    const kind = failureKind(this.machine);
    return kind === 'panic' ? 'panic' : kind === 'mountroot' ? 'mountroot' : 'emergency-wait';
  }

  dispose(): void {
    this.epoch++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.flooding) this.flooding.cancel = true;
    this.removeAllListeners();
  }

  // ---- output ---------------------------------------------------------------------------------

  /** Paced output, as a UART would send it. */
  print(text: string): void {
    if (!text) return;
    const buffer = Buffer.from(text, 'utf8');
    this.queue.push(buffer);
    this.queued += buffer.length;
    this.pump();
  }

  /** What the port printed lately (a serial server's replay buffer). */
  recent(): Buffer {
    return Buffer.concat(this.history);
  }

  /** The gateway says whether any viewer is attached. */
  setWatched(watched: boolean): void {
    this.watched = watched;
    this.pump();
  }

  private remember(chunk: Buffer): void {
    this.history.push(chunk);
    this.historyBytes += chunk.length;
    while (this.historyBytes - this.history[0]!.length >= REPLAY_BYTES) this.historyBytes -= this.history.shift()!.length;
  }

  private emitOutput(chunk: Buffer): void {
    this.remember(chunk);
    this.emit('data', chunk);
  }

  private pump(): void {
    if (!this.watched && !this.timer && this.queued > 0) {
      // Nobody reads the port: keep what it printed for a later viewer, without pacing it (but never
      // within the print() that made it, as no UART answers inside the write that caused it).
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.watched) return this.pump();
        const all = Buffer.concat(this.queue);
        this.queue = [];
        this.queued = 0;
        this.emitOutput(all);
      }, 0);
      return;
    }
    if (this.timer || this.queued === 0 || this.congested.size > 0) return;
    let budget = Math.max(1, Math.round((this.bytesPerSecond * TICK_MS) / 1000));
    const out: Buffer[] = [];
    while (budget > 0 && this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.length <= budget) {
        out.push(head);
        budget -= head.length;
        this.queue.shift();
      } else {
        out.push(head.subarray(0, budget));
        this.queue[0] = head.subarray(budget);
        budget = 0;
      }
    }
    const chunk = Buffer.concat(out);
    this.queued -= chunk.length;
    this.emitOutput(chunk);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, TICK_MS);
  }

  /** The gateway reports a viewer that cannot keep up; output waits for it (no byte is dropped). */
  setCongested(viewer: unknown, congested: boolean): void {
    if (congested) this.congested.add(viewer);
    else this.congested.delete(viewer);
    if (this.congested.size === 0) {
      for (const resume of this.resumeWaiters.splice(0)) resume();
      this.pump();
    }
  }

  viewerGone(viewer: unknown): void {
    this.setCongested(viewer, false);
  }

  private whenUncongested(): Promise<void> {
    if (this.congested.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.resumeWaiters.push(resolve));
  }

  // ---- machine lifecycle ----------------------------------------------------------------------

  onTransition(from: NodeState, to: NodeState): void {
    const m = this.machine;
    if (to === 'powering_off') {
      if (this.state !== 'off') this.print(lines(shutdownText(m)));
      this.epoch++;
      this.state = 'off';
      if (this.flooding) this.flooding.cancel = true;
    } else if (to === 'powering_on') {
      const kind = from === 'powering_off' || from === 'active' || from === 'failed' ? 'reboot' : 'power_on';
      this.boot(this.fleet.bootDurationMs(kind), true);
    } else if (to === 'reinstalling' || to === 'provisioning') {
      this.install(this.fleet.bootDurationMs('reinstall'));
    } else if (to === 'active' && ['booting', 'off'].includes(this.state)) {
      this.finishBoot();
    } else if (to === 'failed') {
      this.epoch++;
      this.print(lines(failureText(m)));
      this.state = this.stuckState();
    }
  }

  private async script(texts: string[], totalMs: number, epoch: number): Promise<boolean> {
    const step = texts.length > 0 ? totalMs / texts.length : 0;
    for (const text of texts) {
      if (epoch !== this.epoch) return false;
      this.print(`${text}${CRLF}`);
      await new Promise((r) => setTimeout(r, step));
    }
    return epoch === this.epoch;
  }

  private boot(durationMs: number, pxe: boolean): void {
    const epoch = ++this.epoch;
    this.state = 'booting';
    this.lineBuffer = '';
    // Firmware and kernel over the first half of the boot, userspace over the next third; the fleet
    // then decides whether it comes up (login prompt) or fails (onTransition).
    void this.script(firmwareAndKernel(this.machine, pxe && this.machine.rescue), durationMs * 0.5, epoch).then(
      (still) => still && this.script(userspace(this.machine), durationMs * 0.33, epoch),
    );
  }

  private install(durationMs: number): void {
    const epoch = ++this.epoch;
    this.state = 'booting';
    const m = this.machine;
    void this.script(
      [
        ...firmwareAndKernel(m, true),
        `Installing ${m.os.name} to /dev/nvme0n1 ...`,
        'Wiping partition table ... done',
        'Writing image: 10% ... 40% ... 70% ... 100%',
        'Staging configuration for first boot ... done',
        'Rebooting into the installed system ...',
        ...userspace(m),
      ],
      durationMs * 0.9,
      epoch,
    );
  }

  private finishBoot(): void {
    this.epoch++;
    const m = this.machine;
    if (m.os.distro === 'talos' && !m.rescue) {
      this.print(lines(loginBanner(m)));
      this.state = 'talos';
      return;
    }
    this.print(lines(loginBanner(m)) + `${m.hostname} login: `);
    this.state = 'login';
  }

  // ---- input ----------------------------------------------------------------------------------

  sendBreak(): void {
    this.sysrqUntil = this.now() + SYSRQ_WINDOW_MS;
  }

  input(data: Buffer): void {
    for (const byte of data) this.inputByte(byte);
  }

  private inputByte(byte: number): void {
    if (this.sysrqUntil > 0) {
      const armed = this.now() <= this.sysrqUntil;
      this.sysrqUntil = 0;
      if (armed && this.state !== 'off') return this.sysrq(String.fromCharCode(byte));
    }
    if (this.state === 'off' || this.state === 'booting' || this.state === 'panic') return;
    if (this.state === 'talos') {
      if (byte === 13) this.print(`[talos] this console has no shell; use talosctl -n <node> …${CRLF}`);
      return;
    }
    // Drop terminal escape sequences (arrow keys, cursor reports): this line editor has no history.
    if (this.escape) {
      if ((byte >= 0x40 && byte <= 0x7e && byte !== 0x5b) || byte === 0x7e) this.escape = false;
      return;
    }
    if (byte === 0x1b) {
      this.escape = true;
      return;
    }
    if (byte === 3) {
      if (this.flooding) this.flooding.cancel = true;
      this.lineBuffer = '';
      this.print(`^C${CRLF}${this.currentPrompt()}`);
      return;
    }
    if (byte === 4 && this.lineBuffer === '' && this.state === 'shell') return this.logout();
    if (byte === 127 || byte === 8) {
      if (this.lineBuffer.length > 0) {
        this.lineBuffer = this.lineBuffer.slice(0, -1);
        if (this.echoes()) this.print('\b \b');
      }
      return;
    }
    if (byte === 13 || byte === 10) {
      const line = this.lineBuffer;
      this.lineBuffer = '';
      this.print(CRLF);
      return this.enter(line);
    }
    if (byte < 32 || this.flooding) return;
    // A canonical-mode tty holds at most 4095 characters of a line and drops the rest
    // (N_TTY_BUF_SIZE, drivers/tty/n_tty.c); so does this one, so a huge paste cannot swamp the lab.
    if (this.lineBuffer.length >= MAX_LINE_CHARS) return;
    this.lineBuffer += String.fromCharCode(byte);
    if (this.echoes()) this.print(String.fromCharCode(byte));
  }

  private echoes(): boolean {
    return this.state !== 'password' && this.state !== 'emergency-password';
  }

  private currentPrompt(): string {
    const m = this.machine;
    switch (this.state) {
      case 'login':
        return `${m.hostname} login: `;
      case 'password':
      case 'emergency-password':
        return 'Password: ';
      case 'shell':
        return prompt(m, this.user, false);
      case 'emergency-shell':
        return prompt(m, 'root', true);
      case 'mountroot':
        return 'mountroot> ';
      default:
        return '';
    }
  }

  private enter(line: string): void {
    const m = this.machine;
    switch (this.state) {
      case 'login':
        if (!line.trim()) return this.print(`${m.hostname} login: `);
        this.user = line.trim();
        this.state = 'password';
        return this.print('Password: ');
      case 'password':
        // The lab accepts any password for an existing user: the point is the console path, not auth.
        if (!line || !['root', loginUser(m), 'core'].includes(this.user)) {
          this.state = 'login';
          return this.print(`${CRLF}Login incorrect${CRLF}${m.hostname} login: `);
        }
        this.state = 'shell';
        return this.print(`Last login: ${new Date().toUTCString()} on ttyS1${CRLF}${this.currentPrompt()}`);
      case 'emergency-wait':
        this.state = 'emergency-password';
        return this.print('Give root password for maintenance' + CRLF + '(or press Control-D to continue): ');
      case 'emergency-password':
        this.state = 'emergency-shell';
        return this.print(this.currentPrompt());
      case 'mountroot':
        if (line.trim() === '?') return this.print(`List of GEOM managed disk devices:${CRLF}  nvd0p1 nvd0p2 nvd0p3 nvd0${CRLF}mountroot> `);
        return this.print(`Mounting from ${line.trim() || '(none)'} failed with error 19.${CRLF}mountroot> `);
      case 'shell':
      case 'emergency-shell':
        return this.run(line);
      default:
        return undefined;
    }
  }

  private run(line: string): void {
    const result = runCommand(this.machine, this.state === 'emergency-shell' ? 'root' : this.user, this.state === 'emergency-shell', line, this.fleet.osTools);
    if (result.output) this.print(`${result.output}${CRLF}`);
    const effect = result.effect;
    if (effect === 'logout') return this.logout();
    if (effect === 'reboot') {
      // A clean reboot from the shell: systemd stops, the machine powers off and boots again.
      if (this.machine.state === 'active') this.fleet.selfReboot(this.machine, `Rebooted from the serial console by ${this.user || 'root'}`);
      else this.fleet.sysrqReboot(this.machine.id);
      return;
    }
    if (effect && typeof effect === 'object') {
      void this.flood(effect.flood);
      return;
    }
    this.print(this.currentPrompt());
  }

  private logout(): void {
    this.state = 'login';
    this.user = '';
    this.print(`${CRLF}${this.machine.hostname} login: `);
  }

  private sysrq(key: string): void {
    const say = (text: string) => this.print(`${CRLF}[${(Math.random() * 1000 + 1000).toFixed(6).padStart(12)}] ${text}${CRLF}`);
    switch (key) {
      case 'b':
        say('sysrq: Resetting');
        this.fleet.sysrqReboot(this.machine.id);
        return;
      case 'c':
        say('sysrq: Trigger a crash');
        this.print(lines(['Kernel panic - not syncing: sysrq triggered crash']));
        this.epoch++;
        this.state = 'panic';
        return;
      case 's':
        return say('sysrq: Emergency Sync');
      case 'm':
        return say('sysrq: Show Memory');
      default:
        // Linux prints the help line for `h` and for any key it does not know.
        return say(SYSRQ_HELP);
    }
  }

  /** `flood N`: N MiB of numbered lines, as fast as every viewer takes them, stoppable with Ctrl-C. */
  private async flood(mib: number): Promise<void> {
    const token = { cancel: false };
    this.flooding = token;
    const total = mib * 1024 * 1024;
    const block = floodBlock();
    let sent = 0;
    while (sent < total && !token.cancel) {
      await this.whenUncongested();
      if (token.cancel) break;
      const offset = sent % block.length;
      const chunk = block.subarray(offset, offset + Math.min(FLOOD_CHUNK, total - sent, block.length - offset));
      sent += chunk.length;
      this.emitOutput(chunk);
      // Let input (Ctrl-C) and other sessions in between chunks.
      if (this.congested.size === 0) await new Promise((r) => setImmediate(r));
    }
    if (this.flooding === token) this.flooding = null;
    if (!token.cancel) this.print(`${CRLF}flood: ${sent} bytes${CRLF}${this.currentPrompt()}`);
  }
}

let cachedFloodBlock: Buffer | null = null;

/** 1 MiB of numbered, printable lines, built once: flood speed should measure the console, not string building. */
export function floodBlock(): Buffer {
  if (cachedFloodBlock) return cachedFloodBlock;
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size < 1024 * 1024; n++) {
    const line = `flood ${String(n).padStart(8, '0')} ${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2)}\r\n`;
    lines.push(line);
    size += line.length;
  }
  cachedFloodBlock = Buffer.from(lines.join('')).subarray(0, 1024 * 1024);
  return cachedFloodBlock;
}
