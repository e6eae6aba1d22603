/**
 * End to end, as an operator rolling out a Flatcar release on a compressed lab clock: promote the
 * new stable release in a group with safe mode and 2 updates per period, resume updates, watch the
 * canary go granted → downloading → installed → reboot pending → complete, reboot the rest in
 * policy-sized batches; one machine fails and falls back (GRUB), the rollout stops, that node shows
 * "rolled back" with its slot diagram booted on the old slot and the fleet filter finds it; resume.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, type IronpaneUi } from './helpers';

describeInChromium('rollouts in Chromium', () => {
  let ui: IronpaneUi;
  const counts = (name: string) => ui.page.locator(`[data-testid="rollout-progress"] [data-count="${name}"]`).innerText();
  const confirmDialog = () => ui.page.getByRole('alertdialog');

  beforeAll(async () => {
    ui = await openIronpane(
      // Every Flatcar machine leaves its reboot to an operator; the second machine to install 4230.2.4 never comes up healthy on it.
      { nodeCount: 30, timeScale: 0.002, failureRate: 0, updateFailureRate: 0, failInstalls: ['4230.2.4#2'], rebootStrategy: 'off', updatesEnabled: false },
      { width: 1440, height: 960 },
      { updatesPollIntervalMs: 300, pollIntervalMs: 600 },
    );
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 60_000);
  afterAll(() => ui?.close());

  it('shows each group with its channel, policy and counts, and refuses a bad policy naming the field', async () => {
    const { page } = ui;
    await page.keyboard.press('Alt+4');
    await page.getByRole('heading', { name: 'Rollouts' }).waitFor();
    await page.getByRole('button', { name: /Stable \(AMD64\)/ }).click();
    await page.getByRole('heading', { name: 'Stable (AMD64)' }).waitFor();
    await expect.poll(() => page.getByText('Updates are paused in this group').count()).toBe(1);
    await page.getByRole('button', { name: 'Edit policy' }).click();
    const dialog = page.getByRole('dialog', { name: /Rollout policy/ });
    await dialog.getByLabel('Period', { exact: true }).fill('-1 hours');
    await dialog.getByLabel('Time zone').fill('Mars/Olympus');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await dialog.getByText(/Period must be a positive length of time/).waitFor();
    await dialog.getByText(/Time zone must be an IANA name/).waitFor();
    await ui.screenshot('rollouts-policy-invalid');
    await dialog.getByLabel('Period', { exact: true }).fill('1 hours');
    await dialog.getByLabel('Time zone').fill('Europe/Berlin');
    await dialog.getByLabel('Max updates per period').fill('2');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText(/safe mode \(canary first, stop on failure\) · 2 per 1 hours/).waitFor();
  });

  it('promotes the new stable release and follows the canary to complete', { timeout: 120_000 }, async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Promote…' }).click();
    const promote = page.getByRole('dialog', { name: /Promote channel stable/ });
    await promote.getByLabel('Package to promote').selectOption({ label: '4230.2.4' });
    await promote.getByRole('button', { name: 'Promote…' }).click();
    await confirmDialog().getByRole('button', { name: 'Promote 4230.2.4' }).click();
    await page.getByText(/channel stable → 4230\.2\.4/).waitFor();
    await page.getByRole('button', { name: 'Resume updates' }).click();
    await confirmDialog().getByRole('button', { name: 'Resume updates' }).click();
    // The canary: one node granted and downloading, then installed and waiting for its reboot; nobody else moves.
    await page.locator('[data-phase="canary"]').waitFor();
    await expect.poll(() => counts('reboot'), { timeout: 60_000 }).toBe('1');
    expect(await counts('updating')).toBe('0');
    await ui.screenshot('rollouts-canary-reboot-pending');
    const canary = await page
      .locator('.instance-row', { has: page.getByText('Installed', { exact: true }) })
      .first()
      .getAttribute('data-hostname');
    expect(canary).toBeTruthy();
    await page.getByRole('button', { name: 'Reboot waiting (1)' }).click();
    await confirmDialog().getByRole('button', { name: 'Reboot 1' }).click();
    await expect.poll(async () => (await counts('done')).split(' / ')[0], { timeout: 60_000 }).toBe('1');
    // The canary tried the release: the rest go in batches of the policy's size.
    await page.locator('[data-phase="batches"]').waitFor();
  });

  it('reboots the rest in batches; a machine that falls back stops the rollout', { timeout: 150_000 }, async () => {
    const { page } = ui;
    // Reboot each batch the policy lets through until Ironpane pauses the group.
    const deadline = Date.now() + 120_000;
    while ((await page.getByText(/Rollout stopped/).count()) === 0) {
      if (Date.now() > deadline) throw new Error('the rollout never stopped');
      const waiting = Number(await counts('reboot'));
      const button = page.getByRole('button', { name: `Reboot waiting (${waiting})` });
      // The count moves under us (a node finishes, another installs): only act on a button that is there now.
      if (waiting > 0 && Number(await counts('updating')) === 0 && (await button.isEnabled().catch(() => false))) {
        const clicked = await button.click({ timeout: 2_000 }).then(
          () => true,
          () => false,
        );
        if (clicked) {
          // The confirm names the batch it will reboot (at most the policy's 2); type it when asked.
          const dialog = confirmDialog();
          // A click within half a second of the last confirm closing is swallowed (the double-click
          // shield): then no confirm opens, and the loop tries again.
          if (
            !(await dialog.waitFor({ timeout: 3_000 }).then(
              () => true,
              () => false,
            ))
          )
            continue;
          const go = dialog.getByRole('button', { name: /^Reboot \d+$/ });
          const batch = (await go.innerText()).replace('Reboot ', '');
          expect(Number(batch)).toBeLessThanOrEqual(2);
          if ((await dialog.getByRole('textbox').count()) > 0) await dialog.getByRole('textbox').fill(batch);
          await go.click();
          await dialog.waitFor({ state: 'detached' });
          await page.waitForTimeout(600);
        }
      }
      await page.waitForTimeout(300);
    }
    const banner = await page.getByRole('alert').filter({ hasText: 'Rollout stopped' }).innerText();
    expect(banner).toMatch(/failed its update to 4230\.2\.4 and rolled back to its old slot \(error 44\)/);
    await page.getByRole('button', { name: 'Resume updates' }).waitFor();
    await page
      .getByRole('region', { name: 'Rollout activity' })
      .getByText(/A node failed to update to 4230\.2\.4/)
      .waitFor();
    await ui.screenshot('rollouts-paused-after-rollback');
  });

  it('finds the rolled-back node with the fleet filter; its slot diagram shows the old slot booted', async () => {
    const { page } = ui;
    await page.keyboard.press('Alt+1');
    await page.getByLabel('Filter by update').selectOption('rolled-back');
    await expect.poll(() => page.locator('[data-fleet-grid] [role="row"][data-node-id]').count()).toBe(1);
    const row = page.locator('[data-fleet-grid] [role="row"][data-node-id]').first();
    await expect.poll(() => row.locator('[data-update]').getAttribute('data-update')).toBe('rolled-back');
    await row.click();
    const section = page.getByRole('region', { name: 'OS & updates' });
    await section.waitFor();
    const booted = section.locator('.slot[data-booted]');
    expect(await booted.locator('.slot-version').innerText()).not.toBe('4230.2.4');
    const failed = section.locator('.slot.unbootable');
    expect(await failed.locator('.slot-version').innerText()).toBe('4230.2.4');
    expect(await failed.innerText()).toMatch(/priority=2 tries=0 successful=0/);
    await section
      .getByText(/error 44 \(rolled back\)/)
      .first()
      .waitFor();
    for (const dismiss of await page.getByRole('button', { name: 'Dismiss notification' }).all()) await dismiss.click({ timeout: 500 }).catch(() => undefined);
    await section.locator('.slots').scrollIntoViewIfNeeded();
    await ui.screenshot('fleet-rolled-back-node');
    await page.getByLabel('Filter by update').selectOption('');
  });

  it('resumes the rollout once the operator says so', async () => {
    const { page } = ui;
    await page.keyboard.press('Alt+4');
    await page.getByRole('button', { name: 'Resume updates' }).click();
    await confirmDialog().getByRole('button', { name: 'Resume updates' }).click();
    await page.getByRole('button', { name: 'Pause updates' }).waitFor();
    expect(await page.getByText(/Rollout stopped/).count()).toBe(0);
    await page.getByRole('searchbox', { name: 'Search instances' }).fill('sv');
    await ui.screenshot('rollouts-resumed');
    expect(ui.errors).toEqual([]);
  });
});
