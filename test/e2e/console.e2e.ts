/**
 * End to end, as an operator debugging a layer-2-only machine: open its serial console from the
 * fleet table, trust the gateway's key, log in, run `uname -a`, send SysRq h, flood 50 MiB while
 * the page stays usable and Ctrl-C stops it, then reboot and watch it boot back to a login prompt.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, type IronpaneUi, consoleText, typeInConsole } from './helpers';

describeInChromium('serial console in Chromium', () => {
  let ui: IronpaneUi;
  let hostname = '';
  const screenText = () => consoleText(ui.page);
  const type = (text: string) => typeInConsole(ui.page, text);

  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 60, timeScale: 0.1, failureRate: 0 });
  });
  afterAll(() => ui?.close());

  it('opens the console of a layer-2-only node from the fleet table after trusting the gateway key', async () => {
    const { page } = ui;
    await page.getByRole('row', { name: /am6-gateway-01/ }).waitFor();
    await page.getByLabel('Filter by state').selectOption('active');
    const row = page.getByRole('row', { name: /L2 only/ }).first();
    hostname = (await row.locator('.hostname').innerText()).trim();
    await row.click();
    // Keyboard path: C on the focused table opens the console of the active row.
    await page
      .getByRole('complementary', { name: `Details of ${hostname}` })
      .getByRole('button', { name: 'Open console' })
      .click();
    const prompt = page.getByRole('alertdialog', { name: /Unknown host key for 127\.0\.0\.1:\d+/ });
    await prompt.waitFor();
    expect(await page.getByTestId('host-key-fingerprint').innerText()).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    await ui.screenshot('console-host-key');
    await page.getByRole('button', { name: 'Trust and connect' }).click();
    await page.locator('[data-console-status="connected"]').waitFor();
    expect(await page.getByRole('tab', { name: hostname }).getAttribute('aria-selected')).toBe('true');
  });

  it('logs in and runs uname -a', async () => {
    await type('\r');
    await expect.poll(screenText).toContain(`${hostname} login:`);
    await type('core\r');
    await expect.poll(screenText).toContain('Password:');
    await type('not-checked\r');
    await expect.poll(screenText).toMatch(/core@[\w-]+:~\$/);
    await type('uname -a\r');
    await expect.poll(screenText).toMatch(new RegExp(`Linux ${hostname} \\S+ #1 SMP`));
    await ui.screenshot('console-uname');
  });

  it('sends SysRq h and shows the kernel help line', async () => {
    await ui.page.getByLabel('SysRq key').fill('h');
    await ui.page.getByRole('button', { name: 'Send SysRq' }).click();
    await expect.poll(screenText).toContain('sysrq: HELP : loglevel(0-9) reboot(b)');
  });

  it('floods 50 MiB while the page stays usable, and Ctrl-C stops it', async () => {
    const { page } = ui;
    await type('flood 50\r');
    await expect.poll(screenText).toMatch(/flood \d{8} abcdef/);
    // Measure frame gaps while output pours in; the UI must keep answering clicks.
    await page.evaluate(() => {
      const w = window as unknown as { __gaps: number[]; __stop: boolean };
      w.__gaps = [];
      w.__stop = false;
      let last = performance.now();
      const tick = (now: number) => {
        w.__gaps.push(now - last);
        last = now;
        if (!w.__stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.waitForTimeout(1500);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('search', { name: 'Find in scrollback' }).waitFor({ timeout: 2_000 });
    // Reopened, Find selects its last search: typing replaces it instead of appending.
    await page.getByLabel('Find text').fill('core');
    await page.getByLabel('Find text').press('Escape');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.keyboard.type('login');
    expect(await page.getByLabel('Find text').inputValue()).toBe('login');
    await page.getByLabel('Find text').press('Escape');
    const sentAt = Date.now();
    await page.locator('.terminal-panel:not([hidden]) .xterm-helper-textarea').focus();
    await page.keyboard.press('Control+C');
    await expect.poll(screenText, { timeout: 10_000 }).toMatch(/\^C\s*\r?\n?core@[\w-]+:~\$/);
    const echoMs = Date.now() - sentAt;
    const gaps = await page.evaluate(() => {
      const w = window as unknown as { __gaps: number[]; __stop: boolean };
      w.__stop = true;
      return w.__gaps;
    });
    gaps.sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        flood: '50 MiB',
        ctrlCToPromptMs: echoMs,
        frames: gaps.length,
        medianFrameMs: gaps[Math.floor(gaps.length / 2)],
        maxFrameMs: gaps.at(-1),
      }),
    );
    // The flood was stopped by Ctrl-C, not finished: it never printed its byte count.
    expect(await screenText()).not.toContain('flood: 52428800 bytes');
    await ui.screenshot('console-after-flood');
  });

  it('reboots from the shell and shows the boot on the serial line', async () => {
    await type('reboot\r');
    await expect.poll(screenText, { timeout: 20_000 }).toMatch(/Linux version \S+/);
    await expect.poll(screenText, { timeout: 20_000 }).toMatch(new RegExp(`${hostname} login: *$`, 'm'));
    await ui.screenshot('console-booted');
  });

  it('keeps the session when the window reloads, and replays recent output', async () => {
    const { page } = ui;
    await type('\r');
    await expect.poll(screenText).toMatch(new RegExp(`${hostname} login: *\\n.*${hostname} login: *$`, 's'));
    await page.reload();
    await page.getByRole('button', { name: 'Consoles' }).click();
    await page.getByRole('tab', { name: hostname }).waitFor();
    await page.locator('[data-console-status="connected"]').waitFor();
    // The backlog kept in main is replayed into the new terminal: the login prompts are back.
    await expect.poll(screenText).toMatch(new RegExp(`${hostname} login: *$`));
    await type('core\r');
    await expect.poll(screenText).toContain('Password:');
    await type('x\r');
    await type('hostname\r');
    await expect.poll(screenText).toMatch(new RegExp(`hostname\\s+${hostname}`));
    expect(ui.errors).toEqual([]);
  });
});
