/**
 * Rig: the console over plain TCP, against socat (a raw TCP serial server, the shape of a conserver
 * port or Ironic's socat console) and against a telnet serial server of our own that negotiates,
 * sends IAC IAC in its output, reads RFC 2217 and IAC BRK, and misbehaves (it closes mid-session).
 * Behind each sits a lab machine's serial line, so the login and commands are the real lab ones.
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
import { BRK, DO, IAC, OPT_COM_PORT, OPT_ECHO, OPT_SGA, SB, SE, WILL } from '../../electron/services/console/telnet';
import { SOCAT, startSocatTcpBridge, type Peer } from './peers';

const waitFor = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 20 });
const title = SOCAT ? 'consoles over TCP: socat and a telnet serial server' : 'consoles over TCP — SKIPPED: install socat';
if (!SOCAT) console.warn(`[rig] ${title}`);

describe.skipIf(!SOCAT)(title, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-tcp-'));
  const fleet = new LabFleet({ nodeCount: 5, failureRate: 0 });
  const machine = fleet.list().find((m) => m.state === 'active' && m.os.distro === 'flatcar')!;
  let unixServer: net.Server;
  let socat: Peer;
  let telnet: net.Server;
  let telnetPort: number;
  const telnetSeen: { breaks: number; rfc2217: number[]; sockets: net.Socket[] } = { breaks: 0, rfc2217: [], sockets: [] };
  const sessions: ConsoleSession[] = [];

  const serve = (socket: net.Socket, decode: (data: Buffer, line: SerialLine) => Buffer) => {
    const line = new SerialLine(machine, fleet);
    line.on('data', (chunk) => socket.write(chunk));
    socket.on('data', (data) => line.input(decode(data, line)));
    socket.on('close', () => line.dispose());
    socket.on('error', () => line.dispose());
  };

  beforeAll(async () => {
    const socketPath = path.join(dir, 'ttyS1.sock');
    unixServer = net.createServer((socket) => serve(socket, (d) => d));
    await new Promise<void>((r) => unixServer.listen(socketPath, () => r()));
    socat = await startSocatTcpBridge({ socketPath });

    // A telnet serial server as ser2net is one: it offers echo, SGA and RFC 2217 at once, doubles
    // 255 in what the machine prints, and turns BREAK (IAC BRK or SET-CONTROL 5) into the UART's.
    telnet = net.createServer((socket) => {
      telnetSeen.sockets.push(socket);
      socket.write(Buffer.from([IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, WILL, OPT_COM_PORT, IAC, DO, OPT_SGA]));
      serve(socket, (data, line) => {
        const out: number[] = [];
        for (let i = 0; i < data.length; i++) {
          if (data[i] !== IAC) {
            out.push(data[i]!);
            continue;
          }
          const verb = data[++i]!;
          if (verb === IAC) out.push(IAC);
          else if (verb === BRK) {
            telnetSeen.breaks++;
            line.sendBreak();
          } else if (verb === SB) {
            const end = data.indexOf(SE, i);
            const body = [...data.subarray(i + 1, end - 1)];
            if (body[0] === OPT_COM_PORT && body[1] === 5) {
              telnetSeen.rfc2217.push(body[2]!);
              if (body[2] === 5) line.sendBreak();
            }
            i = end;
          } else i++; // DO/DONT/WILL/WONT <option>
        }
        return Buffer.from(out);
      });
    });
    await new Promise<void>((r) => telnet.listen(0, '127.0.0.1', () => r()));
    telnetPort = (telnet.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    sessions.forEach((s) => s.dispose());
    await socat?.stop();
    telnetSeen.sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => telnet.close(() => r()));
    await new Promise<void>((r) => unixServer.close(() => r()));
  });

  function open(port: number) {
    return openRigConsole({
      id: `tcp${sessions.length}`,
      dir,
      machine,
      target: { transport: 'tcp', host: '127.0.0.1', port, username: '' },
      credentials: { privateKeys: [] },
      reconnect: { initialMs: 100, maxMs: 200, attempts: 3 },
      sessions,
    });
  }

  async function logIn(c: ReturnType<typeof open>) {
    await waitFor(() => expect(c.session.info().status).toBe('connected'));
    c.session.write('\r');
    await waitFor(() => expect(c.output()).toContain(`${machine.hostname} login: `));
    c.session.write('core\r');
    await waitFor(() => expect(c.output()).toContain('Password: '));
    c.session.write('secret\r');
    await waitFor(() => expect(c.output()).toContain(`core@${machine.hostname} ~ $ `));
  }

  it('logs in through socat (raw TCP), runs a command, and says raw TCP has no BREAK of its own', async () => {
    const c = open(socat.port);
    await c.session.connect();
    expect(c.session.info().target).toBe(`tcp://127.0.0.1:${socat.port}`);
    await logIn(c);
    c.session.write('uname -a\r');
    await waitFor(() => expect(c.output()).toMatch(new RegExp(`Linux ${machine.hostname} \\S+ #1 SMP`)));
    await expect(c.session.sendBreak()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/plain TCP, which has no BREAK of its own.*Console settings/),
    });
  });

  it('logs in through a telnet serial server, sends BREAK as RFC 2217 and the machine takes SysRq', async () => {
    const c = open(telnetPort);
    await c.session.connect();
    await logIn(c);
    c.session.write('hostname\r');
    await waitFor(() => expect(c.output()).toMatch(new RegExp(`hostname\\r\\n${machine.hostname}\\r\\n`)));
    expect(await c.session.sysrq('h')).toEqual({ sent: 'RFC 2217 SET-CONTROL BREAK', acknowledged: null });
    await waitFor(() => expect(c.output()).toContain('sysrq: HELP'));
    expect(telnetSeen.rfc2217).toEqual([5, 6]);
  });

  it('reconnects by itself when the serial server drops the connection', async () => {
    const c = open(telnetPort);
    await c.session.connect();
    await waitFor(() => expect(c.session.info().status).toBe('connected'));
    telnetSeen.sockets.at(-1)!.destroy();
    await waitFor(() => expect(c.session.info().status).toBe('reconnecting'));
    expect(c.session.info().error?.message).toMatch(/dropped/);
    await waitFor(() => expect(c.session.info().status).toBe('connected'));
    c.session.write('\r');
    await waitFor(() => expect(c.output()).toMatch(/login: |\$ $/));
  });
});
