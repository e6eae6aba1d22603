/**
 * The standalone Ironic from ../shared/reference/peers/ironic (Debian's python3-ironic 21.4, API and
 * conductor in one process, with sushy-tools and ipmi_sim behind it), started by its own start.sh on
 * free loopback ports in a temporary folder and stopped by its stop.sh (by PID). `ironicMissing()`
 * says why it cannot run here, so tests skip with that reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, portFree } from './free-ports';

export const IRONIC_PEER = fileURLToPath(new URL('../../../shared/reference/peers/ironic', import.meta.url));
export const SUSHY_SYSTEM_A = '27946b59-9e44-4fa7-8e91-f3527a1ef094';
export const SUSHY_SYSTEM_B = '4c1a7c4e-0d3e-4b4a-9a57-1d6f4b1e2c3d';

export function ironicMissing(): string | null {
  if (!existsSync(path.join(IRONIC_PEER, 'start.sh'))) return `the reference peers (${IRONIC_PEER}/start.sh is absent)`;
  if (!existsSync(path.join(IRONIC_PEER, '../sushy-tools'))) return 'the reference peers (sushy-tools beside the Ironic peer is absent)';
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import ironic, pycdlib'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'Debian python3-ironic and python3-pycdlib (apt-get install python3-ironic python3-pycdlib genisoimage)';
  for (const tool of ['ipmi_sim', 'ipmitool', 'socat', 'genisoimage', 'curl', 'ss']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} (the Ironic peer needs it)`;
  }
  return null;
}

export interface IronicPeer {
  url: string;
  sushyUrl: string;
  imagesUrl: string;
  ipmiPort: number;
  /** The first of ten ports Ironic's socat consoles use. */
  consoleBase: number;
  run: string;
  /** The conductor's log (state transitions, one line per move). */
  log(): string;
  stop(): Promise<void>;
}

/** `deployDelay`: whole seconds each fake deploy step sleeps, or `a,b` for a random range (Ironic's [fake] format: integers only, else every fake deploy fails). */
export async function startIronic(options: { showSecrets?: boolean; deployDelay?: string } = {}): Promise<IronicPeer> {
  const [ironicPort, httpPort, sushyPort, ipmiPort, serialPort] = (await freePorts(5)) as [number, number, number, number, number];
  let consoleBase = 0;
  for (;;) {
    consoleBase = 40_000 + Math.floor(Math.random() * 20_000);
    const range = Array.from({ length: 10 }, (_, i) => consoleBase + i);
    if ((await Promise.all(range.map((p) => portFree(p)))).every(Boolean)) break;
  }
  const run = mkdtempSync(path.join(os.tmpdir(), 'ironic-peer-'));
  const env = {
    ...process.env,
    IRONIC_RUN: run,
    IRONIC_PORT: String(ironicPort),
    HTTP_PORT: String(httpPort),
    SUSHY_PORT: String(sushyPort),
    IPMI_PORT: String(ipmiPort),
    SERIAL_PORT: String(serialPort),
    CONSOLE_PORTS: `${consoleBase}:${consoleBase + 9}`,
    SHOW_SECRETS: options.showSecrets ? '1' : '0',
    FAKE_DEPLOY_DELAY: options.deployDelay ?? '0',
  };
  const stop = async () => {
    await new Promise<void>((resolve) => {
      const child = spawn('bash', [path.join(IRONIC_PEER, 'stop.sh')], { env, stdio: 'ignore' });
      child.on('exit', () => resolve());
      child.on('error', () => resolve());
    });
    rmSync(run, { recursive: true, force: true });
  };
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [path.join(IRONIC_PEER, 'start.sh')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`Ironic's start.sh failed (${code}):\n${text.slice(-2000)}`))));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  if (!output.includes('ready')) throw new Error(`Ironic's start.sh did not say ready:\n${output}`);
  return {
    url: `http://127.0.0.1:${ironicPort}`,
    sushyUrl: `http://127.0.0.1:${sushyPort}`,
    imagesUrl: `http://127.0.0.1:${httpPort}/images`,
    ipmiPort,
    consoleBase,
    run,
    log: () => readFileSync(path.join(run, 'log/ironic.log'), 'utf8'),
    stop,
  };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the admin helper reads Ironic's answers loosely, as a test fixture */
/** Plain calls to the peer for setting up nodes (what an operator's `baremetal` CLI would do), at 1.82. */
export function ironicAdmin(url: string) {
  const call = async (method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${url}${p}`, {
      method,
      headers: { 'X-OpenStack-Ironic-API-Version': '1.82', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const node = async (id: string) => (await call('GET', `/v1/nodes/${id}`)).body;
  const waitFor = async (id: string, done: (n: any) => boolean, timeoutMs = 60_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const n = await node(id);
      if (done(n)) return n;
      if (Date.now() > end) throw new Error(`node ${id} did not settle: ${n.provision_state} → ${n.target_provision_state}, power ${n.power_state}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const settled = (state: string) => (n: any) => n.provision_state === state && !n.target_provision_state;
  const move = async (id: string, target: string, state: string, extra: object = {}) => {
    for (;;) {
      const r = await call('PUT', `/v1/nodes/${id}/states/provision`, { target, ...extra });
      if (r.status === 202) break;
      if (r.status !== 409) throw new Error(`provision ${target} on ${id}: ${r.status} ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 200));
    }
    return waitFor(id, settled(state));
  };
  return {
    call,
    node,
    waitFor,
    move,
    async enroll(body: Record<string, unknown>): Promise<string> {
      const r = await call('POST', '/v1/nodes', body);
      if (r.status !== 201) throw new Error(`enroll ${JSON.stringify(body).slice(0, 80)}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.uuid as string;
    },
    /** enroll → manageable → available. */
    async makeAvailable(id: string) {
      await move(id, 'manage', 'manageable');
      return move(id, 'provide', 'available');
    },
  };
}

/** A Redfish node on sushy-tools' system, deployed with the ramdisk through virtual media (the peer's recipe). */
export function redfishNodeBody(name: string, peer: IronicPeer, system = SUSHY_SYSTEM_A) {
  return {
    name,
    driver: 'redfish',
    boot_interface: 'redfish-virtual-media',
    deploy_interface: 'ramdisk',
    bios_interface: 'no-bios',
    automated_clean: false,
    driver_info: {
      redfish_address: peer.sushyUrl,
      redfish_system_id: `/redfish/v1/Systems/${system}`,
      redfish_username: 'admin',
      redfish_password: 'password',
      redfish_verify_ca: false,
      deploy_iso: `${peer.imagesUrl}/ramdisk.iso`,
    },
    instance_info: { boot_iso: `${peer.imagesUrl}/ramdisk.iso` },
  };
}

/** An IPMI node on ipmi_sim with the ipmitool-socat console (the peer's recipe). */
export function ipmiNodeBody(name: string, peer: IronicPeer, terminalPort: number) {
  return {
    name,
    driver: 'ipmi',
    boot_interface: 'pxe',
    deploy_interface: 'ramdisk',
    console_interface: 'ipmitool-socat',
    automated_clean: false,
    driver_info: {
      ipmi_address: '127.0.0.1',
      ipmi_port: peer.ipmiPort,
      ipmi_username: 'admin',
      ipmi_password: 'password',
      ipmi_cipher_suite: 3,
      ipmi_terminal_port: terminalPort,
      deploy_kernel: `${peer.imagesUrl}/kernel`,
      deploy_ramdisk: `${peer.imagesUrl}/initrd`,
    },
    instance_info: { kernel: `${peer.imagesUrl}/kernel`, ramdisk: `${peer.imagesUrl}/initrd` },
  };
}

/** The user data inside the config-2 image the BMC was given (sushy-tools' virtual media Floppy), read with pycdlib. */
export function virtualMediaUserdata(sushyUrl: string, system = SUSHY_SYSTEM_A): string {
  const script = `
import io, json, sys, urllib.request, pycdlib
media = json.load(urllib.request.urlopen(sys.argv[1]))
data = urllib.request.urlopen(media["Image"]).read()
iso = pycdlib.PyCdlib(); iso.open_fp(io.BytesIO(data))
out = io.BytesIO(); iso.get_file_from_iso_fp(out, rr_path='/openstack/latest/user_data')
sys.stdout.write(out.getvalue().decode())`;
  const result = spawnSync('/usr/bin/python3', ['-c', script, `${sushyUrl}/redfish/v1/Systems/${system}/VirtualMedia/Floppy`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`reading the virtual media failed: ${result.stderr.slice(-400)}`);
  return result.stdout;
}
