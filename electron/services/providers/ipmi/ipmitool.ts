/**
 * IPMI through `ipmitool -I lanplus` (IPMI v2.0 RMCP+). The password goes in the child's
 * environment (`-E` reads IPMI_PASSWORD), never on its command line where `ps` would show it.
 * The cipher suite is a setting: many BMCs (and OpenIPMI's ipmi_sim) do not answer ipmitool's default
 * 17, and without `-C` a command can wait 10 s for the cipher-suite lookup to time out
 * (see docs/architecture.md#connections).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AppError } from '../../../../shared/errors';
import type { BootTarget, NodeState, PowerAction } from '../../../../shared/model';

export interface IpmiTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  cipherSuite: number;
}

const IPMITOOL_PATHS = ['/usr/bin/ipmitool', '/usr/sbin/ipmitool', '/usr/local/bin/ipmitool', '/opt/homebrew/bin/ipmitool'];

/** Where ipmitool is, or null with the words that say how to install it. */
export function findIpmitool(): string | null {
  return IPMITOOL_PATHS.find((p) => existsSync(p)) ?? null;
}

export const IPMITOOL_MISSING =
  'ipmitool is not installed on this computer. Install it (Debian/Ubuntu: sudo apt install ipmitool; Fedora: sudo dnf install ipmitool; macOS: brew install ipmitool) and try again.';

const POWER_COMMAND: Record<PowerAction, string> = { power_on: 'on', power_off: 'off', reboot: 'cycle' };
/** `chassis bootdev` device names for the boot targets IPMI has. */
export const IPMI_BOOT_DEVICE: Partial<Record<BootTarget, string>> = { Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom', BiosSetup: 'bios', None: 'none' };

/** ipmitool's words for the boot device selector, to Ironpane's boot targets. */
const BOOT_SELECTOR: [RegExp, BootTarget][] = [
  [/PXE/i, 'Pxe'],
  [/Hard-Drive|Hard Drive|disk/i, 'Hdd'],
  [/CD|DVD/i, 'Cd'],
  [/BIOS Setup/i, 'BiosSetup'],
  [/No override/i, 'None'],
];

/** A BMC that answers refuses a login within a second; ipmitool's retries on silence take ~10 s. */
const NO_ANSWER_AFTER_MS = 4_000;

/**
 * Why ipmitool could not open an RMCP+ session, from what it said and how long it took, or null when
 * it said something else. It says "Unable to establish IPMI v2 / RMCP+ session" both when the BMC
 * refuses the login (at once: ~60 ms against ipmi_sim) and when nothing answers at all (after its
 * retries, -N 2 -R 2: ~10 s). Only the time tells them apart; a refusal is not a silent address.
 * Used by every ipmitool call and by Serial over LAN (console/ipmi-sol-link.ts).
 */
export function sessionFailure(said: string, elapsedMs: number, o: { where: string; what: string; cipherSuite: number }): AppError | null {
  const refusedWords = /RAKP|password|unauthori/i.test(said);
  const noSession = /Unable to establish IPMI v2/i.test(said);
  if (noSession && !refusedWords && elapsedMs >= NO_ANSWER_AFTER_MS) {
    return new AppError(
      'unreachable',
      `Nothing answered IPMI at ${o.where} (ipmitool gave up after ${Math.round(elapsedMs / 1000)} s). Check the address and port, that IPMI over LAN is enabled on the BMC, and that nothing filters UDP to it.`,
    );
  }
  if (refusedWords || noSession) {
    return new AppError(
      'auth',
      `The BMC at ${o.where} refused ${o.what}: wrong user name or password, or cipher suite ${o.cipherSuite} not offered (ipmitool said: ${said}).`,
      {
        retryable: false,
      },
    );
  }
  return null;
}

export class Ipmitool {
  constructor(
    private readonly target: IpmiTarget,
    private readonly binary: string | null = findIpmitool(),
  ) {}

  get address(): string {
    return `${this.target.host}:${this.target.port}`;
  }

  async powerState(): Promise<NodeState> {
    const out = await this.run(['chassis', 'power', 'status']);
    if (/is on/i.test(out)) return 'active';
    if (/is off/i.test(out)) return 'inactive';
    throw new AppError('invalid', `The BMC at ${this.address} gave an unreadable power status: ${out.trim().slice(0, 200)}`, { retryable: false });
  }

  async power(action: PowerAction): Promise<void> {
    await this.run(['chassis', 'power', POWER_COMMAND[action]]);
  }

  async bootDevice(target: BootTarget, persistent: boolean): Promise<void> {
    const device = IPMI_BOOT_DEVICE[target];
    if (!device) throw new AppError('invalid', `IPMI cannot boot from ${target}; it offers ${Object.keys(IPMI_BOOT_DEVICE).join(', ')}.`, { retryable: false });
    await this.run(['chassis', 'bootdev', device, ...(persistent ? ['options=persistent'] : [])]);
  }

  /**
   * Reads the boot flags back (`chassis bootparam get 5`, IPMI v2.0 §28.13 parameter 5): which device,
   * whether for every boot or the next only, and whether the flags are valid at all. An invalid flag
   * means no override is in effect, whatever device it names.
   */
  async bootFlags(): Promise<{ target: string; enabled: 'Once' | 'Continuous' | 'Disabled' }> {
    const out = await this.run(['chassis', 'bootparam', 'get', '5']);
    const selector = /Boot Device Selector : (.+)/.exec(out)?.[1]?.trim() ?? '';
    const target = BOOT_SELECTOR.find(([pattern]) => pattern.test(selector))?.[1] ?? (selector || 'None');
    const valid = /Boot Flag Valid/i.test(out) && !/Boot Flag Invalid/i.test(out);
    const persistent = /all future boots/i.test(out);
    return { target, enabled: !valid ? 'Disabled' : persistent ? 'Continuous' : 'Once' };
  }

  run(args: string[], timeoutMs = 20_000): Promise<string> {
    const binary = this.binary;
    if (!binary) return Promise.reject(new AppError('unavailable', IPMITOOL_MISSING, { retryable: false }));
    const { host, port, username, password, cipherSuite } = this.target;
    const argv = ['-I', 'lanplus', '-C', String(cipherSuite), '-H', host, '-p', String(port), '-U', username, '-E', '-N', '2', '-R', '2', ...args];
    const started = Date.now();
    return new Promise((resolve, reject) => {
      execFile(
        binary,
        argv,
        { env: { PATH: process.env.PATH ?? '', IPMI_PASSWORD: password }, timeout: timeoutMs, maxBuffer: 1024 * 1024 },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const said = `${stderr}`.trim().split('\n').filter(Boolean).slice(-2).join(' ').slice(0, 300);
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new AppError('unavailable', IPMITOOL_MISSING, { retryable: false }));
          if (error.killed)
            return reject(
              new AppError(
                'timeout',
                `The BMC at ${this.address} did not answer ipmitool ${args.join(' ')} in ${timeoutMs / 1000} s. Check the address, and try cipher suite 3 if the BMC does not offer 17.`,
              ),
            );
          const refused = sessionFailure(said, Date.now() - started, { where: this.address, what: 'the session', cipherSuite });
          if (refused) return reject(refused);
          reject(new AppError('unavailable', `ipmitool ${args.join(' ')} failed at ${this.address}: ${said || `exit ${String(error.code)}`}`));
        },
      );
    });
  }
}
