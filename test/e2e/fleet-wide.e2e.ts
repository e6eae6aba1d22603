/**
 * The fleet at 1440×900, the size a new user tried: every column, Tags included, fits beside the
 * navigation without a sideways scrollbar, and the L2 only badge is never hidden by its hostname.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, type IronpaneUi } from './helpers';

describeInChromium('the fleet at 1440×900', () => {
  let ui: IronpaneUi;
  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 24, timeScale: 0.05, failureRate: 0 }, { width: 1440, height: 900 });
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 60_000);
  afterAll(() => ui?.close());

  it('shows every column without a sideways scrollbar, and every L2 only badge', async () => {
    const { page } = ui;
    const rows = page.locator('.fleet-table .rows');
    expect(await rows.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    expect(await page.getByRole('columnheader', { name: 'Tags' }).isVisible()).toBe(true);
    const badges = page.locator('[role="row"][data-node-id] .c-host .badge');
    const count = await badges.count();
    expect(count).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) {
      const [badge, cell] = await Promise.all([badges.nth(i).boundingBox(), badges.nth(i).locator('xpath=..').boundingBox()]);
      expect(badge!.x + badge!.width).toBeLessThanOrEqual(cell!.x + cell!.width + 0.5);
    }
    for (const theme of ['light', 'dark']) {
      await ui.screenshot(`fleet-1440-${theme}`);
      await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
    }
  });
});
