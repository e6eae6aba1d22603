/**
 * Accessibility, checked by axe-core on every screen in both themes at 1024×700 (with node details
 * and a dialog open) and at 1440×900: 0 critical and 0 serious findings. Prints the counts per screen and theme.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { axeFindings, openIronpane, type Finding, type IronpaneUi } from './helpers';

/** Every screen with its Alt+N key, as the navigation lists them. */
const SCREENS = [
  ['1', 'fleet'],
  ['2', 'topology'],
  ['3', 'config'],
  ['4', 'rollouts'],
  ['5', 'consoles'],
  ['6', 'activity'],
  ['7', 'connections'],
] as const;

describeInChromium('accessibility (axe-core) in both themes', () => {
  let ui: IronpaneUi;
  const found: { where: string; findings: Finding[] }[] = [];

  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 16, timeScale: 0.05, failureRate: 0 }, { width: 1024, height: 700 });
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 60_000);
  afterAll(() => ui?.close());

  const scan = async (where: string) => {
    const { page } = ui;
    const findings = await axeFindings(page);
    found.push({ where, findings });
  };

  it('finds nothing critical or serious on any screen', { timeout: 240_000 }, async () => {
    const { page } = ui;
    for (const theme of ['light', 'dark'] as const) {
      const current = await page.evaluate(() => document.documentElement.dataset.theme ?? 'light');
      if (current !== theme) await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
      await page.keyboard.press('Alt+1');
      await page.getByRole('row').nth(1).waitFor();
      await scan(`${theme} fleet`);
      await page.getByRole('row').nth(1).click();
      await page.getByRole('complementary').first().waitFor();
      await scan(`${theme} fleet with details`);
      await ui.screenshot(`a11y-fleet-details-${theme}`);
      await page.getByRole('complementary').first().getByRole('button', { name: 'Roll back…' }).click();
      await page.getByRole('dialog').waitFor();
      await page.waitForTimeout(300);
      await scan(`${theme} dialog (Roll back…)`);
      await ui.screenshot(`a11y-dialog-${theme}`);
      await page.keyboard.press('Escape');
      for (const [key, name] of SCREENS.slice(1)) {
        await page.keyboard.press(`Alt+${key}`);
        await page.waitForTimeout(800);
        await scan(`${theme} ${name}`);
        await ui.screenshot(`a11y-${name}-${theme}`);
      }
    }
    const serious = found.flatMap(({ where, findings }) =>
      findings.filter((f) => f.impact === 'critical' || f.impact === 'serious').map((f) => ({ where, ...f })),
    );
    const count = (impact: string) => serious.filter((f) => f.impact === impact).reduce((n, f) => n + f.nodes, 0);
    console.info(`[axe] ${found.length} scans: critical ${count('critical')}, serious ${count('serious')}`);
    for (const f of serious) console.info(`[axe] ${f.where}: ${f.impact} ${f.id} ×${f.nodes} (${f.help}) e.g. ${f.targets.join(' | ')}`);
    expect(serious).toEqual([]);
  });

  it('finds nothing critical or serious at 1440×900 either, with every screen photographed', { timeout: 240_000 }, async () => {
    const { page } = ui;
    await page.setViewportSize({ width: 1440, height: 900 });
    const before = found.length;
    for (const theme of ['light', 'dark'] as const) {
      const current = await page.evaluate(() => document.documentElement.dataset.theme ?? 'light');
      if (current !== theme) await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
      for (const [key, name] of SCREENS) {
        await page.keyboard.press(`Alt+${key}`);
        await page.waitForTimeout(800);
        await scan(`${theme} ${name} 1440`);
        await ui.screenshot(`screen-1440-${name}-${theme}`);
      }
    }
    const serious = found
      .slice(before)
      .flatMap(({ where, findings }) => findings.filter((f) => f.impact === 'critical' || f.impact === 'serious').map((f) => ({ where, ...f })));
    console.info(`[axe] ${found.length - before} scans at 1440×900: critical/serious ${serious.reduce((n, f) => n + f.nodes, 0)}`);
    for (const f of serious) console.info(`[axe] ${f.where}: ${f.impact} ${f.id} ×${f.nodes} (${f.help}) e.g. ${f.targets.join(' | ')}`);
    expect(serious).toEqual([]);
  });
});
