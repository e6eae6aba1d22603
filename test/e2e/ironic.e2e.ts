/**
 * End to end with Debian's real Ironic (../shared/reference/peers/ironic): add the Ironic connection
 * from the Connections screen; see its nodes in the fleet with Ironic's state in plain words and in
 * the topology; reprovision the Redfish node (sushy-tools, virtual media) with a cloud-config
 * revision and see it verified, the BMC's configdrive holding that revision; put a node in
 * maintenance with a reason; open the IPMI node's console through Ironic and log in; and SIGKILL the
 * host during a bulk rebuild of 50 fake-hardware nodes, then see all 50 verified with one rebuild each
 * (counted in the conductor's own log).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ironicAdmin, ironicMissing, ipmiNodeBody, redfishNodeBody, startIronic, virtualMediaUserdata, type IronicPeer } from '../support/ironic-peer';
import { launchChromium } from './browser';
import { describeInChromium } from './describe-in-chromium';
import { axeFindings, consoleText, openIronpane, typeInConsole, type IronpaneUi } from './helpers';
import { startHostProcess, startLabProcess } from './processes';

const missing = ironicMissing();
const USER_DATA = '#cloud-config\nhostname: rf-1\nwrite_files:\n  - path: /etc/motd\n    content: reprovisioned through Ironic\n';

async function addIronic(page: Page, url: string, name: string): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: 'Connections' }).click();
  await page.getByRole('radiogroup', { name: 'Kind of connection to add' }).getByText('OpenStack Ironic').click();
  const form = page.getByRole('form', { name: 'Add an Ironic bare-metal API' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Ironic API address').fill(url);
  await form.getByLabel('Rescue password').fill('rescue-pass');
  await form.getByRole('button', { name: 'Add connection' }).click();
  await page.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: name }).waitFor();
}

describeInChromium(`Ironic in Chromium${missing ? ` — SKIPPED: install ${missing}` : ''}`, () => {
  if (missing) {
    it.skip(`needs ${missing}`, () => undefined);
    return;
  }
  let peer: IronicPeer;
  let ui: IronpaneUi;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    peer = await startIronic({ showSecrets: true });
    const admin = ironicAdmin(peer.url);
    const rf = await admin.enroll({ ...redfishNodeBody('rf-1', peer), extra: { metro: 'am', facility: 'am6' } });
    const ipmi = await admin.enroll({ ...ipmiNodeBody('ipmi-1', peer, peer.consoleBase + 1), extra: { metro: 'am', facility: 'am6' } });
    const spare = await admin.enroll({ name: 'am6-spare', driver: 'fake-hardware', extra: { metro: 'am', facility: 'am6' } });
    await admin.call('POST', '/v1/ports', { node_uuid: ipmi, address: '52:54:00:12:34:56' });
    await Promise.all([admin.makeAvailable(rf), admin.makeAvailable(spare), admin.move(ipmi, 'manage', 'manageable')]);
    await admin.call('PUT', `/v1/nodes/${ipmi}/states/power`, { target: 'power on' });
    await admin.waitFor(ipmi, (n) => n.power_state === 'power on' && !n.target_power_state);
    ui = await openIronpane({ nodeCount: 6, timeScale: 0.1, failureRate: 0 }, { width: 1440, height: 960 });
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 180_000);

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    await ui?.close();
    await peer?.stop();
  }, 60_000);

  it('adds the Ironic connection; its nodes show in the fleet with Ironic’s state, and in the topology', { timeout: 60_000 }, async () => {
    const { page } = ui;
    // Not Ironic: the form names what is wrong, and nothing is kept.
    await page.getByRole('navigation').getByRole('button', { name: 'Connections' }).click();
    await page.getByRole('radiogroup', { name: 'Kind of connection to add' }).getByText('OpenStack Ironic').click();
    const form = page.getByRole('form', { name: 'Add an Ironic bare-metal API' });
    await form.getByLabel('Name', { exact: true }).fill('Not Ironic');
    await form.getByLabel('Ironic API address').fill(`${peer.sushyUrl}`);
    await form.getByRole('button', { name: 'Add connection' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: /is not an Ironic API/ })
      .waitFor();
    await ui.screenshot('ironic-not-ironic');

    await addIronic(page, peer.url, 'Lab Ironic');
    const card = page.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: 'Lab Ironic' });
    await expect.poll(() => card.innerText(), { timeout: 20_000 }).toMatch(/3 nodes/);
    await ui.screenshot('ironic-connection');

    await page.keyboard.press('Alt+1');
    await page.getByLabel('Search nodes').fill('rf-1');
    await page.getByRole('row', { name: /rf-1/ }).click();
    const details = page.getByRole('complementary', { name: 'Details of rf-1' });
    await details.getByLabel('Provisioning state').filter({ hasText: 'Available: clean and ready to deploy' }).waitFor();
    expect(await details.innerText()).toContain(peer.sushyUrl);
    expect(await details.getByRole('button', { name: 'Open console' }).getAttribute('title')).toMatch(/no console interface/);
    await ui.screenshot('ironic-node-details');

    await page.getByRole('navigation').getByRole('button', { name: 'Topology' }).click();
    await page.getByText('rf-1', { exact: true }).first().waitFor();
    await ui.screenshot('ironic-topology');
    expect(ui.errors).toEqual([]);
  });

  it('reprovisions the Redfish node with a config revision; verified with the user data read back', { timeout: 120_000 }, async () => {
    const { page, launch } = ui;
    const call = launch.services.router.call;
    const created = (await call('config.create', { name: 'ironic-e2e', kind: 'cloud-config', content: USER_DATA, message: 'motd' })) as {
      ok: true;
      value: { id: string };
    };
    const node = launch.services.fleet.snapshot().nodes.find((n) => n.hostname === 'rf-1')!;
    await call('config.assign', { profileId: created.value.id, nodeIds: [node.id] });

    await page.keyboard.press('Alt+1');
    await page.getByLabel('Search nodes').fill('rf-1');
    await page.getByRole('row', { name: /rf-1/ }).click();
    const panel = page.getByRole('complementary', { name: 'Details of rf-1' });
    await panel.getByRole('button', { name: 'Reprovision…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reprovision rf-1' });
    await expect
      .poll(() => dialog.getByLabel('Config').evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? ''))
      .toMatch(/ironic-e2e r1 \(assigned\)/);
    await ui.screenshot('ironic-reprovision-preview');
    await dialog.getByRole('button', { name: 'Reprovision…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Reprovision rf-1?' });
    await confirm.getByRole('textbox').fill('rf-1');
    await confirm.getByRole('button', { name: 'Reprovision rf-1' }).click();

    await page.getByRole('navigation').getByRole('button', { name: 'Activity' }).click();
    await page
      .getByRole('region', { name: 'Operations' })
      .getByRole('button', { name: /Reprovision rf-1/ })
      .click();
    await expect.poll(() => page.locator('[data-step-state]').first().getAttribute('data-step-state'), { timeout: 90_000 }).toMatch(/succeeded|failed/);
    const outcome = await page.locator('[data-step-state]').first().innerText();
    expect(outcome).toMatch(/active ✓[\s\S]*user data ironic-e2e r1 ✓/);
    await ui.screenshot('ironic-reprovision-verified');
    // On the BMC's side: the configdrive sushy-tools was given holds that revision.
    const onBmc = virtualMediaUserdata(peer.sushyUrl);
    expect(onBmc.trim(), onBmc).toBe(USER_DATA.trim());
    expect(ui.errors).toEqual([]);
  });

  it('puts a node in maintenance with a reason, then ends it', { timeout: 60_000 }, async () => {
    const { page } = ui;
    await page.keyboard.press('Alt+1');
    await page.getByLabel('Search nodes').fill('am6-spare');
    await page.getByRole('row', { name: /am6-spare/ }).click();
    const panel = page.getByRole('complementary', { name: 'Details of am6-spare' });
    await panel.getByRole('button', { name: 'Maintenance…' }).click();
    const form = panel.getByRole('form', { name: 'Maintenance am6-spare' });
    // Empty: the button says why it cannot go yet, and Enter sends nothing.
    expect(await form.getByRole('button', { name: 'Put am6-spare in maintenance' }).getAttribute('title')).toMatch(/Give a reason/);
    await form.getByLabel('Reason for maintenance').press('Enter');
    await form.waitFor();
    await form.getByLabel('Reason for maintenance').fill('disk swap OPS-12');
    await form.getByRole('button', { name: 'Put am6-spare in maintenance' }).click();
    await panel.getByRole('status').filter({ hasText: 'In maintenance: disk swap OPS-12' }).waitFor({ timeout: 20_000 });
    expect(await panel.getByRole('button', { name: 'Reprovision…' }).getAttribute('title')).toMatch(/maintenance \(disk swap OPS-12\)/);
    await ui.screenshot('ironic-maintenance');
    await panel.getByRole('button', { name: 'End maintenance' }).click();
    await page.getByRole('button', { name: 'End maintenance am6-spare' }).click();
    await expect.poll(() => panel.getByRole('status').filter({ hasText: 'In maintenance' }).count(), { timeout: 20_000 }).toBe(0);
  });

  it(
    'node details of an Ironic node in maintenance, with its reason form open, at 1024×700 in both themes: nothing critical or serious for axe',
    { timeout: 60_000 },
    async () => {
      const { page } = ui;
      await page.setViewportSize({ width: 1024, height: 700 });
      await page.keyboard.press('Alt+1');
      await page.getByLabel('Search nodes').fill('rf-1');
      await page.getByRole('row', { name: /rf-1/ }).click();
      const panel = page.getByRole('complementary', { name: 'Details of rf-1' });
      await panel.getByRole('button', { name: 'Maintenance…' }).click();
      await panel.getByRole('form', { name: 'Maintenance rf-1' }).waitFor();
      const serious: string[] = [];
      for (const theme of ['light', 'dark'] as const) {
        const current = await page.evaluate(() => document.documentElement.dataset.theme ?? 'light');
        if (current !== theme) await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
        await page.waitForTimeout(300);
        for (const f of await axeFindings(page))
          if (f.impact === 'critical' || f.impact === 'serious') serious.push(`${theme}: ${f.id} (${f.help}) ${f.targets.join(' | ')}`);
        await ui.screenshot(`ironic-details-1024-${theme}`);
      }
      await panel.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: /Switch to light theme/ }).click();
      await page.setViewportSize({ width: 1440, height: 960 });
      expect(serious).toEqual([]);
    },
  );

  it('opens the IPMI node’s console through Ironic and logs in; closing it turns Ironic’s console off', { timeout: 90_000 }, async () => {
    const { page } = ui;
    await page.keyboard.press('Alt+1');
    await page.getByLabel('Search nodes').fill('ipmi-1');
    await page.getByRole('row', { name: /ipmi-1/ }).click();
    await page.getByRole('complementary', { name: 'Details of ipmi-1' }).getByRole('button', { name: 'Open console' }).click();
    await page.locator('[data-console-status="connected"]').waitFor({ timeout: 40_000 });
    await expect.poll(() => consoleText(page), { timeout: 20_000 }).toMatch(/SOL Session operational/);
    // Under load the guest may still be booting when the SOL session opens, and a line typed before
    // it reads is lost: type the name again every 3 s until the guest answers it.
    const answered = /got: root[\s\S]*ipmi-guest login:/;
    for (let tries = 0; !answered.test(await consoleText(page)); tries++) {
      expect(tries, 'the guest never answered the login name').toBeLessThan(12);
      await typeInConsole(page, 'root\r');
      await expect
        .poll(() => consoleText(page), { timeout: 3_000 })
        .toMatch(answered)
        .catch(() => undefined);
    }
    await ui.screenshot('ironic-ipmi-console');
    await page
      .getByRole('button', { name: /Close console of ipmi-1|Close ipmi-1/ })
      .first()
      .click();
    const admin = ironicAdmin(peer.url);
    await admin.waitFor('ipmi-1', (n) => n.console_enabled === false, 20_000);
    expect(ui.errors).toEqual([]);
  });

  it('resumes a bulk rebuild of 50 nodes after SIGKILL of the host: all verified, one rebuild each', { timeout: 300_000 }, async () => {
    const setUpAt = Date.now();
    const bulk = await startIronic({ showSecrets: true, deployDelay: '1' });
    cleanup.push(() => bulk.stop());
    const admin = ironicAdmin(bulk.url);
    const image = `${bulk.imagesUrl}/ramdisk.iso`;
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        admin.enroll({ name: `bulk-${String(i).padStart(2, '0')}`, driver: 'fake-hardware', instance_info: { image_source: image }, extra: { metro: 'fr' } }),
      ),
    );
    // All at once: the conductor runs them in parallel (each fake deploy sleeps its delay).
    await Promise.all(
      ids.map(async (id) => {
        await admin.makeAvailable(id);
        await admin.move(id, 'active', 'active');
      }),
    );

    console.info(`[ironic e2e] 50 nodes enrolled and deployed in ${Math.round((Date.now() - setUpAt) / 1000)} s`);
    const lab = await startLabProcess({ IRONPANE_LAB_NODES: '4', IRONPANE_LAB_FAILURE_RATE: '0', IRONPANE_LAB_UPDATE_FAILURE_RATE: '0' });
    cleanup.push(() => lab.stop());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-ironic-crash-'));
    let host = await startHostProcess(dataDir, lab.readyLine);
    cleanup.push(() => host.stop());
    const browser = await launchChromium({ width: 1440, height: 960 });
    cleanup.push(() => browser.close());
    const page = await browser.context.newPage();
    await page.goto(host.url);
    await page.getByRole('row').nth(1).waitFor();
    await addIronic(page, bulk.url, 'Bulk Ironic');
    const card = page.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: 'Bulk Ironic' });
    await expect.poll(() => card.innerText(), { timeout: 30_000 }).toMatch(/50 nodes/);
    await page.keyboard.press('Alt+1');
    await page.getByLabel('Search nodes').fill('bulk-');
    await page.getByRole('row', { name: /bulk-00/ }).waitFor();
    await page.locator('[data-fleet-grid]').focus();
    await page.keyboard.press('Control+a');
    await page
      .getByRole('toolbar', { name: 'Selected nodes' })
      .getByRole('button', { name: /^Reprovision… \(50\)$/ })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Reprovision the selected nodes' });
    await dialog.getByLabel('Config').selectOption('keep');
    await dialog.getByLabel('Max parallel').fill('10');
    await dialog.getByRole('button', { name: 'Reprovision…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Reprovision 50 nodes?' });
    await confirm.getByRole('textbox').fill('50');
    await confirm.getByRole('button', { name: 'Reprovision 50 nodes' }).click();
    await page.getByRole('navigation').getByRole('button', { name: 'Activity' }).click();
    const operation = () => page.getByRole('region', { name: 'Operations' }).locator('.operation').filter({ hasText: 'Reprovision 50 nodes' });
    const doneOf = async () => Number(/(\d+) of \d+ done/.exec(await operation().innerText())?.[1] ?? 0);
    await expect.poll(doneOf, { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(20);
    const killedAt = Date.now();
    host.kill();
    await new Promise((r) => host.process.once('exit', r));
    const rebuildsOf = () => {
      const counts = new Map<string, number>();
      for (const line of bulk.log().split('\n')) {
        const match = /([0-9a-f-]{36}) moved to provision state "deploying" from state "active"/.exec(line);
        if (match) counts.set(match[1]!, (counts.get(match[1]!) ?? 0) + 1);
      }
      return counts;
    };
    expect(rebuildsOf().size).toBeLessThan(50);

    host = await startHostProcess(dataDir, lab.readyLine);
    await page.goto(host.url);
    await page.getByRole('navigation').getByRole('button', { name: 'Activity' }).click();
    await expect.poll(() => operation().innerText(), { timeout: 180_000, interval: 500 }).toMatch(/✓ done|✗ failed/);
    await operation()
      .getByRole('button', { name: /Reprovision 50 nodes/ })
      .click();
    const failedSteps = await page.locator('[data-step-state="failed"]').allInnerTexts();
    expect(failedSteps.slice(0, 5), `steps that failed after the restart (${failedSteps.length})`).toEqual([]);
    await expect.poll(() => page.locator('[data-step-state="succeeded"]').count()).toBe(50);
    await page.screenshot({ path: path.join('out/screenshots', 'ironic-crash-resumed-verified.png') });
    console.info(`[ironic e2e] bulk of 50 finished ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`);
    const rebuilds = rebuildsOf();
    expect(rebuilds.size).toBe(50);
    expect([...rebuilds.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });
});
