/**
 * The web host's link, end to end in Chromium: when the host drops the WebSocket the page says so,
 * reconnects on its own once the host is back, and both directions work again: events arrive and
 * calls are answered.
 */
import { afterAll, expect, it } from 'vitest';
import { startWebHost, type RunningWebHost } from '../../electron/hosts/web/web-host';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, RENDERER_DIR, type IronpaneUi } from './helpers';

describeInChromium('the web host link', () => {
  let ui: IronpaneUi | null = null;
  let again: RunningWebHost | null = null;
  afterAll(async () => {
    await again?.close();
    await ui?.close();
  });

  it('says when the link is down and reconnects by itself when the host comes back', async () => {
    ui = await openIronpane({ nodeCount: 12, timeScale: 0.01, failureRate: 0 });
    const { page, launch } = ui;
    const link = page.getByRole('contentinfo', { name: 'Status' }).locator('.link-state');
    await page.getByRole('row').nth(1).waitFor();
    await expect.poll(() => link.innerText()).toBe('Connected');

    await launch.host.close();
    await expect.poll(() => link.innerText()).toBe('Disconnected, retrying…');
    await ui.screenshot('web-link-disconnected');

    // The same port and token, as after a network blip: the page finds it again without a reload.
    again = await startWebHost({
      router: launch.services.router,
      bus: launch.services.bus,
      staticDir: RENDERER_DIR,
      log: { info() {}, warn() {}, error() {} },
      port: launch.host.port,
      token: launch.host.token,
    });
    await expect.poll(() => link.innerText(), { timeout: 30_000 }).toBe('Connected');

    // Events flow again: a node powered off in the lab shows its new state in the table.
    const target = [...launch.lab!.fleet.machines.values()].find((m) => m.state === 'active')!;
    launch.lab!.fleet.action(target.id, { type: 'power_off' });
    await expect.poll(() => page.getByRole('row', { name: new RegExp(target.hostname) }).innerText()).toMatch(/powering off|inactive|off/i);
    // Calls are answered again: the activity log loads.
    await page.getByRole('button', { name: 'Activity' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Operations' }).isVisible()).toBe(true);
    expect(ui.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET/.test(e))).toEqual([]);
  });
});
