/**
 * Peers: IPMI through the real ipmitool against OpenIPMI's ipmi_sim (RMCP+, cipher suite 3):
 * power status/on/off/cycle and the boot device, a wrong password, and ipmitool missing.
 * Skipped with the reason where either is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpmiProvider } from '../../electron/services/providers/ipmi/ipmi-provider';
import { Ipmitool } from '../../electron/services/providers/ipmi/ipmitool';
import { ipmiSimMissing, startIpmiSim, type Peer } from './peers';

const problem = ipmiSimMissing();
if (problem) console.warn(`[peers] ipmi_sim SKIPPED: install ${problem}`);

describe.skipIf(problem !== null)(`IPMI against ipmi_sim with ipmitool${problem ? ` — SKIPPED: install ${problem}` : ''}`, () => {
  let bmc: Peer & { power(): string; boot(): string };
  const tool = (password = 'password', binary?: string | null) =>
    new Ipmitool({ host: '127.0.0.1', port: bmc.port, username: 'admin', password, cipherSuite: 3 }, binary);
  beforeAll(async () => {
    bmc = await startIpmiSim();
  }, 30_000);
  afterAll(() => bmc?.stop());

  it('reads power, turns the machine on and off, and sets the boot device', async () => {
    const provider = new IpmiProvider('ipmi', 'rig-01', tool());
    expect((await provider.verify()).projectName).toMatch(/rig-01 at 127\.0\.0\.1:\d+ \(power off\)/);
    expect(await provider.listNodes()).toMatchObject([
      { hostname: 'rig-01', state: 'inactive', provider: 'ipmi', capabilities: ['power', 'bootOverride', 'serialConsole'] },
    ]);
    await provider.power('rig-01', 'power_on');
    expect(bmc.power()).toBe('1');
    expect((await provider.getNode()).state).toBe('active');
    await provider.power('rig-01', 'power_off');
    expect((await provider.getNode()).state).toBe('inactive');
    // What comes back is what ipmi_sim reports, not the request: it keeps the device but calls the
    // flags invalid and for the next boot only, and the operation says so instead of ✓.
    expect(await provider.setBootOverride('rig-01', { target: 'Pxe', mode: 'Once' })).toMatchObject({ target: 'Pxe', enabled: 'Disabled' });
    expect(bmc.boot()).toBe('pxe');
    expect(await provider.setBootOverride('rig-01', { target: 'Hdd', mode: 'Continuous' })).toMatchObject({ target: 'Hdd', enabled: 'Disabled' });
    expect(bmc.boot()).toBe('default');
  });

  it('names a refused login and a missing ipmitool in words that say what to do', async () => {
    await expect(tool('wrong').powerState()).rejects.toMatchObject({
      code: 'auth',
      message: expect.stringMatching(/wrong user name or password, or cipher suite 3 not offered/),
    });
    await expect(tool('password', null).powerState()).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/ipmitool is not installed.*apt install ipmitool/),
    });
  });

  it('says nothing answered, not that the password is wrong, when no BMC listens', { timeout: 30_000 }, async () => {
    // A UDP port on loopback that nobody reads: bound, then closed.
    const { createSocket } = await import('node:dgram');
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    socket.close();
    const silent = new Ipmitool({ host: '127.0.0.1', port, username: 'admin', password: 'password', cipherSuite: 3 });
    await expect(silent.powerState()).rejects.toMatchObject({
      code: 'unreachable',
      retryable: true,
      message: expect.stringMatching(/^Nothing answered IPMI at 127\.0\.0\.1:\d+ .*Check the address and port/),
    });
  });
});
