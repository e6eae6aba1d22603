/**
 * ConsoleSession against the lab's ssh2 serial gateway over real SSH on loopback: host keys,
 * login and output, BREAK → SysRq, flow control under a flood, reconnect, one writer per console.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Generous: SSH handshakes on a loaded 2-core CI machine can take a second or more.
const waitFor = <T>(check: () => T | Promise<T>, timeout = 10_000) => vi.waitFor(check, { timeout, interval: 20 });
import { FLOW_HIGH_WATERMARK } from '../../../shared/flow-control';
import type { BreakMethod } from '../../../shared/model';
import { LabFleet } from '../../lab/lab-fleet';
import { SerialGateway } from '../../lab/serial-gateway';
import { ConsoleSession, type ConsolePrompts } from './console-session';
import { fingerprint, KnownHosts } from './known-hosts';
import { generateSshKeyPair } from '../../lab/lab-keys';

const user = generateSshKeyPair();
const host = generateSshKeyPair();
const hostBlob = Buffer.from(host.public.split(' ')[1]!, 'base64');

let fleet: LabFleet;
let gateway: SerialGateway;
let port: number;
let dir: string;
const sessions: ConsoleSession[] = [];

beforeEach(async () => {
  fleet = new LabFleet({ nodeCount: 12, failureRate: 0, timeScale: 0.01 });
  gateway = new SerialGateway({ fleet, hostKey: host.private, authorizedKeys: () => [user.public] });
  port = (await gateway.listen()).port;
  dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-console-'));
});
afterEach(async () => {
  sessions.splice(0).forEach((s) => s.dispose());
  await gateway.close();
});

const acceptAll: ConsolePrompts = { hostKey: async () => true, keyboardInteractive: async () => null };

function session(
  deviceId: string,
  options: {
    prompts?: ConsolePrompts;
    knownHosts?: KnownHosts;
    reconnect?: { initialMs: number; maxMs: number; attempts: number };
    breakMethod?: BreakMethod;
    slowRetryMs?: number;
  } = {},
) {
  const s = new ConsoleSession({
    id: `s${sessions.length}`,
    nodeId: `lab:${deviceId}`,
    hostname: fleet.get(deviceId).hostname,
    target: { host: '127.0.0.1', port, username: deviceId },
    credentials: { privateKeys: [{ label: 'test key', key: user.private }] },
    knownHosts: options.knownHosts ?? new KnownHosts(path.join(dir, 'known_hosts')),
    prompts: options.prompts ?? acceptAll,
    logDir: path.join(dir, 'logs'),
    reconnect: options.reconnect ?? { initialMs: 50, maxMs: 200, attempts: 5 },
    breakMethod: options.breakMethod,
    slowRetryMs: options.slowRetryMs,
  });
  sessions.push(s);
  let text = '';
  let bytes = 0;
  s.on('data', (d) => {
    bytes += d.length;
    // Keep the most recent output only: a flood is megabytes.
    text = (text + d.toString('latin1')).slice(-8192);
  });
  return { s, output: () => text, bytes: () => bytes, clear: () => (text = '') };
}

const activeId = () => fleet.list().find((m) => m.state === 'active' && m.role !== 'gateway')!.id;
const statusOf = (s: ConsoleSession) => s.info().status;

async function logIn(c: ReturnType<typeof session>) {
  await waitFor(() => expect(statusOf(c.s)).toBe('connected'));
  c.s.write('\r');
  await waitFor(() => expect(c.output()).toMatch(/login: $/));
  c.s.write('core\r');
  await waitFor(() => expect(c.output()).toContain('Password: '));
  c.s.write('secret\r');
  await waitFor(() => expect(c.output()).toMatch(/core@[\w-]+[: ~]+[$#] $/));
}

describe('ConsoleSession', () => {
  it('asks about an unknown host key with its SHA256 fingerprint, remembers it, and does not ask again', async () => {
    const asked = vi.fn(async () => true);
    const first = session(activeId(), { prompts: { ...acceptAll, hostKey: asked } });
    await first.s.connect();
    await waitFor(() => expect(statusOf(first.s)).toBe('connected'));
    expect(asked).toHaveBeenCalledWith({ host: '127.0.0.1', port, keyType: 'ssh-ed25519', fingerprint: fingerprint(hostBlob) });
    first.s.disconnect();
    await first.s.connect();
    await waitFor(() => expect(statusOf(first.s)).toBe('connected'));
    expect(asked).toHaveBeenCalledTimes(1);
  });

  it('survives an answer about the host key that comes after the link is gone (ssh2 would throw from verify)', async () => {
    let answer: ((accepted: boolean) => void) | null = null;
    const c = session(activeId(), { prompts: { ...acceptAll, hostKey: () => new Promise<boolean>((resolve) => (answer = resolve)) } });
    void c.s.connect();
    await waitFor(() => expect(answer).not.toBeNull());
    c.s.disconnect();
    await new Promise((r) => setTimeout(r, 50));
    answer!(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(c.s.info().status).toBe('closed');
  });

  it('does not connect when the user declines the key', async () => {
    const c = session(activeId(), { prompts: { ...acceptAll, hostKey: async () => false } });
    await c.s.connect();
    expect(c.s.info()).toMatchObject({ status: 'error', error: { code: 'host_key_unknown' } });
  });

  it('refuses loudly, without asking, when the host key changed', async () => {
    const other = generateSshKeyPair().public;
    writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${other.split(' ').slice(0, 2).join(' ')}\n`);
    const asked = vi.fn(async () => true);
    const c = session(activeId(), { prompts: { ...acceptAll, hostKey: asked } });
    await c.s.connect();
    const info = c.s.info();
    expect(info.status).toBe('error');
    expect(info.error?.code).toBe('host_key_changed');
    expect(info.error?.message).toMatch(/CHANGED.*remove line 1 of .*known_hosts/s);
    expect(asked).not.toHaveBeenCalled();
  });

  it('logs in over the serial line and runs a command', async () => {
    const c = session(activeId());
    await c.s.connect();
    await logIn(c);
    c.s.write('uname -a\r');
    await waitFor(() => expect(c.output()).toMatch(/Linux [\w-]+ \S+ #1 SMP/));
  });

  it('shows what the port printed before the console was opened (the install so far), as a serial server replays its buffer', async () => {
    const id = activeId();
    fleet.update(id, {
      userdata: JSON.stringify({
        ignition: { version: '3.4.0' },
        storage: { files: [{ path: '/etc/motd', contents: { source: 'data:,Hello%20from%20Ignition%0A' } }] },
      }),
    });
    fleet.action(id, { type: 'reinstall' });
    // Nobody watches while the install prints.
    await waitFor(() => expect(gateway.lines.get(id)?.recent().toString()).toMatch(/Installing /), 10_000);
    const c = session(id);
    await c.s.connect();
    await waitFor(() => expect(c.output()).toMatch(/Installing [\s\S]*Wiping partition table/));
    // Once it is up, what Ignition wrote is there to read, and the shell answers as Linux would.
    await waitFor(() => expect(fleet.get(id).state).toBe('active'), 15_000);
    await logIn(c);
    c.clear();
    c.s.write('cat /etc/motd\r');
    await waitFor(() => expect(c.output()).toContain('Hello from Ignition'));
    c.s.write('uname -r\r');
    await waitFor(() => expect(c.output()).toMatch(/\r\n\d+\.\d+\.\d+[-\w.]*\r\n/));
    c.s.write('journalctl -p err\r');
    await waitFor(() => expect(c.output()).toMatch(/-- No entries --|FAILED|error/));
    expect(c.output()).not.toMatch(/Linux version/); // the whole boot is not an error
  });

  it('sends an RFC 4335 BREAK that the gateway turns into SysRq', async () => {
    const c = session(activeId());
    await c.s.connect();
    await waitFor(() => expect(statusOf(c.s)).toBe('connected'));
    await expect(c.s.sysrq('h')).resolves.toEqual({ sent: 'SSH break request (RFC 4335)', acknowledged: true });
    await waitFor(() => expect(c.output()).toContain('sysrq: HELP : loglevel(0-9) reboot(b)'));
    // Without a BREAK first, the same key is just a character at the login prompt.
    c.clear();
    c.s.write('h');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.output()).not.toContain('sysrq');
  });

  it('says when a gateway refuses the break request, and then sends no SysRq key as typed input', async () => {
    gateway.refuseBreaks = true;
    const c = session(activeId());
    await c.s.connect();
    await waitFor(() => expect(statusOf(c.s)).toBe('connected'));
    c.clear();
    await expect(c.s.sysrq('h')).rejects.toThrow(/refused the SSH break request .*Connections → Console settings/);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.output()).not.toContain('h');
  });

  it('sends BREAK as the byte sequence a connection chose, saying it is not acknowledged', async () => {
    const c = session(activeId(), { breakMethod: 'qemu-mux' });
    await c.s.connect();
    await waitFor(() => expect(statusOf(c.s)).toBe('connected'));
    await expect(c.s.sendBreak()).resolves.toEqual({ sent: 'Ctrl-A b (QEMU serial mux)', acknowledged: null });
  });

  it('pauses the SSH stream while the renderer is behind, and loses nothing when it catches up', async () => {
    const c = session(activeId());
    await c.s.connect();
    await logIn(c);
    c.s.write('flood 16\r');
    // Nobody acknowledges: the session must stop near the high watermark, not buffer 16 MiB.
    await new Promise((r) => setTimeout(r, 600));
    const stalled = c.bytes();
    await new Promise((r) => setTimeout(r, 300));
    expect(c.bytes()).toBe(stalled);
    expect(stalled).toBeGreaterThan(FLOW_HIGH_WATERMARK);
    expect(stalled).toBeLessThan(16 * 1024 * 1024);
    // Now acknowledge as a renderer would, and everything arrives.
    let acked = 0;
    const started = Date.now();
    while (!/flood: 16777216 bytes/.test(c.output()) && Date.now() - started < 20_000) {
      c.s.ack(c.bytes() - acked);
      acked = c.bytes();
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(c.output()).toMatch(/flood: 16777216 bytes/);
    expect(c.bytes()).toBeGreaterThanOrEqual(16 * 1024 * 1024);
  }, 30_000);

  it('reconnects with backoff after the link drops, keeping the session', async () => {
    const c = session(activeId());
    await c.s.connect();
    await waitFor(() => expect(statusOf(c.s)).toBe('connected'));
    const statuses: string[] = [];
    c.s.on('status', (i) => statuses.push(i.status));
    gateway.dropConnections();
    await waitFor(() => expect(statuses).toContain('reconnecting'));
    await waitFor(() => expect(statusOf(c.s)).toBe('connected'));
    expect(c.s.id).toBe('s0');
  });

  it('never gives up while open: after the fast attempts it keeps trying, and notices the gateway come back', { timeout: 20_000 }, async () => {
    const c = session(activeId(), { reconnect: { initialMs: 20, maxMs: 40, attempts: 2 }, slowRetryMs: 300 });
    await c.s.connect();
    await waitFor(() => expect(statusOf(c.s)).toBe('connected'));
    await gateway.close();
    await waitFor(() => expect(c.s.info().error?.message).toMatch(/Still trying every 0 s; press Reconnect now to try at once\./));
    expect(statusOf(c.s)).toBe('reconnecting');
    // The gateway is back on the same port a while later: the next slow attempt connects.
    await new Promise((r) => setTimeout(r, 700));
    gateway = new SerialGateway({ fleet, hostKey: host.private, authorizedKeys: () => [user.public] });
    await gateway.listen(port);
    await waitFor(() => expect(statusOf(c.s)).toBe('connected'));
  });

  it('gives one session the keyboard: a second is told the console is in use, may watch, or take over', async () => {
    const id = activeId();
    const first = session(id);
    await first.s.connect();
    await waitFor(() => expect(statusOf(first.s)).toBe('connected'));

    const second = session(id);
    await second.s.connect('rw');
    await waitFor(() => expect(second.s.info()).toMatchObject({ status: 'error', error: { code: 'conflict' } }));

    await second.s.connect('ro');
    await waitFor(() => expect(second.s.info()).toMatchObject({ status: 'connected', readOnly: true }));
    expect(() => second.s.write('x')).toThrow(/read-only/);

    const third = session(id);
    await third.s.connect('takeover');
    await waitFor(() => expect(statusOf(third.s)).toBe('connected'));
    await waitFor(() => expect(first.output()).toContain('took over this console'));
  });

  it.runIf(existsSync('/usr/bin/ssh-agent') && existsSync('/usr/bin/ssh-add'))('logs in with a key held by ssh-agent (SSH_AUTH_SOCK)', async () => {
    const socket = path.join(dir, 'agent.sock');
    const agent = spawn('/usr/bin/ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await waitFor(() => expect(existsSync(socket)).toBe(true));
      const keyFile = path.join(dir, 'agent_key');
      writeFileSync(keyFile, user.private, { mode: 0o600 });
      execFileSync('/usr/bin/ssh-add', [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const c = new ConsoleSession({
        id: 'agent',
        nodeId: 'lab:x',
        hostname: 'agent-test',
        target: { host: '127.0.0.1', port, username: activeId() },
        credentials: { privateKeys: [], agent: socket },
        knownHosts: new KnownHosts(path.join(dir, 'known_hosts')),
        prompts: acceptAll,
        logDir: path.join(dir, 'logs'),
      });
      sessions.push(c);
      await c.connect();
      await waitFor(() => expect(c.info().status).toBe('connected'));
    } finally {
      agent.kill();
    }
  });

  it('writes a session log when asked', async () => {
    const c = session(activeId());
    await c.s.connect();
    await waitFor(() => expect(statusOf(c.s)).toBe('connected'));
    c.s.setLogging(true);
    c.s.write('\r');
    await waitFor(() => expect(c.output()).toMatch(/login: $/));
    const logPath = c.s.info().logPath!;
    c.s.setLogging(false);
    await new Promise((r) => setTimeout(r, 50));
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(logPath, 'utf8')).toMatch(/login: $/);
  });
  it('masks a secret a runbook holds in every frame, the attach backlog and the log file', { timeout: 30_000 }, async () => {
    const c = session(activeId());
    await c.s.connect();
    await logIn(c);
    c.s.setLogging(true);
    const secret = 'Tr0ub4dor&3-hunter2';
    const frames: Buffer[] = [];
    c.s.on('data', (d) => frames.push(Buffer.from(d)));
    const unmask = c.s.maskSecrets([secret]);
    c.s.write(`echo ${secret}\r`);
    await waitFor(() => expect(Buffer.concat(frames).toString('utf8')).toMatch(/••••••[\s\S]*[$#] $/));
    unmask();
    const everything = Buffer.concat(frames).toString('utf8');
    expect(everything).toContain('••••••');
    expect(everything).not.toContain(secret);
    expect(c.s.takeBacklog().toString('utf8')).not.toContain(secret);
    c.s.setLogging(false);
    await new Promise((r) => setTimeout(r, 50));
    const logDir = path.join(dir, 'logs');
    const logs = readdirSync(logDir).map((f) => readFileSync(path.join(logDir, f), 'utf8'));
    expect(logs.join('')).toContain('••••••');
    expect(logs.join('')).not.toContain(secret);
  });
});
