/**
 * End to end, the rough edges a new user hit, each driven as that user did: a small window with
 * details open, a reload, searching what the table shows, a bulk reboot followed to its end (with a
 * double-click on the confirm), the topology's first view, fit, zoom hint, Escape and Shift-click,
 * and the console's double-click, destructive SysRq, paste count and a huge multi-byte paste.
 * Screenshots in out/screenshots/rough-*.png.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, type IronpaneUi } from './helpers';

describeInChromium('rough edges in Chromium', () => {
  let ui: IronpaneUi;
  const rows = () => ui.page.locator('[role="row"][data-node-id]');

  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 60, timeScale: 0.05, failureRate: 0 }, { width: 1024, height: 700 });
    await ui.page.getByRole('row', { name: /am6-gateway-01/ }).waitFor();
  });
  afterAll(() => ui?.close());

  it('fits a 1024×700 window with details open: every column, no sideways scroll, filters on two rows at most', async () => {
    const { page } = ui;
    await rows().first().click();
    await page.locator('aside[aria-label^="Details of"]').waitFor();
    // Too narrow for side-by-side columns: each row shows plan, OS, address and tags on a second line.
    for (const column of ['Plan', 'OS', 'IP']) expect(await page.getByRole('columnheader', { name: column, exact: true }).isVisible()).toBe(true);
    const first = rows().first();
    for (const cell of ['.c-plan', '.c-os', '.c-ip']) expect(await first.locator(cell).isVisible()).toBe(true);
    expect(await page.locator('[role="row"][data-node-id] .c-tags:not(:empty)').first().isVisible()).toBe(true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const toolbar = await page.getByRole('search').boundingBox();
    expect(toolbar!.height).toBeLessThan(100); // at most two rows (search, then filters), not three
    await ui.screenshot('rough-1024-details');
  });

  it('keeps the screen, filters, open node and theme across a reload', async () => {
    const { page } = ui;
    await page.getByLabel('Filter by metro').selectOption('am');
    const hostname = (await rows().first().locator('.hostname').innerText()).trim();
    await rows().first().click();
    await page.getByRole('complementary', { name: `Details of ${hostname}` }).waitFor();
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.getByRole('button', { name: /theme/i }).click();
    const toggled = await page.evaluate(() => document.documentElement.dataset.theme);
    expect(toggled).not.toBe(theme);
    await page.reload();
    await page.getByRole('complementary', { name: `Details of ${hostname}` }).waitFor();
    expect(await page.getByLabel('Filter by metro').inputValue()).toBe('am');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(toggled);
    await page.getByRole('button', { name: /theme/i }).click();
    await page.getByLabel('Filter by metro').selectOption('');
    await page.getByRole('button', { name: 'Close details' }).click();
  });

  it('finds "flatcar beta" as the table shows it', async () => {
    const { page } = ui;
    await page.getByLabel('Search nodes').fill('flatcar beta');
    await expect.poll(() => rows().count()).toBeGreaterThan(0);
    expect((await rows().allInnerTexts()).every((t) => /Flatcar beta/.test(t))).toBe(true);
    expect((await rows().allInnerTexts()).some((t) => /Ubuntu (\S+) LTS \1/.test(t))).toBe(false);
    await page.getByLabel('Search nodes').fill('');
  });

  it('follows a bulk reboot to n of N done, keeps the selection, and a double-click on the confirm lands nowhere', async () => {
    const { page } = ui;
    await page.getByLabel('Filter by state').selectOption('active');
    await page.getByLabel('Search nodes').fill('k8s-worker');
    const targets = rows().filter({ hasNot: page.getByText('gateway') });
    for (let i = 0; i < 3; i++) await targets.nth(i).getByRole('checkbox').check();
    await page.getByRole('toolbar', { name: 'Selected nodes' }).getByRole('button', { name: 'Reboot (3)' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Reboot 3 nodes?' });
    await dialog.getByLabel('Type 3 to confirm').fill('3');
    await dialog.getByRole('button', { name: 'Reboot 3 nodes' }).dblclick();
    const progress = page.getByRole('status', { name: 'Reboot progress' });
    await progress.waitFor();
    await ui.screenshot('rough-bulk-progress');
    // The second click of the double-click did not open a node's details behind the dialog.
    expect(await page.locator('aside[aria-label^="Details of"]').count()).toBe(0);
    await expect.poll(() => progress.innerText(), { timeout: 30_000 }).toMatch(/3 of 3 done/);
    expect(await page.getByRole('toolbar', { name: 'Selected nodes' }).getByText('3 selected').count()).toBe(1);
    await ui.screenshot('rough-bulk-done');
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await page.getByLabel('Filter by state').selectOption('');
    await page.getByLabel('Search nodes').fill('');

    await page.getByRole('button', { name: 'Activity' }).click();
    const succeeded = page.getByRole('row').filter({ hasText: /Reboot .*: active after \d+ s/ });
    await expect.poll(() => succeeded.count()).toBe(3);
    // Seconds and a time zone in every timestamp.
    expect(await succeeded.first().innerText()).toMatch(/\d{1,2}:\d{2}:\d{2}.*(UTC|GMT|[A-Z]{2,5})/);
    await ui.screenshot('rough-activity-outcomes');
  });

  it('opens the topology at a readable zoom; Fit view fits the fleet; Show machines zooms back in', async () => {
    const { page } = ui;
    const transform = () => page.locator('.react-flow__viewport').getAttribute('style');
    await page.getByRole('button', { name: 'Topology' }).click();
    await page.locator('.react-flow__node-machine').first().waitFor();
    const labelSize = await page
      .locator('.topo-machine')
      .first()
      .evaluate((el) => el.getBoundingClientRect().height);
    expect(labelSize).toBeGreaterThan(20);
    await ui.screenshot('rough-topology-first-view');
    const before = await transform();
    await page.getByRole('button', { name: 'Fit view' }).click();
    await expect.poll(transform).not.toBe(before);
    await expect.poll(() => page.locator('.react-flow__node-machine').count()).toBe(0);
    await expect.poll(() => page.locator('.react-flow__node-facility').count()).toBe(6);
    await page.waitForTimeout(400); // the fit animates for 300 ms
    await ui.screenshot('rough-topology-fit');
    await page.getByRole('button', { name: /Show machines/ }).click();
    await page.locator('.react-flow__node-machine').first().waitFor();
  });

  it('closes the context menu with Escape, and Shift-click adds to the selection without opening details', async () => {
    const { page } = ui;
    // Machines well inside the canvas (React Flow also renders a margin of off-screen ones).
    const inView = await page.locator('.topo-machine').evaluateAll((els) => {
      const pane = document.querySelector('.topology-canvas')!.getBoundingClientRect();
      return els
        .filter((el) => {
          const r = el.getBoundingClientRect();
          return r.left > pane.left + 60 && r.right < pane.right - 60 && r.top > pane.top + 60 && r.bottom < pane.bottom - 60;
        })
        .map((el) => el.getAttribute('data-hostname'));
    });
    expect(inView.length).toBeGreaterThan(1);
    const card = (i: number) => page.locator(`.topo-machine[data-hostname="${inView[i]}"]`);
    await card(0).click({ button: 'right' });
    const menu = page.getByRole('menu');
    await menu.waitFor();
    // The lifecycle actions are there too; Roll back… opens the dialog that says what it would do.
    expect(await menu.getByRole('menuitem').allInnerTexts()).toEqual(expect.arrayContaining(['Reprovision…', 'Roll back…', 'Run runbook…']));
    await menu.getByRole('menuitem', { name: 'Roll back…' }).click();
    await page.getByRole('dialog', { name: `Roll back ${inView[0]}` }).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog', { name: `Roll back ${inView[0]}` }).count()).toBe(0);
    await card(0).click({ button: 'right' });
    await menu.waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    await card(0).click({ modifiers: ['Shift'] });
    await card(1).click({ modifiers: ['Shift'] });
    expect(await page.locator('aside[aria-label^="Details of"]').count()).toBe(0);
    await expect
      .poll(() =>
        page
          .getByRole('toolbar', { name: 'Selected nodes' })
          .getByText(/^[12] selected$/)
          .count(),
      )
      .toBe(1);
    await ui.screenshot('rough-topology-shift-select');
    await page.getByRole('button', { name: 'Clear selection' }).click();
  });

  it('opens one console per node on a double-click, and asks before SysRq b, naming the node', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Fleet' }).click();
    await page.getByLabel('Search nodes').fill('am6-gateway-01');
    await page.getByRole('row', { name: /am6-gateway-01/ }).click();
    await page.getByRole('complementary', { name: 'Details of am6-gateway-01' }).getByRole('button', { name: 'Open console' }).dblclick();
    await page.getByRole('button', { name: 'Trust and connect' }).click();
    await page.locator('[data-console-status="connected"]').waitFor();
    expect(await page.getByRole('tab').count()).toBe(1);
    await page.getByLabel('SysRq key').fill('b');
    await page.getByRole('button', { name: 'Send SysRq' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'SysRq b on am6-gateway-01?' });
    await confirm.waitFor();
    expect(await confirm.getByRole('button', { name: 'Reboot am6-gateway-01' }).count()).toBe(1);
    await ui.screenshot('rough-sysrq-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
  });

  it('counts pasted lines as a person does, and a 1.2 MB multi-byte paste leaves the host up', async () => {
    const { page } = ui;
    const paste = (text: string) =>
      page.locator('.terminal-panel:not([hidden]) .xterm-helper-textarea').evaluate((el, value) => {
        const data = new DataTransfer();
        data.setData('text/plain', value);
        el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      }, text);
    await paste('echo a\necho b\necho c\n');
    const dialog = page.getByRole('alertdialog', { name: /Paste 3 lines/ });
    await dialog.waitFor();
    await ui.screenshot('rough-paste-count');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await paste('€'.repeat(400_000));
    // Sent in 64 KiB pieces; the host keeps answering and the session stays connected.
    await page.waitForTimeout(1500);
    expect(await page.locator('[data-console-status="connected"]').count()).toBe(1);
    await page.getByRole('button', { name: 'Activity' }).click();
    await page.getByRole('row').filter({ hasText: 'Opened the serial console of am6-gateway-01' }).first().waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Opened the serial console of am6-gateway-01' }).count()).toBe(1);
    expect(ui.errors).toEqual([]);
  });

  it('checks the account forms in place, naming the field, and keeps what was typed', async () => {
    const { page } = ui;
    await page.getByRole('button', { name: 'Connections' }).click();
    const form = page.getByRole('form', { name: 'Add a Metal account' });
    await form.getByLabel('Name').fill('x'.repeat(81));
    await form.getByLabel('API base URL').fill('http://api.example.com/metal/v1');
    await form.getByLabel('API token').fill('typed-token');
    await form.getByRole('button', { name: 'Add connection' }).click();
    await form.getByText('Name can be at most 80 characters (this one has 81).').waitFor();
    await form.getByText(/Use https:\/\/ for api\.example\.com/).waitFor();
    await form.getByText('Enter the project id.').waitFor();
    expect(await form.getByLabel('API token').inputValue()).toBe('typed-token');
    await page.getByTestId('vault-protection').waitFor();
    await page.getByText('Console settings').first().click();
    const settings = page.getByRole('form', { name: /Console settings for/ }).first();
    await settings.getByLabel(/Keepalive every/).fill('');
    await settings.getByLabel(/Jump hosts/).fill('ops@a.example, not a host');
    await settings.getByRole('button', { name: 'Save console settings' }).click();
    await settings.getByText('Enter the keepalive interval in seconds (0 turns keepalives off).').waitFor();
    await settings.getByText('Jump host 2 (“not”): write it as user@host or user@host:port.').waitFor();
    await ui.screenshot('rough-account-forms');
    expect(ui.errors).toEqual([]);
  });
});
