/**
 * A release that fails on its first machine: the canary falls back to its old slot, and the group
 * pauses within one poll, naming the node and error 44, with nothing left "waiting for reboot".
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, type IronpaneUi } from './helpers';

describeInChromium('a canary that rolls back', () => {
  let ui: IronpaneUi;
  const counts = (name: string) => ui.page.locator(`[data-testid="rollout-progress"] [data-count="${name}"]`).innerText();
  const confirmDialog = () => ui.page.getByRole('alertdialog');

  beforeAll(async () => {
    ui = await openIronpane(
      // The first machine to install 4230.2.4 (the canary) never comes up healthy on it.
      { nodeCount: 24, timeScale: 0.002, failureRate: 0, updateFailureRate: 0, failInstalls: ['4230.2.4#1'], rebootStrategy: 'off', updatesEnabled: false },
      { width: 1024, height: 700 },
      { updatesPollIntervalMs: 300, pollIntervalMs: 600 },
    );
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 60_000);
  afterAll(() => ui?.close());

  it('pauses the group within one poll of the fall-back, naming the canary and error 44', { timeout: 120_000 }, async () => {
    const { page } = ui;
    await page.keyboard.press('Alt+4');
    await page.getByRole('button', { name: /Stable \(AMD64\)/ }).click();
    await page.getByRole('heading', { name: 'Stable (AMD64)' }).waitFor();
    await page.getByRole('button', { name: 'Promote…' }).click();
    const promote = page.getByRole('dialog', { name: /Promote channel stable/ });
    await promote.getByLabel('Package to promote').selectOption({ label: '4230.2.4' });
    await promote.getByRole('button', { name: 'Promote…' }).click();
    await confirmDialog().getByRole('button', { name: 'Promote 4230.2.4' }).click();
    await page.getByRole('button', { name: 'Resume updates' }).click();
    await confirmDialog().getByRole('button', { name: 'Resume updates' }).click();
    await expect.poll(() => counts('reboot'), { timeout: 60_000 }).toBe('1');
    const canary = await page
      .locator('.instance-row', { has: page.getByText('Installed', { exact: true }) })
      .first()
      .getAttribute('data-hostname');
    expect(canary).toBeTruthy();
    await page.getByRole('button', { name: 'Reboot waiting (1)' }).click();
    await confirmDialog().getByRole('button', { name: 'Reboot 1' }).click();
    const banner = page.getByRole('alert').filter({ hasText: 'Rollout stopped' });
    await banner.waitFor({ timeout: 60_000 });
    expect(await banner.innerText()).toMatch(new RegExp(`${canary} failed its update to 4230\\.2\\.4 and rolled back to its old slot \\(error 44\\)`));
    await page.getByRole('button', { name: 'Resume updates' }).waitFor();
    expect(await counts('reboot')).toBe('0');
    expect(await counts('failed')).toBe('1');
    await ui.screenshot('rollouts-canary-rolled-back');
  });
});
