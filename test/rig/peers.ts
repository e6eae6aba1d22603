/**
 * Real peers we did not write (../shared/reference/peers/README.md), started on 127.0.0.1 with an
 * ephemeral port, waited for until they answer, and stopped by PID. Each `*Missing()` says why a
 * peer cannot run here, so its tests are skipped with that reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const PEERS = path.resolve(__dirname, '../../../shared/reference/peers');
const PYTHON = '/usr/bin/python3';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Peer {
  port: number;
  dir: string;
  output(): string;
  stop(): Promise<void>;
}

function pythonModulesMissing(modules: string[]): string | null {
  if (!existsSync(PYTHON)) return 'Debian python3 (/usr/bin/python3)';
  const probe = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  return probe.status === 0 ? null : `python3 modules ${modules.join(', ')} (${probe.stderr.trim().split('\n').pop()})`;
}

export function sushyMissing(): string | null {
  if (!existsSync(path.join(PEERS, 'sushy-tools'))) return `the reference peers (${PEERS}/sushy-tools is absent)`;
  return pythonModulesMissing(['flask', 'pbr', 'tenacity', 'bcrypt', 'webob', 'requests']);
}

export function mockupMissing(): string | null {
  if (!existsSync(path.join(PEERS, 'redfish-mockup-server'))) return `the reference peers (${PEERS}/redfish-mockup-server is absent)`;
  return existsSync(PYTHON) ? null : 'Debian python3 (/usr/bin/python3)';
}

export function opensslMissing(): string | null {
  return spawnSync('openssl', ['version']).status === 0 ? null : 'openssl';
}

/** A self-signed certificate for 127.0.0.1, as a BMC ships one. */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'bmc.crt');
  const key = path.join(dir, 'bmc.key');
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=bmc.test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '2',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr}`);
  return { cert, key };
}

function startProcess(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }, port: number, dir: string): Peer {
  const child: ChildProcess = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (e) => (output += `\nspawn failed: ${e.message}`));
  return {
    port,
    dir,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
}

/** Waits until `url` answers any HTTP status (the peer is listening and serving). */
export async function waitForHttp(url: string, peer: Peer, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { request } = url.startsWith('https') ? await import('node:https') : await import('node:http');
      await new Promise<void>((resolve, reject) => {
        const req = request(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => (res.resume(), resolve()));
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end();
      });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${peer.output()}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

export interface SushyOptions {
  systems: { uuid: string; name: string; power_state: 'On' | 'Off' }[];
  /** htpasswd lines (bcrypt) turn on HTTP Basic auth, as a real BMC has. */
  htpasswd?: string;
  tls?: { cert: string; key: string };
}

/** OpenStack sushy-tools with its fake driver: systems in memory, power changes land 1–11 s after a request. */
export async function startSushy(options: SushyOptions): Promise<Peer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-sushy-'));
  const port = await freePort();
  const lines = [
    `SUSHY_EMULATOR_LISTEN_IP = '127.0.0.1'`,
    `SUSHY_EMULATOR_LISTEN_PORT = ${port}`,
    `SUSHY_EMULATOR_FAKE_DRIVER = True`,
    `SUSHY_EMULATOR_STATE_DIR = '${dir}/state'`,
    `SUSHY_EMULATOR_FAKE_SYSTEMS = ${JSON.stringify(options.systems.map((s) => ({ ...s, nics: [{ mac: '00:5c:52:31:3a:9c', ip: '127.0.0.2' }] })))}`,
  ];
  if (options.htpasswd) {
    writeFileSync(path.join(dir, 'htpasswd'), `${options.htpasswd}\n`);
    lines.push(`SUSHY_EMULATOR_AUTH_FILE = '${dir}/htpasswd'`);
  }
  if (options.tls) lines.push(`SUSHY_EMULATOR_SSL_CERT = '${options.tls.cert}'`, `SUSHY_EMULATOR_SSL_KEY = '${options.tls.key}'`);
  writeFileSync(path.join(dir, 'sushy.conf'), `${lines.join('\n')}\n`);
  const peer = startProcess(
    PYTHON,
    ['-m', 'sushy_tools.emulator.main', '--config', path.join(dir, 'sushy.conf')],
    { cwd: path.join(PEERS, 'sushy-tools'), env: { PBR_VERSION: '2.0.0', PYTHONPATH: '.' } },
    port,
    dir,
  );
  await waitForHttp(`${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/redfish/v1/`, peer);
  return peer;
}

/** DMTF's Redfish mockup server serving the vendor-shaped `public-rackmount1` tree. */
export async function startMockup(): Promise<Peer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-mockup-'));
  const port = await freePort();
  const cwd = path.join(PEERS, 'redfish-mockup-server');
  const peer = startProcess(
    PYTHON,
    ['redfishMockupServer.py', '-H', '127.0.0.1', '-p', String(port), '-S', '-D', 'public-rackmount1'],
    { cwd, env: { PYTHONPATH: 'shim' } },
    port,
    dir,
  );
  await waitForHttp(`http://127.0.0.1:${port}/redfish/v1/`, peer);
  return peer;
}

/** An htpasswd line with a bcrypt hash, made by Python's bcrypt (what sushy-tools checks with). */
export function bcryptHtpasswd(user: string, password: string): string {
  const made = spawnSync(PYTHON, ['-c', 'import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(rounds=4)).decode())', password], {
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`bcrypt failed: ${made.stderr}`);
  return `${user}:${made.stdout.trim()}`;
}

export function ipmiSimMissing(): string | null {
  const missing = [!existsSync('/usr/bin/ipmi_sim') && 'openipmi (/usr/bin/ipmi_sim)', !existsSync('/usr/bin/ipmitool') && 'ipmitool'].filter(Boolean);
  return missing.length ? missing.join(' and ') : null;
}

/**
 * OpenIPMI's BMC simulator on 127.0.0.1 (RMCP+), user `admin` with `password`. Power and boot
 * requests run a `chassis_control` script that keeps the state in files, so a test can read what the
 * BMC was told (ipmi_sim's own boot flags do not follow `chassis bootdev`).
 */
export async function startIpmiSim(options: { solPort?: number } = {}): Promise<Peer & { power(): string; boot(): string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-ipmi-'));
  const port = await freePort();
  const script = path.join(dir, 'chassis.sh');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      `STATE=${dir}/power; BOOT=${dir}/boot`,
      '[ -f $STATE ] || echo 0 > $STATE; [ -f $BOOT ] || echo default > $BOOT',
      'op=$1; shift',
      'while [ $# -gt 0 ]; do',
      '  case "$op:$1" in',
      '    get:power) echo "power:$(cat $STATE)";;',
      '    get:boot) echo "boot:$(cat $BOOT)";;',
      '    set:power) echo $2 > $STATE; shift;;',
      '    set:reset) shift;;',
      '    set:boot) echo $2 > $BOOT; shift;;',
      '  esac',
      '  shift',
      'done',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const auths = 'none md2 md5 straight';
  writeFileSync(
    path.join(dir, 'lan.conf'),
    [
      'name "rigbmc"',
      'set_working_mc 0x20',
      '  startlan 1',
      `    addr 127.0.0.1 ${port}`,
      '    priv_limit admin',
      ...['callback', 'user', 'operator', 'admin'].map((level) => `    allowed_auths_${level} ${auths}`),
      '    guid a123456789abcdefa123456789abcdef',
      '  endlan',
      `  chassis_control "${script}"`,
      `  user 2 true "admin" "password" admin 10 ${auths}`,
      // Serial over LAN: ipmi_sim connects to the machine's "serial port", a TCP server of the test's.
      ...(options.solPort ? [`  sol "tcp:127.0.0.1:${options.solPort}" 115200`] : []),
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'sim.emu'), 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n');
  mkdirSync(path.join(dir, 'state'));
  const peer = startProcess('/usr/bin/ipmi_sim', ['-c', 'lan.conf', '-f', 'sim.emu', '-s', 'state', '-n'], { cwd: dir }, port, dir);
  // RMCP+ is UDP: ready when ipmitool gets an answer.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const probe = spawnSync(
      '/usr/bin/ipmitool',
      ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-P', 'password', '-N', '1', '-R', '1', 'chassis', 'power', 'status'],
      { encoding: 'utf8' },
    );
    if (probe.status === 0) break;
    if (Date.now() > deadline) throw new Error(`ipmi_sim did not answer: ${probe.stderr}\n${peer.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const read = (name: string) => (existsSync(path.join(dir, name)) ? readFileSync(path.join(dir, name), 'utf8').trim() : '');
  return { ...peer, power: () => read('power'), boot: () => read('boot') };
}

export const SSHD = '/usr/sbin/sshd';
export const SOCAT = ['/usr/bin/socat', '/bin/socat'].find(existsSync);

export function serialSshdMissing(): string | null {
  const missing = [!existsSync(SSHD) && 'openssh-server (/usr/sbin/sshd)', !SOCAT && 'socat'].filter(Boolean);
  return missing.length ? missing.join(' and ') : null;
}

/**
 * A real OpenSSH sshd on 127.0.0.1 (own config with absolute paths, own host key, an ephemeral
 * port, key-only auth, UsePAM no) whose ForceCommand is `socat` bridging to a serial-like Unix
 * socket: the shape of a console server. An absolute -f, because sshd re-execs itself after
 * chdir("/"), and /run/sshd for privilege separation.
 */
export async function startSerialSshd(options: { socketPath: string; authorizedKeys: string[] }): Promise<Peer & { hostKeyFile: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-sshd-'));
  const hostKeyFile = path.join(dir, 'host_ed25519');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyFile]);
  writeFileSync(path.join(dir, 'authorized_keys'), `${options.authorizedKeys.join('\n')}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  // The port is free when we ask, but the e2e tier running beside this one starts servers on
  // ephemeral ports too: if one of them takes it first, sshd cannot bind and a TCP probe would
  // reach the other server (that is how this tier once failed). So the readiness signal is sshd's
  // own "Server listening" line, and a lost race is retried on a new port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = path.join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `ListenAddress 127.0.0.1`,
        `Port ${port}`,
        `HostKey ${hostKeyFile}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'ClientAliveInterval 15',
        // Parallel test tiers can open several connections at once; never drop one at startup.
        'MaxStartups 100',
        'LogLevel VERBOSE',
        `ForceCommand ${SOCAT} -,raw,echo=0 UNIX-CONNECT:${options.socketPath}`,
      ].join('\n') + '\n',
    );
    const peer = startProcess(SSHD, ['-D', '-e', '-f', config], { cwd: dir }, port, dir);
    const listening = `Server listening on 127.0.0.1 port ${port}`;
    const deadline = Date.now() + 15_000;
    while (!peer.output().includes(listening) && Date.now() < deadline && !peer.output().includes('Bind to port')) await new Promise((r) => setTimeout(r, 20));
    if (peer.output().includes(listening)) return { ...peer, hostKeyFile };
    await peer.stop();
    if (attempt >= 5) throw new Error(`sshd did not start after ${attempt} attempts: ${peer.output()}`);
  }
}

/**
 * socat on 127.0.0.1 bridging a TCP port to a serial-like Unix socket: a raw TCP serial server, the
 * shape of a conserver port or Ironic's `socat` console. Ready when the port accepts a connection.
 */
export async function startSocatTcpBridge(options: { socketPath: string }): Promise<Peer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-socat-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const peer = startProcess(
      SOCAT!,
      ['-d', `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `UNIX-CONNECT:${options.socketPath}`],
      { cwd: dir },
      port,
      dir,
    );
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const ok = await new Promise<boolean>((resolve) => {
        const probe = net.connect({ host: '127.0.0.1', port }, () => (probe.destroy(), resolve(true)));
        probe.on('error', () => resolve(false));
      });
      if (ok) return peer;
      if (/Address already in use/.test(peer.output())) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await peer.stop();
    if (attempt >= 5) throw new Error(`socat did not listen after ${attempt} attempts: ${peer.output()}`);
  }
}
