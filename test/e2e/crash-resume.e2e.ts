/**
 * End to end, the crash an operator fears: bulk-reinstall about 50 lab nodes from the selection bar
 * (a canary, then 5 at a time), SIGKILL the host process halfway, start it again on the same data
 * folder, and watch the operation carry on to every node verified. The lab runs in its own process,
 * so it lives through the kill, and counts the reinstalls it accepted: exactly one per node.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { describeInChromium } from './describe-in-chromium';
import { expectEveryStepVerified, reprovisionWholeFleet, stepsDone } from './helpers';
import { startCrashLab, startHostProcess } from './processes';

describeInChromium('a host killed mid-way through a bulk reinstall', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('resumes after SIGKILL: every node verified, one reinstall each', { timeout: 240_000 }, async () => {
    const lab = await startCrashLab();
    cleanup.push(() => lab.stop());
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-crash-'));
    let host = await startHostProcess(dataDir, lab.readyLine);
    cleanup.push(() => host.stop());
    const browser = await launchChromium({ width: 1440, height: 960 });
    cleanup.push(() => browser.close());
    const page = await browser.context.newPage();
    const shot = (name: string) => page.screenshot({ path: path.join('out/screenshots', `${name}.png`) });

    await page.goto(host.url);
    const { selected, count, operation: entryOn } = await reprovisionWholeFleet(page, 5);
    expect(selected).toBeGreaterThanOrEqual(50);
    expect(count).toBeGreaterThanOrEqual(49);
    const operation = () => entryOn(page);
    await expect.poll(() => stepsDone(operation()), { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(Math.floor(count / 2));
    await shot('crash-before-kill');
    const reinstallsBeforeKill = lab.actions.get('reinstall')?.size ?? 0;
    host.kill();
    await new Promise((r) => host.process.once('exit', r));
    expect(reinstallsBeforeKill).toBeLessThan(count);

    // The same data folder, a new process (and a new launch token).
    host = await startHostProcess(dataDir, lab.readyLine);
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Activity' }).click();
    await expect.poll(() => operation().innerText(), { timeout: 150_000, interval: 500 }).toMatch(/✓ done|✗ failed/);
    await expectEveryStepVerified(page, operation(), `Reprovision ${count} nodes`, count, 'the restart');
    await shot('crash-resumed-verified');

    const reinstalls = lab.actions.get('reinstall')!;
    expect(reinstalls.size).toBe(count);
    expect([...reinstalls.values()].every((n) => n === 1)).toBe(true);
  });
});
