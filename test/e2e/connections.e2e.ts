/**
 * End to end, as an operator whose racks have no Metal API: add an inventory file whose node's
 * console is a real OpenSSH sshd with a ForceCommand serial bridge, trust its key, log in on it;
 * break the file and see the last good fleet kept with the line named; add a Redfish connection to
 * sushy-tools, power its machine on from the fleet and watch it turn on. Peers we did not write,
 * all on 127.0.0.1; each part is skipped with the reason where its peer is absent.
 */
import { chmodSync, mkdtempSync, promises as fs, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LabFleet } from '../../electron/lab/lab-fleet';
import { generateSshKeyPair } from '../../electron/lab/lab-keys';
import { SerialLine } from '../../electron/lab/serial/serial-line';
import { bcryptHtpasswd, serialSshdMissing, startSerialSshd, startSushy, sushyMissing, type Peer } from '../rig/peers';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, type IronpaneUi, consoleText, typeInConsole } from './helpers';

const sshdProblem = serialSshdMissing();
const sushyProblem = sushyMissing();

describeInChromium('connections beyond Metal in Chromium', () => {
  let ui: IronpaneUi;
  let sshd: Peer | null = null;
  let sushy: Peer | null = null;
  let serial: net.Server;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-connections-'));
  const inventory = path.join(dir, 'rack12.yaml');
  const fleet = new LabFleet({ nodeCount: 5, failureRate: 0 });
  const machine = fleet.list().find((m) => m.state === 'active' && m.os.distro === 'flatcar')!;
  const screenText = () => consoleText(ui.page);
  const type = (text: string) => typeInConsole(ui.page, text);
  let inventoryText = '';

  beforeAll(async () => {
    // The "serial port" behind the console server: a simulated machine's UART on a Unix socket.
    const socketPath = path.join(dir, 'ttyS1.sock');
    serial = net.createServer((socket) => {
      const line = new SerialLine(machine, fleet);
      line.on('data', (chunk) => socket.write(chunk));
      socket.on('data', (data) => line.input(data));
      socket.on('close', () => line.dispose());
      socket.on('error', () => line.dispose());
    });
    await new Promise<void>((r) => serial.listen(socketPath, () => r()));
    const key = generateSshKeyPair();
    const keyFile = path.join(dir, 'id_ed25519');
    writeFileSync(keyFile, key.private);
    chmodSync(keyFile, 0o600);
    if (!sshdProblem) sshd = await startSerialSshd({ socketPath, authorizedKeys: [key.public] });
    if (!sushyProblem) {
      sushy = await startSushy({
        systems: [{ uuid: '27946b59-9e44-4fa7-8e91-f3527a1ef094', name: 'bmc-node-a', power_state: 'Off' }],
        htpasswd: bcryptHtpasswd('admin', 'bmc-pass-1'),
      });
    }
    inventoryText = [
      'nodes:',
      '  - hostname: rack12-console-01',
      '    tags: [rack12]',
      '    place: { metro: am, facility: am6, rack: r12 }',
      '    os: Flatcar Container Linux',
      '    console:',
      '      host: 127.0.0.1',
      `      port: ${sshd?.port ?? 22}`,
      `      user: ${os.userInfo().username}`,
      '      auth: key',
      `      keyFile: ${keyFile}`,
      '  - hostname: rack12-spare-02',
      '    place: { metro: am, facility: am6, rack: r12 }',
      '',
    ].join('\n');
    await fs.writeFile(inventory, inventoryText);
    ui = await openIronpane({ nodeCount: 6, timeScale: 0.1, failureRate: 0 }, { width: 1440, height: 960 });
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 90_000);
  afterAll(async () => {
    await ui?.close();
    await Promise.all([sshd?.stop(), sushy?.stop()]);
    serial?.close();
  });

  it('adds an inventory file as a connection; its nodes say what they cannot do and why', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Connections' }).click();
    await page.getByRole('radiogroup', { name: 'Kind of connection to add' }).getByText('Inventory file').click();
    const form = page.getByRole('form', { name: 'Add an inventory file' });
    await form.getByLabel('Inventory file (full path)').fill('fleet.yaml');
    await form.getByRole('button', { name: 'Add connection' }).click();
    await form.getByText('Give the connection a name.').waitFor();
    await form.getByText('Write the full path of the file').waitFor();
    await form.getByLabel('Name', { exact: true }).fill('Rack 12');
    await form.getByLabel('Inventory file (full path)').fill(inventory);
    await ui.screenshot('connections-inventory-form');
    await form.getByRole('button', { name: 'Add connection' }).click();
    const card = page.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: 'Rack 12' });
    await card.getByText('Inventory file', { exact: true }).waitFor();
    await expect.poll(() => card.innerText()).toMatch(/2 nodes/);
    // What its nodes offer, not what the kind could: neither lists a BMC, one has a console.
    await expect.poll(() => card.getByTestId('connection-capabilities').innerText()).toBe('Offers: serial console (1 of 2 nodes), events');

    await page.keyboard.press('Alt+1');
    await page.getByLabel('Search nodes').fill('rack12');
    await page.getByRole('row', { name: /rack12-spare-02/ }).click();
    const details = page.getByRole('complementary', { name: 'Details of rack12-spare-02' });
    const powerOn = details.getByRole('button', { name: 'Power on' });
    expect(await powerOn.isDisabled()).toBe(true);
    expect(await powerOn.getAttribute('title')).toMatch(/lists no BMC for this node; add a `bmc:` entry/);
    expect(await details.getByRole('button', { name: 'Open console' }).getAttribute('title')).toMatch(/lists no `console:`/);
    expect(await details.getByRole('button', { name: 'Reprovision…' }).isDisabled()).toBe(true);
    await ui.screenshot('connections-inventory-node-disabled');
  });

  it.skipIf(sshdProblem !== null)(
    `opens the inventory node's console on a real OpenSSH serial server and logs in${sshdProblem ? ` — SKIPPED: install ${sshdProblem}` : ''}`,
    async () => {
      const { page } = ui;
      await page.getByRole('row', { name: /rack12-console-01/ }).click();
      await page.getByRole('complementary', { name: 'Details of rack12-console-01' }).getByRole('button', { name: 'Open console' }).click();
      await page.getByRole('alertdialog', { name: new RegExp(`Unknown host key for 127\\.0\\.0\\.1:${sshd!.port}`) }).waitFor();
      await page.getByRole('button', { name: 'Trust and connect' }).click();
      await page.locator('[data-console-status="connected"]').waitFor();
      await type('\r');
      await expect.poll(screenText).toContain(`${machine.hostname} login:`);
      await type('core\r');
      await expect.poll(screenText).toContain('Password:');
      await type('not-checked\r');
      await expect.poll(screenText).toContain(`core@${machine.hostname}`);
      await type('uname -a\r');
      await expect.poll(screenText).toContain(`Linux ${machine.hostname} `);
      await ui.screenshot('connections-inventory-console');
    },
  );

  it('keeps the last good fleet when the file breaks, names the line, and picks up the fix', async () => {
    const { page } = ui;
    await fs.writeFile(inventory, `${inventoryText}  - hostname: rack12-spare-02\n`);
    await page.getByRole('button', { name: 'Connections' }).click();
    const card = page.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: 'Rack 12' });
    await card
      .getByRole('alert')
      .filter({ hasText: /line 14, nodes\[2\]\.hostname: rack12-spare-02 is listed twice/ })
      .waitFor();
    expect(await card.getByRole('alert').innerText()).toMatch(/last good version/);
    await ui.screenshot('connections-inventory-broken');
    await page.keyboard.press('Alt+1');
    await page.getByLabel('Search nodes').fill('rack12');
    await expect.poll(() => page.locator('[data-fleet-grid] [role="row"][data-node-id]').count()).toBe(2);
    await fs.writeFile(inventory, `${inventoryText}  - hostname: rack12-spare-03\n`);
    await page.getByRole('row', { name: /rack12-spare-03/ }).waitFor();
  });

  it.skipIf(sushyProblem !== null)(
    `adds a Redfish BMC (sushy-tools), powers its machine on from the fleet and watches it turn on${sushyProblem ? ` — SKIPPED: install ${sushyProblem}` : ''}`,
    { timeout: 90_000 },
    async () => {
      const { page } = ui;
      await page.getByRole('button', { name: 'Connections' }).click();
      await page.getByRole('radiogroup', { name: 'Kind of connection to add' }).getByText('Redfish BMC').click();
      const form = page.getByRole('form', { name: 'Add a Redfish BMC' });
      await form.getByLabel('Name', { exact: true }).fill('Rack 12 BMC');
      await form.getByLabel('BMC address').fill(`http://127.0.0.1:${sushy!.port}`);
      await form.getByLabel('User name').fill('admin');
      await form.getByLabel('Password').fill('wrong-pass');
      await form.getByLabel('Authentication').selectOption('basic');
      await form.getByRole('button', { name: 'Add connection' }).click();
      await form
        .getByRole('alert')
        .filter({ hasText: /refused the user name or password/ })
        .waitFor();
      expect(await form.getByLabel('Password').inputValue()).toBe('');
      await ui.screenshot('connections-redfish-wrong-password');
      await form.getByLabel('Password').fill('bmc-pass-1');
      await form.getByRole('button', { name: 'Add connection' }).click();
      const card = page.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: 'Rack 12 BMC' });
      await expect.poll(() => card.innerText()).toMatch(/1 nodes/);

      await page.keyboard.press('Alt+1');
      await page.getByLabel('Search nodes').fill('bmc-node-a');
      await page.getByRole('row', { name: /bmc-node-a/ }).click();
      const details = page.getByRole('complementary', { name: 'Details of bmc-node-a' });
      await details.getByText('Sushy Emulator').waitFor();
      expect(await details.getByRole('button', { name: 'Reprovision…' }).getAttribute('title')).toMatch(/A BMC cannot install an operating system/);
      await details.getByRole('button', { name: 'Power on' }).click();
      await page.getByRole('button', { name: 'Power on bmc-node-a' }).click();
      // sushy-tools' fake driver turns the machine on 1–11 s after the request: followed, not assumed.
      await expect.poll(() => page.getByRole('row', { name: /bmc-node-a/ }).getAttribute('data-state'), { timeout: 60_000 }).toBe('active');
      await details.getByRole('button', { name: 'Power off' }).waitFor();
      await ui.screenshot('connections-redfish-powered-on');
      // The boot device: the BMC's choices, set once, read back.
      await details.getByLabel('Boot from').selectOption('Pxe');
      await details.getByRole('button', { name: 'Set boot device…' }).click();
      await page.getByRole('button', { name: 'Set boot device on bmc-node-a' }).click();
      await page.getByRole('button', { name: 'Activity' }).click();
      await page
        .getByRole('region', { name: 'Operations' })
        .getByRole('button', { name: /Boot from Network \(PXE\) \(next boot only\) on bmc-node-a/ })
        .click();
      await expect.poll(() => page.locator('[data-step-state]').first().getAttribute('data-step-state'), { timeout: 20_000 }).toBe('succeeded');
      // sushy-tools, like libvirt, keeps every override Continuous: the outcome says so instead of pretending.
      expect(await page.locator('[data-step-state]').first().innerText()).toMatch(
        /Boot device of bmc-node-a: Pxe ✓, but the BMC keeps it Continuous instead of Once/,
      );
      await ui.screenshot('connections-redfish-boot-override');
      expect(ui.errors).toEqual([]);
    },
  );
});
