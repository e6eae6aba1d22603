/**
 * Rig: a console over IPMI Serial over LAN, through the real ipmitool against OpenIPMI's ipmi_sim,
 * whose SOL connects to a machine's "serial port": a TCP server of this test with a lab machine's
 * serial line behind it. Log in, run a command, send BREAK (~B) and see SysRq, leave and come back
 * (the payload is freed or deactivated, not left "already active").
 */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LabFleet } from '../../electron/lab/lab-fleet';
import { SerialLine } from '../../electron/lab/serial/serial-line';
import { type ConsoleSession } from '../../electron/services/console/console-session';
import { openRigConsole } from '../support/rig-console';
import { ipmiSimMissing, startIpmiSim, type Peer } from './peers';

const waitFor = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 25 });
const missing = ipmiSimMissing();
const title = missing ? `IPMI Serial over LAN — SKIPPED: install ${missing}` : 'IPMI Serial over LAN through ipmitool and ipmi_sim';
if (missing) console.warn(`[rig] ${title}`);

describe.skipIf(missing !== null)(title, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-sol-'));
  const fleet = new LabFleet({ nodeCount: 5, failureRate: 0 });
  const machine = fleet.list().find((m) => m.state === 'active' && m.os.distro === 'flatcar')!;
  let serial: net.Server;
  let bmc: Peer;
  const sessions: ConsoleSession[] = [];
  let breaks = 0;

  beforeAll(async () => {
    // The machine's UART as ipmi_sim's SOL reaches it (`sol "tcp:127.0.0.1:PORT"`).
    serial = net.createServer((socket) => {
      const line = new SerialLine(machine, fleet);
      line.on('data', (chunk) => socket.write(chunk));
      // ipmi_sim hands a SOL break to a TCP serial port as telnet's IAC BRK (255 243).
      socket.on('data', (data: Buffer) => {
        let from = 0;
        for (let at = data.indexOf(255); at >= 0 && at + 1 < data.length; at = data.indexOf(255, at + 2)) {
          if (data[at + 1] !== 243) continue;
          line.input(data.subarray(from, at));
          breaks++;
          line.sendBreak();
          from = at + 2;
        }
        line.input(data.subarray(from));
      });
      socket.on('close', () => line.dispose());
      socket.on('error', () => line.dispose());
    });
    await new Promise<void>((r) => serial.listen(0, '127.0.0.1', () => r()));
    bmc = await startIpmiSim({ solPort: (serial.address() as net.AddressInfo).port });
  }, 30_000);

  afterAll(async () => {
    sessions.forEach((s) => s.dispose());
    await new Promise((r) => setTimeout(r, 600));
    await bmc?.stop();
    await new Promise<void>((r) => serial.close(() => r()));
  });

  function open(password = 'password') {
    return openRigConsole({
      id: `sol${sessions.length}`,
      dir,
      machine,
      target: { transport: 'ipmi-sol', host: '127.0.0.1', port: bmc.port, username: 'admin', ipmi: { cipherSuite: 3, ipmitool: '/usr/bin/ipmitool' } },
      credentials: { privateKeys: [], password },
      reconnect: { initialMs: 200, maxMs: 400, attempts: 2 },
      sessions,
    });
  }

  it('logs in over SOL, runs a command, and sends BREAK as ~B that the machine takes as SysRq', { timeout: 60_000 }, async () => {
    const c = open();
    await c.session.connect();
    await waitFor(() => expect(c.session.info().status).toBe('connected'));
    expect(c.session.info().target).toBe(`ipmi-sol://admin@127.0.0.1:${bmc.port}`);
    c.session.write('\r');
    await waitFor(() => expect(c.output()).toContain(`${machine.hostname} login: `));
    c.session.write('core\r');
    await waitFor(() => expect(c.output()).toContain('Password: '));
    c.session.write('secret\r');
    await waitFor(() => expect(c.output()).toContain(`core@${machine.hostname} ~ $ `));
    c.session.write('uname -a\r');
    await waitFor(() => expect(c.output()).toMatch(new RegExp(`Linux ${machine.hostname} \\S+ #1 SMP`)));
    expect(await c.session.sysrq('h')).toEqual({ sent: 'IPMI SOL break (~B)', acknowledged: null });
    await waitFor(() => expect(breaks).toBe(1));
    await waitFor(() => expect(c.output()).toContain('sysrq: HELP'));
    // Leaving frees the payload: a new session gets the console, not "already active".
    c.session.disconnect();
    const again = open();
    await again.session.connect();
    await waitFor(() => expect(again.session.info().status).toBe('connected'));
    again.session.write('\r');
    await waitFor(() => expect(again.output()).toMatch(/\$ $|login: $/));
    again.session.disconnect();
  });

  it('says the BMC refused the login, and does not retry it', { timeout: 60_000 }, async () => {
    const c = open('not-the-password');
    await c.session.connect();
    await waitFor(() => expect(c.session.info().status).toBe('error'));
    expect(c.session.info().error).toMatchObject({ code: 'auth', message: expect.stringMatching(/refused the Serial over LAN login as admin/) });
  });
});
