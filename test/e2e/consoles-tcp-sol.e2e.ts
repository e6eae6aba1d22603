/**
 * End to end, consoles that are not SSH: an inventory node whose console is a serial server's raw TCP
 * port (socat bridging to a lab machine's UART), and an IPMI BMC (OpenIPMI's ipmi_sim) whose node's
 * console is Serial over LAN through the real ipmitool. Log in on each in Chromium, run a command,
 * and send SysRq over SOL. Skipped with the reason where socat or ipmi_sim is absent.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LabFleet } from '../../electron/lab/lab-fleet';
import { SerialLine } from '../../electron/lab/serial/serial-line';
import { ipmiSimMissing, SOCAT, startIpmiSim, startSocatTcpBridge, type Peer } from '../rig/peers';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, type IronpaneUi, consoleText, typeInConsole } from './helpers';

const ipmiProblem = ipmiSimMissing();

describeInChromium('consoles over TCP and IPMI Serial over LAN in Chromium', () => {
  let ui: IronpaneUi;
  let socat: Peer | null = null;
  let bmc: Peer | null = null;
  const servers: net.Server[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-consoles-'));
  const fleet = new LabFleet({ nodeCount: 5, failureRate: 0 });
  const machine = fleet.list().find((m) => m.state === 'active' && m.os.distro === 'flatcar')!;
  const screenText = () => consoleText(ui.page);
  const type = (text: string) => typeInConsole(ui.page, text);

  /** A lab machine's UART behind a server; ipmi_sim hands BREAK on as telnet's IAC BRK. */
  const uart = () =>
    net.createServer((socket) => {
      const line = new SerialLine(machine, fleet);
      line.on('data', (chunk) => socket.write(chunk));
      socket.on('data', (data: Buffer) => {
        const brk = data.indexOf(Buffer.from([255, 243]));
        if (brk < 0) return line.input(data);
        line.input(data.subarray(0, brk));
        line.sendBreak();
        line.input(data.subarray(brk + 2));
      });
      socket.on('close', () => line.dispose());
      socket.on('error', () => line.dispose());
    });

  beforeAll(async () => {
    if (SOCAT) {
      const socketPath = path.join(dir, 'ttyS0.sock');
      const unix = uart();
      servers.push(unix);
      await new Promise<void>((r) => unix.listen(socketPath, () => r()));
      socat = await startSocatTcpBridge({ socketPath });
      writeFileSync(
        path.join(dir, 'serial-servers.yaml'),
        [
          'nodes:',
          '  - hostname: tcp-console-01',
          '    place: { metro: am, facility: am6, rack: r1 }',
          '    console:',
          '      transport: tcp',
          '      host: 127.0.0.1',
          `      port: ${socat.port}`,
          '',
        ].join('\n'),
      );
    }
    if (!ipmiProblem) {
      const tcp = uart();
      servers.push(tcp);
      await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
      bmc = await startIpmiSim({ solPort: (tcp.address() as net.AddressInfo).port });
    }
    ui = await openIronpane({ nodeCount: 4, timeScale: 0.1, failureRate: 0 }, { width: 1440, height: 960 });
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 90_000);
  afterAll(async () => {
    await ui?.close();
    await Promise.all([socat?.stop(), bmc?.stop()]);
    servers.forEach((s) => s.close());
  });

  async function logIn() {
    await ui.page.locator('[data-console-status="connected"]').waitFor({ timeout: 30_000 });
    await type('\r');
    await expect.poll(screenText, { timeout: 20_000 }).toContain(`${machine.hostname} login:`);
    await type('core\r');
    await expect.poll(screenText).toContain('Password:');
    await type('secret\r');
    await expect.poll(screenText).toContain(`core@${machine.hostname}`);
  }

  it('draws an add form for every kind main describes, in both themes', async () => {
    const { page } = ui;
    await page.getByRole('navigation').getByRole('button', { name: 'Connections' }).click();
    const kinds = page.getByRole('radiogroup', { name: 'Kind of connection to add' });
    expect(await kinds.getByRole('radio').count()).toBe(5);
    for (const theme of ['light', 'dark'] as const) {
      const current = await page.evaluate(() => document.documentElement.dataset.theme ?? 'light');
      if (current !== theme) await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
      for (const [label, title] of [
        ['Metal API', 'Add a Metal account'],
        ['Inventory file', 'Add an inventory file'],
        ['Redfish BMC', 'Add a Redfish BMC'],
        ['IPMI BMC', 'Add an IPMI BMC'],
        ['OpenStack Ironic', 'Add an Ironic bare-metal API'],
      ] as const) {
        await kinds.getByText(label, { exact: true }).click();
        const form = page.getByRole('form', { name: title });
        await form.scrollIntoViewIfNeeded();
        await ui.screenshot(`connections-form-${label.replace(/\W+/g, '-').toLowerCase()}-${theme}`);
      }
    }
    await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
  });

  it.skipIf(!SOCAT)(
    `opens a node's console on a serial server's TCP port and logs in${SOCAT ? '' : ' — SKIPPED: install socat'}`,
    { timeout: 90_000 },
    async () => {
      const { page } = ui;
      await page.getByRole('navigation').getByRole('button', { name: 'Connections' }).click();
      await page.getByRole('radiogroup', { name: 'Kind of connection to add' }).getByText('Inventory file').click();
      const form = page.getByRole('form', { name: 'Add an inventory file' });
      await form.getByLabel('Name', { exact: true }).fill('Serial servers');
      await form.getByLabel('Inventory file (full path)').fill(path.join(dir, 'serial-servers.yaml'));
      await form.getByRole('button', { name: 'Add connection' }).click();
      await page.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: 'Serial servers' }).waitFor();
      await page.keyboard.press('Alt+1');
      await page.getByLabel('Search nodes').fill('tcp-console-01');
      await page.getByRole('row', { name: /tcp-console-01/ }).click();
      await page.getByRole('complementary', { name: 'Details of tcp-console-01' }).getByRole('button', { name: 'Open console' }).click();
      await logIn();
      await page.getByText(`tcp://127.0.0.1:${socat!.port}`).first().waitFor();
      await type('uname -a\r');
      await expect.poll(screenText).toMatch(new RegExp(`Linux ${machine.hostname} \\S+ #1 SMP`));
      await ui.screenshot('console-tcp');
      expect(ui.errors).toEqual([]);
    },
  );

  it.skipIf(ipmiProblem !== null)(
    `adds an IPMI BMC and logs in on its node over Serial over LAN, then sends SysRq${ipmiProblem ? ` — SKIPPED: install ${ipmiProblem}` : ''}`,
    { timeout: 120_000 },
    async () => {
      const { page } = ui;
      await page.getByRole('navigation').getByRole('button', { name: 'Connections' }).click();
      await page.getByRole('radiogroup', { name: 'Kind of connection to add' }).getByText('IPMI BMC').click();
      const form = page.getByRole('form', { name: 'Add an IPMI BMC' });
      await form.getByLabel('Name', { exact: true }).fill('SOL BMC');
      await form.getByLabel('Machine name').fill('sol-01');
      await form.getByLabel('BMC address').fill('127.0.0.1');
      await form.getByLabel('Port').fill(String(bmc!.port));
      await form.getByLabel('User name').fill('admin');
      await form.getByLabel('Password').fill('password');
      await form.getByLabel('Cipher suite (many BMCs need 3)').fill('3');
      await form.getByRole('button', { name: 'Add connection' }).click();
      const card = page.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: 'SOL BMC' });
      await expect.poll(() => card.getByTestId('connection-capabilities').innerText()).toMatch(/serial console/);
      await page.keyboard.press('Alt+1');
      await page.getByLabel('Search nodes').fill('sol-01');
      await page.getByRole('row', { name: /sol-01/ }).click();
      await page.getByRole('complementary', { name: 'Details of sol-01' }).getByRole('button', { name: 'Open console' }).click();
      await logIn();
      await page.getByText(`ipmi-sol://admin@127.0.0.1:${bmc!.port}`).first().waitFor();
      await type('uname -a\r');
      await expect.poll(screenText).toMatch(new RegExp(`Linux ${machine.hostname} \\S+ #1 SMP`));
      await page.getByLabel('SysRq key').fill('h');
      await page.getByRole('button', { name: 'Send SysRq' }).click();
      await expect.poll(screenText, { timeout: 15_000 }).toContain('sysrq: HELP');
      await ui.screenshot('console-ipmi-sol');
      expect(ui.errors).toEqual([]);
    },
  );
});
