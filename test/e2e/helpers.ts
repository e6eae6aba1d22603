/** Starts the real web host (lab, services, built renderer) for a spec, and a Chromium page on it. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchWeb, type WebLaunch } from '../../electron/hosts/web/launch';
import type { LabConnection, LabOptions } from '../../electron/lab/lab';
import { schemaReferenceAvailable, startSchemaMirror, UNREACHABLE_SCHEMA_SOURCES } from '../fakes/schema-mirror';
import { launchChromium } from './browser';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER_DIR = path.join(ROOT, 'out/renderer');
export const SCREENSHOT_DIR = path.join(ROOT, 'out/screenshots');

export interface IronpaneUi {
  launch: WebLaunch;
  page: Page;
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openIronpane(
  lab: LabOptions,
  viewport?: { width: number; height: number },
  tuning: {
    updatesPollIntervalMs?: number;
    pollIntervalMs?: number;
    /** Runs in the page before its own scripts (the bench's probes). */
    initScript?: string;
    /** A lab in its own process (startLabProcessForVault on `dataDir`); `lab` is then ignored. */
    externalLab?: { dataDir: string; ready: LabConnection };
    /** A shared store (`IRONPANE_STORE`) and the operator's name (`IRONPANE_OPERATOR`). */
    store?: string;
    operator?: string;
  } = {},
): Promise<IronpaneUi> {
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) throw new Error('out/renderer is missing: run `npm run build` first (npm test does).');
  const dataDir = tuning.externalLab?.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'ironpane-e2e-'));
  // Schemas from a loopback mirror of the reference folder; never the real upstream.
  const mirror = schemaReferenceAvailable ? await startSchemaMirror() : null;
  const launch = await launchWeb({
    staticDir: RENDERER_DIR,
    dataDir,
    lab: { enabled: true, ...lab },
    externalLab: tuning.externalLab?.ready ?? null,
    log: { info() {}, warn() {}, error: (m, f) => console.error(m, f) },
    compose: {
      pollIntervalMs: tuning.pollIntervalMs ?? 2_000,
      updatesPollIntervalMs: tuning.updatesPollIntervalMs,
      busyPollIntervalMs: 250,
      clientDefaults: { maxRetries: 1, timeoutMs: 5_000 },
      schemaSources: mirror?.sources ?? UNREACHABLE_SCHEMA_SOURCES,
      store: tuning.store,
      operator: tuning.operator,
    },
  });
  const browser = await launchChromium(viewport);
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  if (tuning.initScript) await page.addInitScript(tuning.initScript);
  await page.goto(launch.host.launchUrl);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    launch,
    page,
    errors,
    async screenshot(name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await browser.close();
      await launch.stop();
      await mirror?.close();
    },
  };
}

/** On the Fleet screen: filter to a state and an OS, and tick the first `count` rows. */
export async function selectFleetRows(page: Page, count: number, filter: { state: string; os: string }): Promise<void> {
  await page.keyboard.press('Alt+1');
  await page.getByLabel('Search nodes').fill('');
  await page.getByLabel('Filter by state').selectOption(filter.state);
  await page.getByLabel('Filter by OS').selectOption(filter.os);
  const boxes = page.locator('[data-fleet-grid] [role="row"][data-node-id] input[type="checkbox"]');
  for (let i = 0; i < count; i++) await boxes.nth(i).check();
}

/** What the console tab in front shows (xterm's rows as text). */
export const consoleText = (page: Page) => page.locator('.terminal-panel:not([hidden]) .xterm-rows').innerText();

/** Types into the console tab in front, as a person at its keyboard. */
export async function typeInConsole(page: Page, text: string): Promise<void> {
  await page.locator('.terminal-panel:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(text);
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface Finding {
  id: string;
  impact: string | null;
  nodes: number;
  help: string;
  targets: string[];
}

/** axe-core's violations on the page as it is now (axe is loaded into the page once). */
export async function axeFindings(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: unknown,
            options: unknown,
          ): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  })) as Finding[];
}

/** On the Fleet screen: shows only active nodes and returns the hostname of the first that is not a gateway. */
export async function firstActiveHostname(page: Page): Promise<string> {
  await page.getByLabel('Filter by state').selectOption('active');
  const row = page
    .locator('[role="row"][data-node-id]')
    .filter({ hasNot: page.getByText('gateway') })
    .first();
  return (await row.locator('.hostname').innerText()).trim();
}

/**
 * Reprovisions every node in the fleet from the selection bar (keeping each node's config), at most
 * `maxParallel` at a time, and opens it in Activity. Resolves with the number of nodes the confirm
 * counted (one may have started moving since the selection bar was read: the lab's machines reboot
 * on their own) and the operation's entry in Activity.
 */
export async function reprovisionWholeFleet(page: Page, maxParallel: number) {
  await page.getByRole('row').nth(1).waitFor();
  await page.locator('[data-fleet-grid]').focus();
  await page.keyboard.press('Control+a');
  const reprovision = page.getByRole('toolbar', { name: 'Selected nodes' }).getByRole('button', { name: /^Reprovision… \(\d+( of \d+)?\)$/ });
  const selected = Number(/\((\d+)(?: of \d+)?\)/.exec((await reprovision.innerText()).trim())![1]);
  await reprovision.click();
  const dialog = page.getByRole('dialog', { name: 'Reprovision the selected nodes' });
  await dialog.getByLabel('Config').selectOption('keep');
  await dialog.getByLabel('Max parallel').fill(String(maxParallel));
  await dialog.getByRole('button', { name: 'Reprovision…' }).click();
  const confirm = page.getByRole('alertdialog', { name: /^Reprovision \d+ nodes\?$/ });
  await confirm.waitFor();
  const count = Number(/Reprovision (\d+) nodes/.exec(await confirm.getByRole('heading').innerText())![1]);
  await confirm.getByRole('textbox').fill(String(count));
  const confirmedAt = Date.now();
  await confirm.getByRole('button', { name: `Reprovision ${count} nodes` }).click();
  // Its progress shows where it was started; Activity has the detail.
  const progress = page.getByRole('status', { name: `Reprovision ${count} nodes progress` });
  await progress.waitFor();
  const shownAt = Date.now();
  await progress.getByRole('button', { name: 'Show in Activity' }).click();
  return { selected, count, confirmedAt, shownAt, operation: (on: Page = page) => operationInActivity(on, `Reprovision ${count} nodes`) };
}

/** An operation's entry in Activity, by its label. */
export const operationInActivity = (page: Page, label: string | RegExp) =>
  page.getByRole('region', { name: 'Operations' }).locator('.operation').filter({ hasText: label });

/** How many steps of an operation's entry in Activity are done ("12 of 50 done"). */
export async function stepsDone(entry: Locator): Promise<number> {
  return Number(/(\d+) of \d+ done/.exec(await entry.innerText())?.[1] ?? 0);
}

/**
 * Opens a finished operation's steps in Activity and checks every one was verified; a failed step's
 * own words (a timeout, a refusal, a skip) go with the failure. `after` names what came before, for
 * the message ("the restart", "the takeover").
 */
export async function expectEveryStepVerified(page: Page, entry: Locator, label: string, count: number, after: string): Promise<void> {
  await entry.getByRole('button', { name: new RegExp(label) }).click();
  const failedSteps = await page.locator('[data-step-state="failed"]').allInnerTexts();
  expect(failedSteps.slice(0, 5), `steps that failed after ${after} (${failedSteps.length})`).toEqual([]);
  expect(await entry.innerText()).toMatch(new RegExp(`✓ done[\\s\\S]*${count} of ${count} done`));
  await expect.poll(() => page.locator('[data-step-state="succeeded"]').count()).toBe(count);
}
