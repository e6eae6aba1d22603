/**
 * End to end, as an operator reprovisioning a Flatcar node with a new config revision: write and
 * assign a Butane config, open *Reprovision…*, see what changes (OS, data wiped, the config diff),
 * confirm by typing the hostname, watch the node's serial console show Ignition applying that config,
 * and follow the operation in Activity → Operations to *verified*.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, selectFleetRows, type IronpaneUi, consoleText } from './helpers';

describeInChromium('reprovision in Chromium', () => {
  let ui: IronpaneUi;
  let hostname = '';
  const screenText = () => consoleText(ui.page);

  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 20, timeScale: 0.05, failureRate: 0, updateFailureRate: 0 }, { width: 1440, height: 960 });
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 60_000);
  afterAll(() => ui?.close());

  it('previews and starts a reprovision with a new config revision', { timeout: 60_000 }, async () => {
    const { page, launch } = ui;
    const node = launch.services.fleet.snapshot().nodes.find((n) => n.os.family === 'flatcar' && n.state === 'active' && !n.hostname.includes('gateway'))!;
    hostname = node.hostname;
    // A config for it, written and assigned through the same calls the Config screen makes.
    const call = launch.services.router.call;
    const created = (await call('config.create', {
      name: 'reprovision-e2e',
      kind: 'butane',
      content: 'variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n        inline: reprovisioned\n',
      message: 'motd',
    })) as { ok: true; value: { id: string } };
    await call('config.assign', { profileId: created.value.id, nodeIds: [node.id] });

    await page.getByLabel('Search nodes').fill(hostname);
    await page.getByRole('row', { name: new RegExp(hostname) }).click();
    // Watch its serial console while it reinstalls: open it first (a fresh data folder asks about the gateway's key).
    await page
      .getByRole('complementary', { name: `Details of ${hostname}` })
      .getByRole('button', { name: 'Open console' })
      .click();
    await page.getByRole('alertdialog', { name: /Unknown host key/ }).waitFor();
    await page.getByRole('button', { name: 'Trust and connect' }).click();
    await page.locator('[data-console-status="connected"]').waitFor();
    await page.keyboard.press('Alt+1');
    await page.getByRole('row', { name: new RegExp(hostname) }).click();
    const panel = page.getByRole('complementary', { name: `Details of ${hostname}` });
    await panel.getByRole('button', { name: 'Reprovision…' }).click();
    const dialog = page.getByRole('dialog', { name: `Reprovision ${hostname}` });
    // The assigned revision is the default.
    await expect
      .poll(() => dialog.getByLabel('Config').evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? ''))
      .toMatch(/reprovision-e2e r1 \(assigned\)/);
    const preview = dialog.getByRole('region', { name: 'What changes' });
    await expect.poll(() => preview.innerText()).toMatch(/Data\s+wiped[\s\S]*Config\s+(applied now|applied now \(r\d+\)) → reprovision-e2e r1/);
    await ui.screenshot('reprovision-preview');
    await dialog.getByRole('button', { name: 'Reprovision…' }).click();
    const confirm = page.getByRole('alertdialog', { name: `Reprovision ${hostname}?` });
    await confirm.getByRole('textbox').fill(hostname);
    await confirm.getByRole('button', { name: `Reprovision ${hostname}` }).click();
    await expect.poll(() => panel.locator('[data-state]').first().getAttribute('data-state'), { timeout: 10_000 }).toBe('reinstalling');
  });

  it('shows Ignition applying the config on the serial console, and the operation verified', { timeout: 90_000 }, async () => {
    const { page } = ui;
    await page.keyboard.press('Alt+5');
    await page.locator('[data-console-status="connected"]').waitFor();
    await expect.poll(screenText, { timeout: 60_000 }).toMatch(/ignition\[612\]: fetched user config/);
    await expect.poll(screenText, { timeout: 30_000 }).toContain('writing file "/sysroot/etc/motd"');
    await ui.screenshot('reprovision-console-ignition');
    await page.getByRole('button', { name: 'Activity' }).click();
    const operation = page.getByRole('region', { name: 'Operations' }).getByRole('button', { name: new RegExp(`Reprovision ${hostname}`) });
    await operation.click();
    await expect.poll(() => page.locator('[data-step-state]').first().getAttribute('data-step-state'), { timeout: 60_000 }).toBe('succeeded');
    expect(await page.locator('[data-step-state]').first().innerText()).toMatch(
      /active ✓, Flatcar Container Linux - Stable .* ✓, user data reprovision-e2e r1 ✓, login prompt on its console ✓\./,
    );
    await ui.screenshot('reprovision-verified');
    expect(ui.errors).toEqual([]);
  });

  it('reprovisions three selected nodes as one bulk operation: canary, at most 2 at once, paused and resumed', { timeout: 120_000 }, async () => {
    const { page } = ui;
    await selectFleetRows(page, 3, { state: 'active', os: 'flatcar' });
    await page.getByRole('button', { name: 'Reprovision… (3)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reprovision the selected nodes' });
    await dialog.getByLabel('Max parallel').fill('0');
    await dialog.getByText('Max parallel must be a whole number from 1 to 100.').waitFor();
    await dialog.getByLabel('Max parallel').fill('2');
    await dialog.getByLabel('Config').selectOption('keep');
    await ui.screenshot('reprovision-bulk-dialog');
    await dialog.getByRole('button', { name: 'Reprovision…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Reprovision 3 nodes?' });
    await confirm.getByRole('textbox').fill('3');
    await confirm.getByRole('button', { name: 'Reprovision 3 nodes' }).click();
    // The fleet shows its progress where it was started (no jump to Activity), with a way there.
    const strip = page.getByRole('status', { name: 'Reprovision 3 nodes progress' });
    await expect.poll(() => strip.innerText()).toMatch(/of 3 done/);
    await ui.screenshot('reprovision-bulk-strip');
    await strip.getByRole('button', { name: 'Show in Activity' }).click();
    const controls = page.getByRole('group', { name: 'Control Reprovision 3 nodes' });
    await controls.getByRole('button', { name: 'Pause' }).click();
    await controls.getByRole('button', { name: 'Resume' }).waitFor();
    // A paused operation says so, not "running".
    await expect
      .poll(() =>
        page
          .getByRole('region', { name: 'Operations' })
          .getByRole('button', { name: /Reprovision 3 nodes/ })
          .innerText(),
      )
      .toMatch(/^paused/);
    await ui.screenshot('reprovision-bulk-paused');
    await controls.getByRole('button', { name: 'Resume' }).click();
    const operation = page.getByRole('region', { name: 'Operations' }).getByRole('button', { name: /Reprovision 3 nodes/ });
    await expect.poll(() => operation.innerText(), { timeout: 90_000 }).toMatch(/3 of 3 done/);
    await operation.click();
    await expect.poll(() => page.locator('[data-step-state="succeeded"]').count()).toBeGreaterThanOrEqual(3);
    await ui.screenshot('reprovision-bulk-done');
    expect(ui.errors).toEqual([]);
  });
});
