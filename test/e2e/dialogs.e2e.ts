/**
 * Dialogs fit a 1024×700 window: a Reprovision… whose diff is a whole Ignition config (the node never
 * had the assigned config applied) scrolls its body, with its title and buttons in view. Its OS option
 * names the node's channel, and its hostname confirm takes text.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, type IronpaneUi } from './helpers';

describeInChromium('dialogs at 1024×700', () => {
  let ui: IronpaneUi;
  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 12, timeScale: 0.05, failureRate: 0, updateFailureRate: 0 }, { width: 1024, height: 700 });
    await ui.page.getByRole('row').nth(1).waitFor();
  }, 60_000);
  afterAll(() => ui?.close());

  const inView = async (locator: ReturnType<IronpaneUi['page']['locator']>) => {
    const box = (await locator.boundingBox())!;
    return box.y >= 0 && box.y + box.height <= 700 && box.x >= 0 && box.x + box.width <= 1024;
  };

  it('keeps Reprovision… inside the window with its title and buttons in view, the long diff scrolling', { timeout: 60_000 }, async () => {
    const { page, launch } = ui;
    const node = launch.services.fleet.snapshot().nodes.find((n) => n.os.family === 'flatcar' && n.state === 'active')!;
    const files = Array.from({ length: 40 }, (_, i) => `    - path: /etc/app/conf-${i}\n      contents:\n        inline: line ${i}\n`).join('');
    const call = launch.services.router.call;
    const created = (await call('config.create', {
      name: 'tall-diff',
      kind: 'butane',
      content: `variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n${files}`,
      message: 'many files',
    })) as {
      ok: true;
      value: { id: string };
    };
    await call('config.assign', { profileId: created.value.id, nodeIds: [node.id] });
    await page.getByLabel('Search nodes').fill(node.hostname);
    await page.getByRole('row', { name: new RegExp(node.hostname) }).click();
    await page
      .getByRole('complementary', { name: `Details of ${node.hostname}` })
      .getByRole('button', { name: 'Reprovision…' })
      .click();
    const dialog = page.getByRole('dialog', { name: `Reprovision ${node.hostname}` });
    await dialog.getByRole('region', { name: 'What changes' }).locator('.diff-view').waitFor();
    const box = (await dialog.boundingBox())!;
    expect(box.height).toBeLessThanOrEqual(700);
    expect(await inView(dialog.getByRole('heading', { name: `Reprovision ${node.hostname}` }))).toBe(true);
    expect(await inView(dialog.getByRole('button', { name: 'Reprovision…' }))).toBe(true);
    // Scrolled to the end of the body, the title and buttons are still there.
    await dialog.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    expect(await inView(dialog.getByRole('heading', { name: `Reprovision ${node.hostname}` }))).toBe(true);
    expect(await inView(dialog.getByRole('button', { name: 'Reprovision…' }))).toBe(true);
    await ui.screenshot('dialog-reprovision-1024x700');
    // The OS option names the node's channel, not "now": it runs an older version of it.
    expect(await dialog.getByLabel('Operating system').evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '')).toMatch(
      /\(its channel\)$/,
    );
    // The hostname to type is text, not a number pad's digits.
    await dialog.getByRole('button', { name: 'Reprovision…' }).click();
    const confirm = page.getByRole('alertdialog', { name: `Reprovision ${node.hostname}?` });
    expect(await confirm.getByRole('textbox').getAttribute('inputmode')).toBe('text');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(ui.errors).toEqual([]);
  });
});
