/**
 * A console over IPMI Serial over LAN: `ipmitool -I lanplus … sol activate` in a pseudo-terminal
 * (node-pty, as VS Code's and Tabby's terminals), the password in the environment (`-E`), never on
 * the command line. A session a client left active is deactivated first (the BMC allows one: the next
 * would get "SOL payload already active on another session"). ipmitool's escapes leave (`~.`) and
 * send BREAK (`~B`), each after a newline.
 */
import { execFile } from 'node:child_process';
import * as pty from 'node-pty';
import { AppError } from '../../../shared/errors';
import type { ConsoleLink } from './link';
import { sessionFailure } from '../providers/ipmi/ipmitool';

export interface SolLinkOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  cipherSuite: number;
  /** ipmitool's path, or null when it is not installed. */
  ipmitool: string | null;
  onData(chunk: Buffer): void;
  onClose(error: AppError | null): void;
}

const MISSING =
  'ipmitool is not installed, and Serial over LAN runs through it: install it (apt install ipmitool, dnf install ipmitool, brew install ipmitool).';
/** How long `sol activate` may take to say it is connected before the attempt counts as failed. */
const ACTIVATE_TIMEOUT_MS = 15_000;

function args(o: SolLinkOptions, command: string[]): string[] {
  return ['-I', 'lanplus', '-C', String(o.cipherSuite), '-H', o.host, '-p', String(o.port), '-U', o.username, '-E', '-N', '2', '-R', '2', ...command];
}

/** `sol deactivate`: clears a session someone left active; its failure (none was active) is fine. */
function deactivate(o: SolLinkOptions): Promise<void> {
  return new Promise((resolve) => {
    execFile(o.ipmitool!, args(o, ['sol', 'deactivate']), { env: { PATH: process.env.PATH ?? '', IPMI_PASSWORD: o.password }, timeout: 15_000 }, () =>
      resolve(),
    );
  });
}

export async function openSolLink(o: SolLinkOptions): Promise<ConsoleLink> {
  if (!o.ipmitool) throw new AppError('unavailable', MISSING, { retryable: false });
  const where = `${o.host}:${o.port}`;
  await deactivate(o);
  const started = Date.now();
  const term = pty.spawn(o.ipmitool, args(o, ['sol', 'activate']), {
    name: 'xterm-256color',
    cols: 120,
    rows: 40,
    env: { PATH: process.env.PATH ?? '', IPMI_PASSWORD: o.password, TERM: 'xterm-256color' },
    encoding: null,
  });
  let open = false;
  let said = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      term.kill();
      reject(new AppError('timeout', `The BMC at ${where} did not start Serial over LAN in ${ACTIVATE_TIMEOUT_MS / 1000} s.`));
    }, ACTIVATE_TIMEOUT_MS);
    const link: ConsoleLink = {
      write: (data) => term.write(Buffer.isBuffer(data) ? data.toString('latin1') : data),
      pause: () => term.pause(),
      resume: () => term.resume(),
      destroy: () => {
        if (!open) return;
        open = false;
        // Leave politely so the BMC frees the payload, then make sure ipmitool is gone.
        term.write('\r~.');
        setTimeout(() => term.kill(), 500);
      },
      sendBreak: async () => {
        term.write('\r~B');
        return { reply: 'no-answer', label: 'IPMI SOL break (~B)' };
      },
    };
    term.onData((data: string | Buffer) => {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
      if (open) return o.onData(chunk);
      said = (said + chunk.toString('latin1')).slice(-2048);
      // ipmitool says "[SOL Session operational.  Use ~? for help]" once the payload is up.
      const at = said.indexOf('SOL Session operational');
      if (at < 0) return;
      clearTimeout(timer);
      open = true;
      resolve(link);
      const rest = said.slice(said.indexOf(']', at) + 1);
      if (rest) o.onData(Buffer.from(rest.replace(/^\r?\n/, ''), 'latin1'));
    });
    term.onExit(({ exitCode }) => {
      clearTimeout(timer);
      const last = said.trim().split(/\r?\n/).filter(Boolean).slice(-2).join(' ').slice(0, 300);
      if (!open) {
        const refused = sessionFailure(last, Date.now() - started, { where, what: `the Serial over LAN login as ${o.username}`, cipherSuite: o.cipherSuite });
        if (refused) return reject(refused);
        if (/already active/i.test(last))
          return reject(
            new AppError('conflict', `Serial over LAN on ${where} is in use by another session, and it could not be taken over (ipmitool said: ${last}).`),
          );
        return reject(new AppError('unavailable', `ipmitool sol activate at ${where} ended (exit ${exitCode}): ${last || 'it said nothing'}.`));
      }
      open = false;
      o.onClose(exitCode === 0 ? null : new AppError('unreachable', `Serial over LAN to ${where} ended.`));
    });
  });
}
