/**
 * Rig: the Ironic provider against Debian's real Ironic 21.4 (../shared/reference/peers/ironic), with
 * fake-hardware nodes, a Redfish node on sushy-tools (virtual media) and an IPMI node on ipmi_sim
 * with the ipmitool-socat console. Every action Ironpane sends is exercised here against the real
 * conductor: list and delta, power, boot device, deploy and rebuild with a configdrive, a deploy
 * that fails, rescue, maintenance, manage, provide, undeploy, the console, history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTcpLink } from '../../electron/services/console/tcp-link';
import { ironic } from '../../electron/services/providers/ironic';
import { type IronicProvider } from '../../electron/services/providers/ironic/ironic-provider';
import type { FleetNode } from '../../shared/model';
import { ironicAdmin, ironicMissing, ipmiNodeBody, redfishNodeBody, startIronic, virtualMediaUserdata, type IronicPeer } from '../support/ironic-peer';

const missing = ironicMissing();
const title = missing ? `Ironic provider against the real Ironic — SKIPPED: install ${missing}` : 'Ironic provider against the real Ironic';
if (missing) console.warn(`[rig] ${title}`);

function memoryNotes() {
  const map = new Map<string, string>();
  return { get: (k: string) => map.get(k), put: (k: string, v: string | null) => void (v === null ? map.delete(k) : map.set(k, v)) };
}

describe.skipIf(!!missing)(title, () => {
  let peer: IronicPeer;
  let admin: ReturnType<typeof ironicAdmin>;
  let provider: IronicProvider;
  const ids = { fake1: '', fake2: '', rf: '', ipmi: '' };
  const until = async (id: string, done: (n: FleetNode) => boolean, timeoutMs = 60_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const node = await provider.getNode(id);
      if (done(node)) return node;
      if (Date.now() > end) throw new Error(`${node.hostname} did not settle: ${JSON.stringify(node.provisioning)} ${node.state}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const settledIn = (state: string) => (n: FleetNode) => n.provisioning?.state === state && n.provisioning.target === null;

  beforeAll(async () => {
    peer = await startIronic({ showSecrets: true });
    admin = ironicAdmin(peer.url);
    ids.fake1 = await admin.enroll({
      name: 'am6-fake-1',
      driver: 'fake-hardware',
      resource_class: 'baremetal',
      properties: { cpus: 4, memory_mb: 8192, local_gb: 100 },
      traits: undefined,
      extra: { metro: 'am', facility: 'am6' },
    });
    await admin.call('POST', `/v1/nodes/${ids.fake1}/traits`, undefined);
    await admin.call('PUT', `/v1/nodes/${ids.fake1}/traits/CUSTOM_GPU`);
    await admin.call('POST', '/v1/ports', {
      node_uuid: ids.fake1,
      address: '52:54:00:00:00:01',
      physical_network: 'fabric-a',
      local_link_connection: { switch_id: '0a:1b:2c:3d:4e:5f', port_id: 'Ethernet1/7' },
    });
    ids.fake2 = await admin.enroll({ name: 'am6-fake-2', driver: 'fake-hardware', extra: { metro: 'am', facility: 'am6' } });
    ids.rf = await admin.enroll(redfishNodeBody('rf-1', peer));
    ids.ipmi = await admin.enroll(ipmiNodeBody('ipmi-1', peer, peer.consoleBase + 1));
    await admin.call('POST', '/v1/ports', { node_uuid: ids.ipmi, address: '52:54:00:12:34:56' });
    await Promise.all([
      admin.makeAvailable(ids.fake1),
      admin.makeAvailable(ids.fake2),
      admin.makeAvailable(ids.rf),
      admin.move(ids.ipmi, 'manage', 'manageable'),
    ]);
    provider = ironic.create({
      id: 'ironic-1',
      settings: {
        baseUrl: peer.url,
        auth: 'none',
        images: `Ramdisk ISO=${peer.imagesUrl}/ramdisk.iso, Other=${peer.imagesUrl}/other.iso`,
        osFamily: 'ubuntu',
        placement: 'extra',
      },
      secrets: { rescuePassword: 'rescue-s3cret' },
      ports: { ipmitool: () => null, credential: () => Promise.reject(new Error('none')), lab: null, clientDefaults: { timeoutMs: 10_000 } },
      changed: () => undefined,
      notes: memoryNotes(),
    }) as IronicProvider;
  }, 180_000);

  afterAll(async () => {
    await provider?.close();
    await peer?.stop();
  }, 60_000);

  it('negotiates 1.82, lists every node with its state in plain words, placement, ports and facts, and never a BMC password', async () => {
    expect((await provider.verify()).projectName).toContain('API 1.82');
    const nodes = await provider.listNodes();
    expect(nodes.map((n) => n.hostname).sort()).toEqual(['am6-fake-1', 'am6-fake-2', 'ipmi-1', 'rf-1']);
    const fake1 = nodes.find((n) => n.hostname === 'am6-fake-1')!;
    expect(fake1.provisioning).toMatchObject({ state: 'available', target: null, words: 'Available: clean and ready to deploy', maintenance: null });
    expect(fake1.metro?.code).toBe('am');
    expect(fake1.facility?.code).toBe('am6');
    expect(fake1.switchUuid).toBe('0a:1b:2c:3d:4e:5f');
    expect(fake1.networkType).toBe('fabric-a');
    expect(fake1.hardware).toMatchObject({ processors: 4, memoryGiB: 8 });
    expect(fake1.tags).toEqual(['CUSTOM_GPU']);
    expect(fake1.facts).toEqual(
      expect.arrayContaining([
        { label: 'Driver', value: 'fake-hardware' },
        { label: 'Disk', value: '100 GB' },
      ]),
    );
    const rf = nodes.find((n) => n.hostname === 'rf-1')!;
    expect(rf.facts).toEqual(expect.arrayContaining([{ label: 'BMC address', value: peer.sushyUrl }]));
    expect(rf.capabilities).not.toContain('serialConsole');
    expect(nodes.find((n) => n.hostname === 'ipmi-1')!.capabilities).toContain('serialConsole');
    // The peer runs with show_password: the API returns BMC passwords, and the parse drops them.
    expect((await admin.node(ids.rf)).driver_info.redfish_password).toBe('password');
    expect(JSON.stringify(nodes)).not.toContain('"password"');
    expect(JSON.stringify(nodes)).not.toContain('redfish_password');
  });

  it('a delta lists only what changed since, in updated_at order', async () => {
    await provider.listNodes();
    expect(await provider.listChanged()).toEqual([]);
    await admin.call('PATCH', `/v1/nodes/${ids.fake2}`, [{ op: 'add', path: '/extra/facility', value: 'am7' }]);
    const changed = await provider.listChanged();
    expect(changed?.map((n) => n.hostname)).toEqual(['am6-fake-2']);
    expect(changed?.[0]?.facility?.code).toBe('am7');
    expect(await provider.listChanged()).toEqual([]);
  });

  it('deploys an available node with the user data set for it, rebuilds with a new revision, and reads both back from the API', async () => {
    await provider.setUserdata(ids.fake1, '#cloud-config\nrevision: 1\n');
    await provider.reinstall(ids.fake1, { operatingSystem: `${peer.imagesUrl}/ramdisk.iso`, preserveData: false });
    const active = await until(ids.fake1, settledIn('active'));
    expect(active.os.name).toBe('Ramdisk ISO');
    expect(await provider.userdata(ids.fake1)).toBe('#cloud-config\nrevision: 1\n');
    expect((await admin.node(ids.fake1)).instance_info.configdrive.meta_data.hostname).toBe('am6-fake-1');

    await provider.setUserdata(ids.fake1, '#cloud-config\nrevision: 2\n');
    expect(await provider.userdata(ids.fake1)).toBe('#cloud-config\nrevision: 2\n');
    await provider.reinstall(ids.fake1, { operatingSystem: `${peer.imagesUrl}/ramdisk.iso`, preserveData: false });
    await until(ids.fake1, settledIn('active'));
    expect((await admin.node(ids.fake1)).instance_info.configdrive.user_data).toBe('#cloud-config\nrevision: 2\n');
    expect(await provider.userdata(ids.fake1)).toBe('#cloud-config\nrevision: 2\n');
    // The conductor moved the node from active to deploying twice: one deploy, one rebuild.
    const moves = peer
      .log()
      .split('\n')
      .filter((l) => l.includes(ids.fake1) && /moved to provision state "deploying"/.test(l));
    expect(moves).toHaveLength(2);
  });

  it('powers off, on and reboots, and sets a boot device read back from the driver', async () => {
    await provider.power(ids.fake1, 'power_off');
    await until(ids.fake1, (n) => n.state === 'inactive');
    await provider.power(ids.fake1, 'power_on');
    await until(ids.fake1, (n) => n.state === 'active');
    await provider.power(ids.fake1, 'reboot');
    await until(ids.fake1, (n) => n.state === 'active');
    expect(await provider.setBootOverride(ids.fake1, { target: 'Pxe', mode: 'Once' })).toMatchObject({ target: 'Pxe', enabled: 'Once' });
    await expect(provider.setBootOverride(ids.fake1, { target: 'UefiHttp', mode: 'Once' })).rejects.toThrow(/no way to boot from UefiHttp/);
  });

  it('rescues and leaves rescue with the rescue password from the vault; refuses what the state does not allow before sending', async () => {
    await expect(provider.lifecycle(ids.fake1, 'unrescue', {})).rejects.toThrow(/Leaving rescue needs the node rescue; it is active/);
    await provider.lifecycle(ids.fake1, 'rescue', {});
    await until(ids.fake1, settledIn('rescue'));
    await provider.lifecycle(ids.fake1, 'unrescue', {});
    await until(ids.fake1, settledIn('active'));
  });

  it('puts a node in maintenance with a reason, refuses to rebuild it there, and ends maintenance', async () => {
    await provider.lifecycle(ids.fake2, 'maintenance_on', { reason: 'disk swap' });
    const held = await until(ids.fake2, (n) => n.provisioning?.maintenance === 'disk swap');
    expect(held.actionNotes?.reinstall).toMatch(/maintenance \(disk swap\); end maintenance first/);
    await expect(provider.reinstall(ids.fake2, { operatingSystem: 'none', preserveData: false })).rejects.toThrow(/in maintenance \(disk swap\)/);
    await provider.lifecycle(ids.fake2, 'maintenance_off', {});
    await until(ids.fake2, (n) => n.provisioning?.maintenance === null);
  });

  it('undeploys, manages and provides again', async () => {
    await provider.lifecycle(ids.fake1, 'undeploy', {});
    await until(ids.fake1, settledIn('available'));
    await provider.lifecycle(ids.fake1, 'manage', {});
    await until(ids.fake1, settledIn('manageable'));
    await provider.lifecycle(ids.fake1, 'provide', {});
    await until(ids.fake1, settledIn('available'));
  });

  it('deploys the Redfish node through virtual media: the BMC gets the config revision in its configdrive', async () => {
    await provider.setUserdata(ids.rf, '#cloud-config\nrevision: 7\n');
    await provider.reinstall(ids.rf, { operatingSystem: `${peer.imagesUrl}/ramdisk.iso`, preserveData: false });
    const node = await until(ids.rf, settledIn('active'));
    expect(node.state).toBe('active');
    expect(virtualMediaUserdata(peer.sushyUrl).trim()).toBe('#cloud-config\nrevision: 7');
    expect(await provider.userdata(ids.rf)).toBe('#cloud-config\nrevision: 7\n');
  }, 60_000);

  it('a deploy that fails shows deploy failed with Ironic’s last_error, and a rebuild recovers it', async () => {
    await provider.reinstall(ids.rf, { operatingSystem: `${peer.imagesUrl}/missing.iso`, preserveData: false });
    const failed = await until(ids.rf, (n) => n.provisioning?.state === 'deploy failed', 60_000);
    expect(failed.state).toBe('failed');
    expect(failed.provisioning?.lastError).toMatch(/missing\.iso.*404/s);
    expect(failed.actions).toContain('reinstall');
    await provider.reinstall(ids.rf, { operatingSystem: `${peer.imagesUrl}/ramdisk.iso`, preserveData: false });
    await until(ids.rf, settledIn('active'), 60_000);
  }, 120_000);

  it('opens the IPMI node’s console through Ironic (ipmitool-socat), logs in, and leaves the SOL payload free for the next open', async () => {
    await provider.power(ids.ipmi, 'power_on');
    await until(ids.ipmi, (n) => n.state === 'active', 60_000);
    for (const attempt of [1, 2]) {
      const endpoint = await provider.enableConsole(ids.ipmi);
      expect(endpoint).toEqual({ host: '127.0.0.1', port: peer.consoleBase + 1 });
      let text = '';
      const link = await openTcpLink({
        host: endpoint.host,
        port: endpoint.port,
        leaveWith: '\r~.',
        onData: (d) => (text += d.toString()),
        onClose: () => undefined,
      });
      // `retype` is sent again every 2 s while waiting: under load the guest may still be booting
      // (its banner arrives after "SOL Session operational") and a line typed before it reads is lost.
      const seen = async (what: RegExp, retype?: string) => {
        const end = Date.now() + 40_000;
        let nextType = 0;
        while (!what.test(text)) {
          if (Date.now() > end) throw new Error(`attempt ${attempt}: no ${what} in ${JSON.stringify(text)}`);
          if (retype && Date.now() >= nextType) {
            link.write(retype);
            nextType = Date.now() + 2_000;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await seen(/SOL Session operational/);
      // An empty line gets no answer from the guest, so a login name is typed and the guest's
      // answer and next prompt are the proof.
      await new Promise((r) => setTimeout(r, 500));
      await seen(new RegExp(`got: root${attempt}\r\nipmi-guest login: `), `root${attempt}\r`);
      link.destroy();
      await new Promise((r) => setTimeout(r, 500));
      await provider.disableConsole(ids.ipmi);
      await admin.waitFor(ids.ipmi, (n) => n.console_enabled === false, 20_000);
    }
  }, 180_000);

  it('says plainly when the driver has no console, and shows node history', async () => {
    await expect(provider.enableConsole(ids.rf)).rejects.toThrow(/rf-1: its Ironic driver has no console interface \(console_interface is no-console\)/);
    const events = await provider.nodeEvents(ids.rf);
    expect(events.some((e) => /missing\.iso/.test(e.message))).toBe(true);
  });

  it('a node deleted from Ironic is named as gone', async () => {
    await admin.call('DELETE', `/v1/nodes/${ids.fake2}`);
    await expect(provider.getNode(ids.fake2)).rejects.toThrow(/no longer in Ironic/);
  });
});
