/**
 * End to end, as a user would: the real renderer in Debian's Chromium, the real web host, router
 * and services, the lab over real HTTP. Screenshots land in out/screenshots/.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { axeFindings, firstActiveHostname, openIronpane, type IronpaneUi } from './helpers';

describeInChromium('fleet in Chromium', () => {
  let ui: IronpaneUi;

  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 60, timeScale: 0.5, failureRate: 0.03 });
  });
  afterAll(() => ui?.close());

  it('shows the lab fleet through the web host, without the token in the address bar', async () => {
    const { page } = ui;
    await page.getByRole('row', { name: /am6-gateway-01/ }).waitFor();
    await expect.poll(() => page.getByRole('search').getByText('60 nodes', { exact: true }).count()).toBe(1);
    expect(page.url()).not.toContain('#t=');
    expect(await page.getByText('L2 only').count()).toBeGreaterThan(0);
    await ui.screenshot('fleet');
  });

  it('filters to one metro', async () => {
    const { page } = ui;
    await page.getByLabel('Filter by metro').selectOption('am');
    const rows = page.locator('[role="row"][data-node-id]');
    await expect.poll(async () => (await rows.allInnerTexts()).every((t) => /\bam\b/.test(t))).toBe(true);
    expect(await rows.count()).toBeGreaterThan(3);
    expect(
      await page
        .getByRole('search')
        .getByText(/^\d+ of 60 nodes$/)
        .count(),
    ).toBe(1);
    await ui.screenshot('fleet-filtered-amsterdam');
  });

  it('powers a node off and watches it go powering_off → inactive', async () => {
    const { page } = ui;
    const hostname = await firstActiveHostname(page);
    await page.getByLabel('Filter by state').selectOption('');
    await page.getByLabel('Search nodes').fill(hostname);
    await page.getByRole('row', { name: new RegExp(hostname) }).click();
    const panel = page.getByRole('complementary', { name: `Details of ${hostname}` });
    await panel.getByRole('button', { name: 'Power off' }).click();
    await page.getByRole('alertdialog', { name: `Power off ${hostname}?` }).waitFor();
    await ui.screenshot('power-off-confirm');
    await page.getByRole('button', { name: `Power off ${hostname}` }).click();

    const state = panel.locator('[data-state]');
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 10_000 }).toBe('powering_off');
    await ui.screenshot('powering-off');
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 20_000 }).toBe('inactive');
    await expect.poll(() => panel.getByText('Device powered off').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await panel.getByRole('button', { name: 'Power on' }).isEnabled()).toBe(true);
    await ui.screenshot('powered-off');

    await page.getByRole('button', { name: 'Activity' }).click();
    await page.getByRole('cell', { name: hostname }).first().waitFor();
    // The journal's view of the same action: one operation, its one step verified.
    const operation = page.getByRole('region', { name: 'Operations' }).getByRole('button', { name: new RegExp(`Power off ${hostname}`) });
    await operation.click();
    await expect.poll(() => page.locator('[data-step-state]').first().getAttribute('data-step-state')).toBe('succeeded');
    expect(await operation.innerText()).toMatch(/1 of 1 done/);
    await ui.screenshot('activity');
  });

  it('adds a second account with a bad token and gets a clear error', async () => {
    const { page, launch } = ui;
    await page.getByRole('button', { name: 'Connections' }).click();
    const form = page.getByRole('form', { name: 'Add a Metal account' });
    await form.getByLabel('Name', { exact: true }).fill('Second lab');
    await form.getByLabel('API base URL').fill(launch.lab!.baseUrl);
    await form.getByLabel('Project id').fill(launch.lab!.projectId);
    await form.getByLabel('API token').fill('definitely-not-the-token');
    await form.getByRole('button', { name: 'Add connection' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/Could not add the connection\.\s+127\.0\.0\.1:\d+ rejected the API token/);
    expect(await form.getByLabel('API token').inputValue()).toBe('');
    // The emptied field says why it is empty, not "Enter the API token."
    expect(await form.getByText('The endpoint refused that API token, so the field was cleared: enter it again.').isVisible()).toBe(true);
    expect(await page.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').count()).toBe(1);
    await ui.screenshot('connections-bad-token');
  });

  it('offers a team’s store on the Connections screen, naming a bad address at the field, in both themes', { timeout: 60_000 }, async () => {
    const { page } = ui;
    const size = page.viewportSize();
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.keyboard.press('Alt+7');
    const form = page.getByRole('form', { name: 'Use a team’s store' });
    await form.scrollIntoViewIfNeeded();
    await form.getByLabel('Address').fill('postgres://127.0.0.1:1/team');
    await form.getByRole('button', { name: 'Check and use from the next start' }).click();
    await expect.poll(() => form.getByText(/Write it as postgres:\/\/user@host:5432\/database/).count()).toBe(1);
    // Well formed, but nothing listens there: main says so, naming the store and never a password.
    await form.getByLabel('Address').fill('postgres://ironpane_app@127.0.0.1:1/team');
    await form.getByLabel('Password').fill('not-shown-anywhere');
    await form.getByRole('button', { name: 'Check and use from the next start' }).click();
    await expect.poll(() => form.innerText(), { timeout: 15_000 }).toMatch(/ironpane_app@127\.0\.0\.1:1\/team/);
    expect(await form.innerText()).not.toContain('not-shown-anywhere');
    expect(await form.getByLabel('Password').inputValue()).toBe('');
    for (const theme of ['light', 'dark'] as const) {
      const current = await page.evaluate(() => document.documentElement.dataset.theme ?? 'light');
      if (current !== theme) await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
      await form.scrollIntoViewIfNeeded();
      await ui.screenshot(`connections-store-chooser-${theme}`);
      const serious = (await axeFindings(page)).filter((f) => f.impact === 'critical' || f.impact === 'serious');
      expect(serious).toEqual([]);
    }
    await page.getByRole('button', { name: /Switch to light theme/ }).click();
    if (size) await page.setViewportSize(size);
  });

  it('switches to the dark theme from the keyboard-reachable toggle', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Fleet' }).click();
    await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    expect(['dark', 'light']).toContain(theme);
    await page.getByLabel('Search nodes').fill('');
    await ui.screenshot(`fleet-${theme}`);
    expect(ui.errors).toEqual([]);
  });
});
