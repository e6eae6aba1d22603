import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LabFleet } from './lab-fleet';
import { firstBoot } from './serial/first-boot';
import { startLab, type RunningLab } from './lab';

let lab: RunningLab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

async function get(path: string, token = lab!.token, init: RequestInit = {}) {
  const response = await fetch(`${lab!.baseUrl}${path}`, { ...init, headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json', ...init.headers } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('lab fleet seed', () => {
  it('is believable: 3 metros, several facilities, the OS mix, L2-only nodes behind gateways, failures', () => {
    const fleet = new LabFleet({ nodeCount: 60 });
    const machines = fleet.list();
    expect(machines).toHaveLength(60);
    expect(new Set(machines.map((m) => m.metro.code))).toEqual(new Set(['sv', 'da', 'am']));
    expect(new Set(machines.map((m) => m.facility.code)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(machines.map((m) => m.os.distro))).toEqual(new Set(['flatcar', 'talos', 'ubuntu', 'nixos', 'freebsd']));
    expect(new Set(machines.filter((m) => m.os.distro === 'flatcar').map((m) => m.os.slug))).toEqual(new Set(['flatcar_stable', 'flatcar_beta']));
    const l2 = machines.filter((m) => m.networkType === 'layer2-bonded');
    expect(l2.length).toBeGreaterThan(2);
    for (const node of l2) {
      expect(node.ips).toEqual([]);
      // Every L2-only node shares a VLAN with its metro's gateway.
      const gateway = machines.find((m) => m.role === 'gateway' && m.metro === node.metro)!;
      expect(gateway.vlans).toEqual(expect.arrayContaining(node.vlans));
    }
    expect(machines.some((m) => m.state === 'failed')).toBe(true);
    expect(machines.some((m) => m.state === 'inactive')).toBe(true);
  });

  it('is deterministic for a seed, and 10,000 nodes seed quickly', () => {
    const a = new LabFleet({ nodeCount: 50, seed: 7 }).list().map((m) => m.hostname);
    const b = new LabFleet({ nodeCount: 50, seed: 7 }).list().map((m) => m.hostname);
    expect(a).toEqual(b);
    expect(new LabFleet({ nodeCount: 10_000 }).list()).toHaveLength(10_000);
  });

  it('moves a machine through powering_off → inactive → powering_on → active on its clock', () => {
    let now = 1_000_000;
    const fleet = new LabFleet({ nodeCount: 10, failureRate: 0, now: () => now });
    const machine = fleet.list().find((m) => m.state === 'active')!;
    fleet.action(machine.id, { type: 'power_off' });
    expect(fleet.get(machine.id).state).toBe('powering_off');
    now += 5_999;
    expect(fleet.get(machine.id).state).toBe('powering_off');
    now += 1;
    expect(fleet.get(machine.id).state).toBe('inactive');
    fleet.action(machine.id, { type: 'power_on' });
    expect(fleet.get(machine.id).state).toBe('powering_on');
    now += 25_000;
    expect(fleet.get(machine.id).state).toBe('active');
    expect(
      fleet
        .get(machine.id)
        .events.slice(0, 4)
        .map((e) => e.type),
    ).toEqual(['instance.active', 'instance.power_on', 'instance.powered_off', 'instance.power_off']);
  });

  it('reinstalls with progress and can fail the way real installs do', () => {
    let now = 0;
    const fleet = new LabFleet({ nodeCount: 10, failureRate: 1, now: () => now, timeScale: 0.01 });
    const machine = fleet.list().find((m) => m.role === 'gateway')!; // gateways are seeded healthy whatever the failure rate
    fleet.action(machine.id, { type: 'reinstall', operating_system: 'ubuntu_24_04' });
    expect(machine.state).toBe('reinstalling');
    now += 3_600 * 0.5;
    expect(fleet.get(machine.id).provisioningPercentage).toBeGreaterThan(0);
    now += 3_600;
    expect(fleet.get(machine.id).state).toBe('failed');
    expect(machine.events[0]!.state).toBe('failed');
  });

  it('provisions with the machine’s user data: a good Ignition config boots, a bad one fails the way Ignition does', () => {
    let now = 0;
    const fleet = new LabFleet({ nodeCount: 30, failureRate: 0, now: () => now, timeScale: 0.01 });
    const [good, bad] = fleet.list().filter((m) => m.os.distro === 'flatcar' && m.state === 'active');
    const ignition = JSON.stringify({
      ignition: { version: '3.4.0' },
      passwd: { users: [{ name: 'ops', sshAuthorizedKeys: ['ssh-ed25519 AAAA ops'] }] },
      storage: { files: [{ path: '/etc/motd' }] },
      systemd: { units: [{ name: 'app.service', enabled: true, contents: '[Service]\nExecStart=/usr/bin/app\n' }] },
    });
    fleet.update(good!.id, { userdata: ignition });
    fleet.update(bad!.id, { userdata: 'variant: flatcar\nversion: 1.1.0\n' }); // Butane, not Ignition: the classic mistake
    for (const m of [good!, bad!]) fleet.action(m.id, { type: 'reinstall' });
    now += 3_600 * 2;
    expect(fleet.get(good!.id).state).toBe('active');
    expect(fleet.get(bad!.id).state).toBe('failed');
    expect(fleet.get(bad!.id).events[0]!.body).toMatch(/^Provisioning failed: Ignition rejected the user data \(config is not valid: Unexpected token/);
    const lines = firstBoot(fleet.get(good!.id)).lines.join('\n');
    expect(lines).toContain('creating or modifying user "ops"');
    expect(lines).toContain('adding ssh keys to user "ops"');
    expect(lines).toContain('writing file "/sysroot/etc/motd"');
    expect(lines).toContain('Started app.service.');
    expect(firstBoot(fleet.get(bad!.id)).lines.join('\n')).toContain('You are in emergency mode');
  });

  it('fails a first boot whose unit fails, and reads cloud-config and Talos configs', () => {
    const unit = JSON.stringify({
      ignition: { version: '3.3.0' },
      systemd: { units: [{ name: 'broken.service', enabled: true, contents: '[Service]\nExecStart=/bin/false\n' }] },
    });
    expect(firstBoot({ os: { distro: 'flatcar' } as never, userdata: unit, hostname: 'h' }).failure).toBe(
      'broken.service failed to start (see the serial console)',
    );
    const cloud = firstBoot({ os: { distro: 'ubuntu' } as never, userdata: '#cloud-config\nhostname: db-1\npackages: [chrony]\n', hostname: 'h' });
    expect(cloud.lines).toEqual(expect.arrayContaining(['cloud-init[842]: Set hostname to <db-1>', 'cloud-init[1024]: Installing packages: chrony']));
    expect(
      firstBoot({ os: { distro: 'talos' } as never, userdata: 'version: v1alpha1\n---\nkind: HostnameConfig\nhostname: w9\n', hostname: 'h' }).lines,
    ).toContain('[talos] setting hostname {"hostname": "w9"}');
    expect(firstBoot({ os: { distro: 'talos' } as never, userdata: 'machine: [\n', hostname: 'h' }).failure).toMatch(
      /^Talos could not load the machine config/,
    );
  });

  it('refuses actions the state does not allow, and unknown action types', () => {
    const fleet = new LabFleet({ nodeCount: 10 });
    const machine = fleet.list().find((m) => m.state === 'active')!;
    expect(() => fleet.action(machine.id, { type: 'power_on' })).toThrow(/cannot power on/);
    expect(() => fleet.action(machine.id, { type: 'explode' })).toThrow(/not a valid action/);
    expect(() => fleet.action(machine.id, { type: 'reinstall', operating_system: 'windows_95' })).toThrow(/not a valid operating system/);
  });
});

describe('lab Metal API server', () => {
  it('requires X-Auth-Token', async () => {
    lab = await startLab({ nodeCount: 5 });
    expect(await get(`/projects/${lab.projectId}`, 'wrong')).toMatchObject({ status: 401, body: { error: 'Invalid authentication token' } });
    // The token is checked before the body is read: a bad body from a stranger is still a 401.
    const id = lab.fleet.order[0]!;
    expect(await get(`/devices/${id}/actions`, 'wrong', { method: 'POST', body: '{not json' })).toMatchObject({ status: 401 });
  });

  it('survives clients that reset mid-body or send garbage, and keeps answering', async () => {
    lab = await startLab({ nodeCount: 2 });
    const { port } = new URL(lab.baseUrl);
    const id = lab.fleet.order[0]!;
    for (let i = 0; i < 50; i++) {
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        i % 2 === 0
          ? `POST /metal/v1/devices/${id}/actions HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${lab.token}\r\nContent-Length: 1000\r\n\r\n{"type":`
          : 'GARBAGE \x00\x01 NOT HTTP\r\n\r\n',
      );
      socket.resetAndDestroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await get(`/projects/${lab.projectId}`)).status).toBe(200);
  });

  it('answers malformed percent-encoding with 400, not a 500', async () => {
    lab = await startLab({ nodeCount: 2 });
    expect(await get('/devices/%E0%A4%A')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/Malformed percent-encoding/) } });
  });

  it('pages devices with meta and next links until the last page', async () => {
    lab = await startLab({ nodeCount: 25 });
    const first = await get(`/projects/${lab.projectId}/devices?per_page=10`);
    expect(first.status).toBe(200);
    expect(first.body.devices).toHaveLength(10);
    expect(first.body.meta).toMatchObject({ total: 25, current_page: 1, last_page: 3 });
    expect(first.body.meta.next.href).toContain('page=2');
    const last = await get(`/projects/${lab.projectId}/devices?per_page=10&page=3`);
    expect(last.body.devices).toHaveLength(5);
    expect(last.body.meta.next).toBeUndefined();
    expect((await get(`/projects/${lab.projectId}/devices?per_page=5000`)).status).toBe(422);
  });

  it('expands and shrinks nested objects with include and exclude', async () => {
    lab = await startLab({ nodeCount: 3 });
    const id = lab.fleet.order[0]!;
    const plain = (await get(`/devices/${id}`)).body;
    expect(Object.keys(plain.project)).toEqual(['href']);
    expect(plain.plan.slug).toBeTruthy();
    const included = (await get(`/devices/${id}?include=project`)).body;
    expect(included.project.name).toBe('Ironpane Lab');
    const excluded = (await get(`/devices/${id}?exclude=plan,userdata`)).body;
    expect(excluded.plan).toEqual({ href: expect.stringContaining('/plans/') });
    expect(excluded.userdata).toBeUndefined();
  });

  it('answers unknown ids with 404 and bad actions with 422 in the spec error shapes', async () => {
    lab = await startLab({ nodeCount: 3 });
    expect(await get('/devices/00000000-0000-4000-8000-000000000000')).toMatchObject({ status: 404, body: { error: 'Not found' } });
    const id = lab.fleet.order[0]!;
    const bad = await get(`/devices/${id}/actions`, lab.token, { method: 'POST', body: JSON.stringify({ type: 'launch_missiles' }) });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0]).toMatch(/not a valid action/);
    const ok = await get(`/devices/${id}/actions`, lab.token, { method: 'POST', body: JSON.stringify({ type: 'power_off' }) });
    expect(ok.status).toBe(202);
    expect((await get(`/devices/${id}`)).body.state).toBe('powering_off');
  });

  it('updates hostname, description, tags and userdata, and refuses bad values', async () => {
    lab = await startLab({ nodeCount: 3 });
    const id = lab.fleet.order[1]!;
    const put = (body: unknown) => get(`/devices/${id}`, lab!.token, { method: 'PUT', body: JSON.stringify(body) });
    const updated = await put({ hostname: 'renamed-01', description: 'moved', tags: ['x'], userdata: '#cloud-config\n' });
    expect(updated.body).toMatchObject({ hostname: 'renamed-01', description: 'moved', tags: ['x'], userdata: '#cloud-config\n' });
    expect((await put({ hostname: 'bad host!' })).status).toBe(422);
    expect((await put({ tags: 'x' })).status).toBe(422);
  });

  it('rate-limits with 429 and Retry-After when asked to', async () => {
    lab = await startLab({ nodeCount: 3, rateLimit: { limit: 2, windowMs: 60_000 } });
    await get('/locations/metros');
    await get('/locations/metros');
    const limited = await get('/locations/metros');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('lists metros, facilities, plans, operating systems, SSH keys, VLANs and device events', async () => {
    lab = await startLab({ nodeCount: 6 });
    expect((await get('/locations/metros')).body.metros.map((m: { code: string }) => m.code)).toEqual(['sv', 'da', 'am']);
    expect((await get('/facilities')).body.facilities.length).toBe(6);
    expect((await get('/plans')).body.plans.length).toBeGreaterThan(3);
    expect((await get('/operating-systems')).body.operating_systems.some((o: { slug: string }) => o.slug === 'talos_v1_13')).toBe(true);
    expect((await get('/ssh-keys')).body.ssh_keys).toHaveLength(1);
    const vlans = (await get(`/projects/${lab.projectId}/virtual-networks`)).body.virtual_networks;
    expect(vlans.length).toBe(9);
    const events = (await get(`/devices/${lab.fleet.order[0]}/events`)).body;
    expect(events.events[0].interpolated).toContain(lab.fleet.list()[0]!.hostname);
    expect((await get(`/devices/${lab.fleet.order[0]}`)).body.sos).toMatch(/^sos\./);
  });
});

describe('lab settings from the environment', () => {
  it('reads size, failure rate, time scale and rate limit, and refuses nonsense', async () => {
    const { labOptionsFromEnv } = await import('./lab');
    expect(
      labOptionsFromEnv({ IRONPANE_LAB_NODES: '10000', IRONPANE_LAB_FAILURE_RATE: '0.1', IRONPANE_LAB_TIME_SCALE: '0.01', IRONPANE_LAB_RATE_LIMIT: '120/60' }),
    ).toMatchObject({
      enabled: true,
      nodeCount: 10_000,
      failureRate: 0.1,
      timeScale: 0.01,
      rateLimit: { limit: 120, windowMs: 60_000 },
    });
    expect(labOptionsFromEnv({ IRONPANE_LAB: 'off' }).enabled).toBe(false);
    expect(() => labOptionsFromEnv({ IRONPANE_LAB_NODES: 'many' })).toThrow(/IRONPANE_LAB_NODES/);
    expect(() => labOptionsFromEnv({ IRONPANE_LAB_RATE_LIMIT: 'fast' })).toThrow(/120\/60/);
  });
});

describe('lab keys', () => {
  it('makes only key pairs ssh2 can parse back (ssh2 #1513 strips a leading zero byte 1 time in 256)', async () => {
    const { generateSshKeyPair } = await import('./lab-keys');
    const ssh2 = (await import('ssh2')).default;
    for (let i = 0; i < 1500; i++) {
      const pair = generateSshKeyPair();
      expect(ssh2.utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
      expect(ssh2.utils.parseKey(pair.public)).not.toBeInstanceOf(Error);
    }
  });
});
