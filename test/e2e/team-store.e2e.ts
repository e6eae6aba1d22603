/**
 * Two consoles on one shared store, in Chromium: two web hosts (each with its own lab) on a real
 * PostgreSQL the test starts, the consoles' role given its rights by the store's own grant. An
 * action on console A shows in console B's audit log live, naming A's operator and console; B's
 * Operator filter narrows to A. Axe checks Activity in both themes at 1024×700.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresMissing, startPostgres, teamStore, type PostgresServer } from '../support/postgres';
import { describeInChromium } from './describe-in-chromium';
import { axeFindings, firstActiveHostname, openIronpane, type IronpaneUi } from './helpers';

const missing = postgresMissing();
const title = missing ? `two consoles on a shared store — SKIPPED: ${missing}` : 'two consoles on a shared store';
if (missing) console.warn(`[e2e] ${title}`);

/** Each page on its fleet, showing the active nodes only. */
async function showActiveNodes(...pages: Page[]): Promise<void> {
  for (const page of pages) {
    await page.keyboard.press('Alt+1');
    await page.getByRole('row').nth(1).waitFor();
    await page.getByLabel('Filter by state').selectOption('active');
  }
}

describeInChromium(title, () => {
  let server: PostgresServer | null = null;
  let a: IronpaneUi | null = null;
  let b: IronpaneUi | null = null;

  beforeAll(async () => {
    if (missing) return;
    server = await startPostgres();
    const appUrl = await teamStore(server, 'team');
    // Scaled so a reboot takes about 7 s: long enough for the other console to try the same node.
    const lab = { nodeCount: 12, timeScale: 0.2, failureRate: 0 };
    a = await openIronpane(lab, { width: 1024, height: 700 }, { store: appUrl, operator: 'alice' });
    b = await openIronpane(lab, { width: 1024, height: 700 }, { store: appUrl, operator: 'bob' });
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await server?.stop();
  });

  it.skipIf(missing !== null)(
    'shows console A’s action in console B’s audit log as it happens, naming A’s operator and console',
    { timeout: 90_000 },
    async () => {
      const pageA = a!.page;
      const pageB = b!.page;
      await pageB.getByRole('row').nth(1).waitFor();
      await pageB.keyboard.press('Alt+6');
      await pageB.getByText(/every console on the shared store ironpane_app@127\.0\.0\.1:\d+\/team/).waitFor();
      await pageB.getByText(/You act as bob from console/).waitFor();

      await pageA.getByRole('row').nth(1).waitFor();
      const hostname = await firstActiveHostname(pageA);
      await pageA.getByRole('row', { name: new RegExp(hostname) }).click();
      const panel = pageA.getByRole('complementary', { name: `Details of ${hostname}` });
      await panel.getByRole('button', { name: 'Power off' }).click();
      const started = Date.now();
      await pageA.getByRole('button', { name: `Power off ${hostname}` }).click();

      const seenOnB = pageB.getByRole('row').filter({ hasText: hostname }).filter({ hasText: 'alice' });
      await expect.poll(() => seenOnB.count(), { timeout: 10_000 }).toBeGreaterThan(0);
      console.log(`[team-store] console A's power off reached console B's Activity in ${Date.now() - started} ms (click → row on screen)`);
      expect(await seenOnB.first().innerText()).toMatch(/alice\s*\S+\/[0-9a-f]{6}/);
      await b!.screenshot('team-activity-live');

      // B's Operator filter: only Alice's rows.
      await pageB.getByLabel('Operator').selectOption('alice');
      await expect.poll(async () => (await pageB.getByRole('row').allInnerTexts()).slice(1).every((t) => t.includes('alice'))).toBe(true);
      for (const theme of ['light', 'dark'] as const) {
        const current = await pageB.evaluate(() => document.documentElement.dataset.theme ?? 'light');
        if (current !== theme) await pageB.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
        await b!.screenshot(`team-activity-filtered-${theme}`);
        const serious = (await axeFindings(pageB)).filter((f) => f.impact === 'critical' || f.impact === 'serious');
        expect(serious).toEqual([]);
      }
      expect(a!.errors).toEqual([]);
      expect(b!.errors).toEqual([]);
    },
  );

  it.skipIf(missing !== null)('while A reboots a node, B sees who holds it and B’s power off is refused naming A’s operator', { timeout: 90_000 }, async () => {
    const pageA = a!.page;
    const pageB = b!.page;
    await showActiveNodes(pageA, pageB);
    const hostname = await firstActiveHostname(pageA);
    await pageA.getByRole('row', { name: new RegExp(hostname) }).click();
    await pageB.getByLabel('Search nodes').fill(hostname);
    await pageB.getByRole('row', { name: new RegExp(hostname) }).click();
    const panelB = pageB.getByRole('complementary', { name: `Details of ${hostname}` });

    await pageA
      .getByRole('complementary', { name: `Details of ${hostname}` })
      .getByRole('button', { name: 'Reboot' })
      .click();
    await pageA.getByRole('button', { name: `Reboot ${hostname}` }).click();
    const busy = panelB.getByRole('status').filter({ hasText: 'Busy:' });
    await expect.poll(() => busy.count(), { timeout: 5_000 }).toBe(1);
    expect(await busy.innerText()).toMatch(/alice \(console \S+\/[0-9a-f]{6}\) is running Reboot on it since/);
    await b!.screenshot('team-node-busy');

    await panelB.getByRole('button', { name: 'Power off' }).click();
    await pageB.getByRole('button', { name: `Power off ${hostname}` }).click();
    await expect.poll(() => pageB.getByText(new RegExp(`${hostname} is busy: alice`)).count(), { timeout: 5_000 }).toBeGreaterThan(0);
    await b!.screenshot('team-node-refused');
    // Once A's reboot is verified the node is free again, and B's note goes away by itself.
    await expect.poll(() => busy.count(), { timeout: 40_000 }).toBe(0);
  });

  it.skipIf(missing !== null)('B’s Reprovision… on a node A is reprovisioning is refused, naming A’s operator', { timeout: 90_000 }, async () => {
    const pageA = a!.page;
    const pageB = b!.page;
    await showActiveNodes(pageA, pageB);
    const hostname = await firstActiveHostname(pageA);
    const reprovision = async (page: Page) => {
      await page.getByLabel('Search nodes').fill(hostname);
      await page.getByRole('row', { name: new RegExp(hostname) }).click();
      await page
        .getByRole('complementary', { name: `Details of ${hostname}` })
        .getByRole('button', { name: 'Reprovision…' })
        .click();
      const dialog = page.getByRole('dialog', { name: `Reprovision ${hostname}` });
      await dialog.getByRole('button', { name: 'Reprovision…' }).click();
      const confirm = page.getByRole('alertdialog', { name: `Reprovision ${hostname}?` });
      await confirm.getByRole('textbox').fill(hostname);
      await confirm.getByRole('button', { name: `Reprovision ${hostname}` }).click();
    };
    await reprovision(pageA);
    await expect
      .poll(
        () =>
          pageA
            .getByRole('complementary', { name: `Details of ${hostname}` })
            .locator('[data-state]')
            .first()
            .getAttribute('data-state'),
        {
          timeout: 10_000,
        },
      )
      .toBe('reinstalling');
    await reprovision(pageB);
    await expect
      .poll(() => pageB.getByText(new RegExp(`${hostname} is busy: alice \\(console \\S+\\) is running Reprovision`)).count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await b!.screenshot('team-reprovision-refused');
    // The refusal is said in the dialog, which stays open for another try: close it.
    await pageB.keyboard.press('Escape');
    await expect.poll(() => pageB.getByRole('dialog').count()).toBe(0);
    await pageB.getByLabel('Search nodes').fill('');
  });

  it.skipIf(missing !== null)(
    'says when the shared store stops answering, refuses actions meanwhile, and recovers by itself',
    { timeout: 90_000 },
    async () => {
      const pageB = b!.page;
      const status = pageB.getByRole('contentinfo', { name: 'Status' });
      await expect.poll(() => status.getByText('Shared store', { exact: true }).count()).toBe(1);
      await server!.pause();
      const away = status.getByText(/Shared store not answering/);
      await expect.poll(() => away.count(), { timeout: 10_000 }).toBe(1);
      const hostname = (await pageB.locator('[role="row"][data-node-id] .hostname').first().innerText()).trim();
      await pageB.getByLabel('Search nodes').fill(hostname);
      await pageB.getByRole('row', { name: new RegExp(hostname) }).click();
      const panel = pageB.getByRole('complementary', { name: `Details of ${hostname}` });
      await panel.getByRole('button', { name: 'Reboot' }).click();
      await pageB.getByRole('button', { name: `Reboot ${hostname}` }).click();
      await expect
        .poll(() => pageB.getByText(/is not answering.*Ironpane sends nothing to a node until it is back/).count(), { timeout: 10_000 })
        .toBeGreaterThan(0);
      await b!.screenshot('team-store-away');
      await server!.start();
      await expect.poll(() => away.count(), { timeout: 20_000 }).toBe(0);
      // Connections says where the store is (no password), and whom this console acts as.
      await pageB.keyboard.press('Alt+7');
      const section = pageB.getByRole('region', { name: 'Store' });
      await expect.poll(() => section.innerText()).toMatch(/Shared with a team: ironpane_app@127\.0\.0\.1:\d+\/team \(answering\)/);
      expect(await section.innerText()).not.toContain('app-password');
      for (const theme of ['light', 'dark'] as const) {
        const current = await pageB.evaluate(() => document.documentElement.dataset.theme ?? 'light');
        if (current !== theme) await pageB.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
        await section.scrollIntoViewIfNeeded();
        await b!.screenshot(`team-connections-store-${theme}`);
        const serious = (await axeFindings(pageB)).filter((f) => f.impact === 'critical' || f.impact === 'serious');
        expect(serious).toEqual([]);
      }
    },
  );

  it.skipIf(missing !== null)(
    'shares a connection A adds: B shows it as needing B’s own credentials, runs nothing on it, and syncs it once B enters them',
    { timeout: 90_000 },
    async () => {
      const pageA = a!.page;
      const pageB = b!.page;
      const lab = a!.launch.lab!;
      await pageA.keyboard.press('Alt+7');
      const form = pageA.getByRole('form', { name: 'Add a Metal account' });
      await form.getByLabel('Name', { exact: true }).fill('Team lab');
      await form.getByLabel('API base URL').fill(lab.baseUrl);
      await form.getByLabel('Project id').fill(lab.projectId);
      await form.getByLabel('API token').fill(lab.token);
      await form.getByRole('button', { name: 'Add connection' }).click();
      const onA = pageA.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: 'Team lab' });
      await expect.poll(() => onA.innerText(), { timeout: 20_000 }).toMatch(/synced/);

      // B hears of it without a reload, and has no token for it: nothing runs on it there.
      await pageB.keyboard.press('Alt+7');
      const onB = pageB.getByRole('list', { name: 'Connections', exact: true }).getByRole('listitem').filter({ hasText: 'Team lab' });
      await expect.poll(() => onB.count(), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => onB.innerText()).toMatch(/needs your credentials/);
      expect(await onB.innerText()).toMatch(/Your team shares this connection, not its secrets: enter your own API token/);
      const credentials = onB.getByRole('form', { name: 'Your credentials for Team lab' });
      // Empty, then wrong: each named at the field; the wrong one is refused by the lab before it is kept.
      await credentials.getByRole('button', { name: 'Use these credentials' }).click();
      await expect.poll(() => credentials.getByText('Enter your API token.').count()).toBe(1);
      await credentials.getByLabel('API token').fill('not-the-token');
      await credentials.getByRole('button', { name: 'Use these credentials' }).click();
      await expect.poll(() => credentials.getByText(/rejected the API token/).count(), { timeout: 10_000 }).toBe(1);
      for (const theme of ['light', 'dark'] as const) {
        const current = await pageB.evaluate(() => document.documentElement.dataset.theme ?? 'light');
        if (current !== theme) await pageB.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
        await onB.scrollIntoViewIfNeeded();
        await b!.screenshot(`team-connection-needs-credentials-${theme}`);
        const serious = (await axeFindings(pageB)).filter((f) => f.impact === 'critical' || f.impact === 'serious');
        expect(serious).toEqual([]);
      }
      await credentials.getByLabel('API token').fill(lab.token);
      await credentials.getByRole('button', { name: 'Use these credentials' }).click();
      await expect.poll(() => onB.innerText(), { timeout: 20_000 }).toMatch(/synced/);
      expect(await onB.innerText()).toMatch(new RegExp(`${lab.nodeCount} nodes`));
      await b!.screenshot('team-connection-ready');
    },
  );
});
