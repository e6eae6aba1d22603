/**
 * End to end, as an operator after an update that broke a Flatcar node's workloads: open its
 * details, *Roll back…*, read what the OS rollback will do, confirm naming the node, trust the
 * console gateway's key when asked, and see the node verified on the previous version, with the
 * console transcript in Operations. Then a runbook on two selected nodes under a policy, and a
 * runbook written on the Config screen whose mistake is marked on its line.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, selectFleetRows, type IronpaneUi } from './helpers';

describeInChromium('rollback and runbooks in Chromium', () => {
  let ui: IronpaneUi;

  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 24, timeScale: 0.02, failureRate: 0, updateFailureRate: 0, updatesEnabled: false }, { width: 1440, height: 960 });
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 60_000);
  afterAll(() => ui?.close());

  it('rolls a Flatcar node back to the version on its other USR slot in one click, verified', { timeout: 90_000 }, async () => {
    const { page, launch } = ui;
    const node = launch.services.fleet
      .snapshot()
      .nodes.find(
        (n) =>
          n.os.family === 'flatcar' &&
          n.state === 'active' &&
          !n.hostname.includes('gateway') &&
          n.osState?.slots.some((s) => !s.booted && s.successful && s.version),
      )!;
    const from = node.osState!.bootedVersion;
    const to = node.osState!.slots.find((s) => !s.booted)!.version!;
    await page.getByLabel('Search nodes').fill(node.hostname);
    await page.getByRole('row', { name: new RegExp(node.hostname) }).click();
    const panel = page.getByRole('complementary', { name: `Details of ${node.hostname}` });
    await panel.getByRole('button', { name: 'Roll back…' }).click();
    const dialog = page.getByRole('dialog', { name: `Roll back ${node.hostname}` });
    const os = dialog.getByRole('region', { name: 'Operating system' });
    await expect.poll(() => os.innerText()).toContain(`${from} → ${to}`);
    expect(await os.innerText()).toMatch(/cgpt prioritize[\s\S]*Reboot, and wait for the login prompt[\s\S]*Verify the node booted/);
    // Nothing to roll the config back to yet: said, and its button disabled.
    const config = dialog.getByRole('region', { name: 'Config' });
    await expect.poll(() => config.innerText()).toMatch(/Ironpane has not changed this node’s config/);
    expect(await config.getByRole('button', { name: 'Roll back the config…' }).isDisabled()).toBe(true);
    await ui.screenshot('rollback-dialog');

    await os.getByRole('button', { name: 'Roll back the OS…' }).click();
    const confirm = page.getByRole('alertdialog', { name: `Roll back ${node.hostname}'s OS?` });
    expect(await confirm.innerText()).toContain(`from ${from} back to ${to}`);
    await confirm.getByRole('button', { name: `Roll back ${node.hostname}` }).click();
    // A fresh data folder has never seen the lab gateway's key: the runbook's console asks, like any open.
    await page.getByRole('alertdialog', { name: /Unknown host key/ }).waitFor();
    await page.getByRole('button', { name: 'Trust and connect' }).click();

    await page.getByRole('button', { name: 'Activity' }).click();
    await page
      .getByRole('region', { name: 'Operations' })
      .getByRole('button', { name: new RegExp(`Roll ${node.hostname} back from ${from} to ${to}`) })
      .click();
    await expect.poll(() => page.locator('[data-step-state]').first().getAttribute('data-step-state'), { timeout: 60_000 }).toBe('succeeded');
    expect(await page.locator('[data-step-state]').first().innerText()).toContain(`verified, it booted ${to}`);
    await page.getByRole('button', { name: 'Transcript' }).first().click();
    const transcript = page.getByRole('dialog', { name: new RegExp(`Transcript: Roll back to ${to}`) });
    await expect.poll(() => transcript.innerText()).toMatch(/» sudo cgpt prioritize[\s\S]*login:/);
    await ui.screenshot('rollback-transcript');
    await transcript.getByRole('button', { name: 'Close' }).click();

    // The fleet shows it on the previous version, with the newer one now on the other slot.
    await page.keyboard.press('Alt+1');
    await page.getByRole('row', { name: new RegExp(node.hostname) }).click();
    await expect.poll(() => panel.innerText(), { timeout: 20_000 }).toContain(to);
    await ui.screenshot('rollback-node-after');
    expect(ui.errors).toEqual([]);
  });

  it('runs a runbook on two selected nodes under a policy and keeps each transcript', { timeout: 60_000 }, async () => {
    const { page } = ui;
    await selectFleetRows(page, 2, { state: 'active', os: 'flatcar' });
    await page.getByRole('toolbar', { name: 'Selected nodes' }).getByRole('button', { name: 'Run runbook… (2)' }).click();
    const dialog = page.getByRole('dialog', { name: /Run a runbook/ });
    await dialog.getByLabel('Runbook').selectOption({ label: 'Collect diagnostics (built-in)' });
    expect(await dialog.getByRole('region', { name: 'What it does' }).innerText()).toMatch(
      /Errors in this boot's journal[\s\S]*Failed units[\s\S]*Runs on 2 nodes/,
    );
    await dialog.getByLabel('Max parallel').fill('0');
    expect(await dialog.getByText('Max parallel must be a whole number from 1 to 100.').isVisible()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Run…' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Max parallel').fill('2');
    await ui.screenshot('runbook-dialog');
    await dialog.getByRole('button', { name: 'Run…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Run “Collect diagnostics” on 2 nodes?' });
    await confirm.getByRole('textbox').fill('2');
    await confirm.getByRole('button', { name: 'Run on 2 nodes' }).click();
    await page.getByRole('status', { name: 'Collect diagnostics on 2 nodes progress' }).waitFor();
    await page.getByRole('navigation').getByRole('button', { name: 'Activity' }).click();
    const op = page.getByRole('region', { name: 'Operations' }).locator('.operation').filter({ hasText: 'Collect diagnostics on 2 nodes' });
    await expect.poll(() => op.innerText(), { timeout: 45_000 }).toMatch(/✓ done[\s\S]*2 of 2 done/);
    await op.getByRole('button', { name: /Collect diagnostics on 2 nodes/ }).click();
    await page.getByRole('button', { name: 'Transcript' }).nth(1).click();
    await expect
      .poll(() => page.getByRole('dialog', { name: /Transcript: Collect diagnostics/ }).innerText())
      .toMatch(/» systemctl --failed --no-pager[\s\S]*0 loaded units listed/);
    await ui.screenshot('runbook-transcript');
    await page.keyboard.press('Escape');
    expect(ui.errors).toEqual([]);
  });

  it('writes a runbook on the Config screen: a mistake is marked on its line, and it cannot be assigned', { timeout: 40_000 }, async () => {
    const { page } = ui;
    await page.keyboard.press('Alt+3');
    await page.getByRole('button', { name: 'New config' }).click();
    const form = page.getByRole('form', { name: 'New config' });
    await form.getByLabel('Name').fill('check units');
    await form.getByLabel('Kind').selectOption({ label: 'Runbook (serial console)' });
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('region', { name: 'How this runbook runs' }).waitFor();
    await expect.poll(() => page.getByRole('status', { name: 'Check result' }).innerText()).toMatch(/valid/);
    expect(await page.getByRole('region', { name: /^Assignments of / }).count()).toBe(0);
    const editor = page.locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText('name: Bad\nsteps:\n  - send: uptime\n    expekt: up\nverify:\n  expect: x\n');
    await page.locator('.cm-lintRange-error').first().waitFor();
    expect(await page.getByRole('list', { name: 'Problems' }).innerText()).toMatch(/line 4.*unknown field “expekt”/);
    await ui.screenshot('runbook-config-lint');
    expect(ui.errors).toEqual([]);
  });
});
