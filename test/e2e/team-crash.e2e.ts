/**
 * End to end, the team's version of the crash an operator fears: two web hosts on one PostgreSQL
 * store (the consoles' role given its rights by the store's own grant), one lab in its own process
 * that counts the reinstalls it accepts. Alice bulk-reinstalls about 50 nodes on host A; Bob's page
 * on host B shows the operation live; host A is SIGKILLed halfway. Host B adopts the operation once
 * A's hold on it runs out (IRONPANE_LEASE_MS, shortened here), looks at each node A may have sent a
 * step to before sending anything, and finishes: every node verified, exactly one reinstall each.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { postgresMissing, startPostgres, teamStore } from '../support/postgres';
import { launchChromium } from './browser';
import { describeInChromium } from './describe-in-chromium';
import { expectEveryStepVerified, operationInActivity, reprovisionWholeFleet, stepsDone } from './helpers';
import { startCrashLab, startHostProcess } from './processes';

const missing = postgresMissing();
const title = missing ? `a console killed mid-way on a shared store — SKIPPED: ${missing}` : 'a console killed mid-way on a shared store';
if (missing) console.warn(`[e2e] ${title}`);
const LEASE_MS = 3_000;

describeInChromium(title, () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it.skipIf(missing !== null)(
    'another console takes over after the lease runs out: every node verified, one reinstall each',
    { timeout: 300_000 },
    async () => {
      const server = await startPostgres();
      cleanup.push(() => server.stop());
      const appUrl = await teamStore(server, 'team');

      const lab = await startCrashLab();
      cleanup.push(() => lab.stop());
      const team = (operator: string) => ({ IRONPANE_STORE: appUrl, IRONPANE_OPERATOR: operator, IRONPANE_LEASE_MS: String(LEASE_MS) });
      const hostA = await startHostProcess(mkdtempSync(path.join(os.tmpdir(), 'ironpane-team-a-')), lab.readyLine, team('alice'));
      cleanup.push(() => hostA.stop());
      const hostB = await startHostProcess(mkdtempSync(path.join(os.tmpdir(), 'ironpane-team-b-')), lab.readyLine, team('bob'));
      cleanup.push(() => hostB.stop());
      const browser = await launchChromium({ width: 1024, height: 700 });
      cleanup.push(() => browser.close());
      const [pageA, pageB] = [await browser.context.newPage(), await browser.context.newPage()];
      await pageA.goto(hostA.url);
      await pageB.goto(hostB.url);
      await pageB.getByRole('row').nth(1).waitFor();
      await pageB.getByRole('button', { name: 'Activity' }).click();

      // Bob's console shows Alice's operation as it moves, with no reload: watched from before A confirms.
      const shownOnB = operationInActivity(pageB, /Reprovision \d+ nodes/)
        .waitFor({ timeout: 20_000 })
        .then(() => Date.now());
      const { count, confirmedAt, shownAt } = await reprovisionWholeFleet(pageA, 5);
      expect(count).toBeGreaterThanOrEqual(49);
      const onB = () => operationInActivity(pageB, `Reprovision ${count} nodes`);
      const onBAt = await shownOnB;
      console.log(
        `[e2e] a bulk reprovision confirmed on console A showed on A after ${shownAt - confirmedAt} ms and on console B after ${onBAt - confirmedAt} ms (B ${onBAt - shownAt} ms after A)`,
      );
      expect(onBAt - shownAt).toBeLessThan(1_000);
      await expect.poll(() => onB().innerText()).toMatch(/alice/);
      await expect.poll(() => stepsDone(onB()), { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(Math.floor(count / 2));
      await pageB.screenshot({ path: path.join('out/screenshots', 'team-crash-before-kill.png') });
      const reinstallsBeforeKill = lab.actions.get('reinstall')?.size ?? 0;
      hostA.kill();
      await new Promise((r) => hostA.process.once('exit', r));
      const killedAt = Date.now();
      expect(reinstallsBeforeKill).toBeLessThan(count);

      await expect
        .poll(() => onB().innerText(), { timeout: 90_000, interval: 500 })
        .toMatch(/✓ done|✗ failed/)
        .catch(async (error: unknown) => {
          // What host B said, and where each step stands, go with the failure.
          await onB().getByRole('button').first().click();
          const steps = await pageB.locator('[data-step-state]').allInnerTexts();
          throw new Error(
            `${String(error)}\nlab reinstalls: ${lab.actions.get('reinstall')?.size} of ${count}\nhost B's log:\n${hostB.stdout()}\n${hostB.stderr()}\nsteps:\n${steps
              .filter((s) => !/Reinstalled|verified/i.test(s))
              .slice(0, 12)
              .join('\n')}`,
          );
        });
      console.log(`[e2e] console B finished the operation ${((Date.now() - killedAt) / 1000).toFixed(1)} s after console A was killed (lease ${LEASE_MS} ms)`);
      await expectEveryStepVerified(pageB, onB(), `Reprovision ${count} nodes`, count, 'the takeover');
      await pageB.screenshot({ path: path.join('out/screenshots', 'team-crash-taken-over.png') });

      const reinstalls = lab.actions.get('reinstall')!;
      expect(reinstalls.size).toBe(count);
      expect([...reinstalls.values()].every((n) => n === 1)).toBe(true);
    },
  );
});
