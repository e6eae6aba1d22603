/**
 * Rig: the console proven against an SSH server we did not write. A real OpenSSH sshd on
 * 127.0.0.1 (own config with absolute paths, own host key, an ephemeral port) whose ForceCommand
 * is `socat` bridging to a serial-like Unix socket. Behind the socket sits a lab machine's serial
 * line, so the login prompt and commands are the same as through the lab gateway.
 * Setup: an absolute -f, /run/sshd for privilege separation, key-only auth, UsePAM no.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LabFleet } from '../../electron/lab/lab-fleet';
import { SerialLine } from '../../electron/lab/serial/serial-line';
import { ConsoleSession } from '../../electron/services/console/console-session';
import { KnownHosts } from '../../electron/services/console/known-hosts';
import { openRigConsole } from '../support/rig-console';
import { generateSshKeyPair } from '../../electron/lab/lab-keys';
import { serialSshdMissing, startSerialSshd, type Peer } from './peers';

const waitFor = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 20 });
const missing = serialSshdMissing();
const title = !missing ? 'real OpenSSH sshd with a ForceCommand serial bridge' : `real OpenSSH sshd rig — SKIPPED: install ${missing}`;
if (missing) console.warn(`[rig] ${title}`);

describe.skipIf(missing !== null)(title, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-rig-'));
  const client = generateSshKeyPair();
  const fleet = new LabFleet({ nodeCount: 5, failureRate: 0 });
  const machine = fleet.list().find((m) => m.state === 'active' && m.os.distro === 'flatcar')!;
  let sshd: Peer;
  let serialServer: net.Server;
  let port: number;
  const sessions: ConsoleSession[] = [];

  beforeAll(async () => {
    // The "serial port": a Unix socket whose other end is a simulated machine's UART.
    const socketPath = path.join(dir, 'ttyS1.sock');
    serialServer = net.createServer((socket) => {
      const line = new SerialLine(machine, fleet);
      line.on('data', (chunk) => socket.write(chunk));
      socket.on('data', (data) => line.input(data));
      socket.on('close', () => line.dispose());
      socket.on('error', () => line.dispose());
    });
    await new Promise<void>((r) => serialServer.listen(socketPath, () => r()));

    sshd = await startSerialSshd({ socketPath, authorizedKeys: [client.public] });
    port = sshd.port;
  });

  /** Waits for `connected`; if it does not come, fails saying what the session and sshd said. */
  async function expectConnected(session: ConsoleSession): Promise<void> {
    try {
      await waitFor(() => expect(session.info().status).toBe('connected'));
    } catch {
      const info = session.info();
      throw new Error(
        `the session is ${info.status}, not connected: ${info.error ? `${info.error.code}: ${info.error.message}` : 'no error given'}\n--- sshd log (last 2 KB) ---\n${sshd.output().slice(-2048)}`,
      );
    }
  }

  afterAll(async () => {
    sessions.forEach((s) => s.dispose());
    await sshd?.stop();
    await new Promise<void>((r) => serialServer.close(() => r()));
  });

  function openSession(knownHostsFile: string, accept = true) {
    return openRigConsole({
      id: `rig${sessions.length}`,
      dir,
      machine,
      target: { host: '127.0.0.1', port, username: os.userInfo().username },
      credentials: { privateKeys: [{ label: 'rig key', key: client.private }] },
      knownHostsFile,
      acceptHostKey: accept,
      sessions,
    });
  }

  it('connects through sshd and socat, logs in on the serial line and gets a command’s output', async () => {
    const { session, output } = openSession(path.join(dir, 'known_hosts'));
    await session.connect();
    await expectConnected(session);
    session.write('\r');
    await waitFor(() => expect(output()).toContain(`${machine.hostname} login: `));
    session.write('core\r');
    await waitFor(() => expect(output()).toContain('Password: '));
    session.write('secret\r');
    await waitFor(() => expect(output()).toContain(`core@${machine.hostname} ~ $ `));
    session.write('uname -a\r');
    await waitFor(() => expect(output()).toMatch(new RegExp(`Linux ${machine.hostname} 6\\.6\\.54-flatcar #1 SMP`)));
    // sshd answers a BREAK with tcsendbreak() on the pty, which a pty ignores (and says success, as
    // Linux does for a tty without break control), or refuses it without a pty: either way it is
    // said, and the session survives it.
    const outcome = await session.sendBreak().catch((error: Error) => error);
    if (outcome instanceof Error) expect(outcome.message).toMatch(/refused the SSH break request .*Console settings/);
    else expect(outcome).toEqual({ sent: 'SSH break request (RFC 4335)', acknowledged: true });
    session.write('hostname\r');
    await waitFor(() => expect(output()).toMatch(new RegExp(`hostname\\r\\n${machine.hostname}\\r\\n`)));
    expect(session.info().status).toBe('connected');
  });

  it('reaches the console through a jump host (forwardOut → sock), verifying both hops', async () => {
    const asked: string[] = [];
    const session = new ConsoleSession({
      id: 'rig-jump',
      nodeId: `lab:${machine.id}`,
      hostname: machine.hostname,
      // The same sshd serves as the bastion and, through the tunnel it opens, as the target.
      target: { host: '127.0.0.1', port, username: os.userInfo().username, jump: [{ host: '127.0.0.1', port, username: os.userInfo().username }] },
      credentials: { privateKeys: [{ label: 'rig key', key: client.private }] },
      knownHosts: new KnownHosts(path.join(dir, 'known_hosts_jump')),
      prompts: { hostKey: async (q) => (asked.push(`${q.host}:${q.port}`), true), keyboardInteractive: async () => null },
      logDir: path.join(dir, 'logs'),
      reconnect: { initialMs: 100, maxMs: 200, attempts: 1 },
    });
    sessions.push(session);
    let text = '';
    session.on('data', (d) => (text = (text + d.toString('latin1')).slice(-8192)));
    await session.connect();
    await expectConnected(session);
    expect(session.info().target).toContain(' via 127.0.0.1');
    // The first hop asks; the second finds the key the first saved.
    expect(asked).toEqual([`127.0.0.1:${port}`]);
    session.write('\r');
    await waitFor(() => expect(text).toContain(`${machine.hostname} login: `));
  });

  it('refuses a changed host key and says how to resolve it', async () => {
    const other = generateSshKeyPair().public.split(' ').slice(0, 2).join(' ');
    const file = path.join(dir, 'known_hosts_changed');
    writeFileSync(file, `[127.0.0.1]:${port} ${other}\n`);
    const { session } = openSession(file);
    await session.connect();
    expect(session.info()).toMatchObject({ status: 'error', error: { code: 'host_key_changed' } });
    expect(session.info().error?.message).toMatch(/has CHANGED.*remove line 1/s);
  });
});
