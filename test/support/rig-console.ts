/** A console session as the rig tests open one: what differs is where it goes and how it logs in. */
import path from 'node:path';
import { ConsoleSession, type ConsoleCredentials, type ConsoleTarget } from '../../electron/services/console/console-session';
import { KnownHosts } from '../../electron/services/console/known-hosts';

export interface RigConsole {
  session: ConsoleSession;
  /** The last 16 KiB the console printed. */
  output(): string;
}

export function openRigConsole(options: {
  id: string;
  dir: string;
  machine: { id: string; hostname: string };
  target: ConsoleTarget;
  credentials: ConsoleCredentials;
  knownHostsFile?: string;
  acceptHostKey?: boolean;
  reconnect?: { initialMs: number; maxMs: number; attempts: number };
  sessions: ConsoleSession[];
}): RigConsole {
  const session = new ConsoleSession({
    id: options.id,
    nodeId: `lab:${options.machine.id}`,
    hostname: options.machine.hostname,
    target: options.target,
    credentials: options.credentials,
    knownHosts: new KnownHosts(options.knownHostsFile ?? path.join(options.dir, 'known_hosts')),
    prompts: { hostKey: async () => options.acceptHostKey ?? false, keyboardInteractive: async () => null },
    logDir: path.join(options.dir, 'logs'),
    reconnect: options.reconnect ?? { initialMs: 100, maxMs: 200, attempts: 1 },
  });
  options.sessions.push(session);
  let text = '';
  session.on('data', (d) => (text = (text + d.toString('latin1')).slice(-16_384)));
  return { session, output: () => text };
}
