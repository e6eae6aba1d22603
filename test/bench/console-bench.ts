/**
 * `npm run bench` (console part): in one run,
 * - raw ssh2 channel throughput on loopback (ssh2 client ← lab gateway `exec flood`, no flow control),
 * - end-to-end console throughput into a rendered xterm in Chromium (gateway → main → WebSocket →
 *   xterm with acks and watermarks), and the ratio of the two,
 * - keystroke echo latency p50/p99 through the whole path (keydown in the page → main → SSH →
 *   serial line echo → SSH → main → renderer → the glyph on screen).
 */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { LabFleet } from '../../electron/lab/lab-fleet';
import { SerialGateway } from '../../electron/lab/serial-gateway';
import { chromiumAvailable, CHROMIUM_PATH } from '../e2e/browser';
import { openIronpane } from '../e2e/helpers';
import { generateSshKeyPair } from '../../electron/lab/lab-keys';

const round = (x: number, d = 1) => Number(x.toFixed(d));
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function rawSsh2(mib: number) {
  const fleet = new LabFleet({ nodeCount: 3 });
  const user = generateSshKeyPair();
  const host = generateSshKeyPair();
  const gateway = new SerialGateway({ fleet, hostKey: host.private, authorizedKeys: () => [user.public] });
  const { port } = await gateway.listen();
  const runs: number[] = [];
  for (let run = 0; run < 3; run++) {
    const client = new ssh2.Client();
    const mbps = await new Promise<number>((resolve, reject) => {
      client.on('ready', () => {
        client.exec(`flood ${mib}`, (error, stream) => {
          if (error) return reject(error);
          let bytes = 0;
          let first = 0;
          stream.on('data', (d: Buffer) => {
            if (!first) first = performance.now();
            bytes += d.length;
          });
          stream.on('close', () => {
            client.end();
            resolve(bytes / 1e6 / ((performance.now() - first) / 1000));
          });
        });
      });
      client.on('error', reject);
      client.connect({ sock: net.connect({ host: '127.0.0.1', port, noDelay: true }), username: fleet.order[0]!, privateKey: user.private, hostVerifier: () => true });
    });
    runs.push(mbps);
  }
  await gateway.close();
  return { mib, runsMBps: runs.map((r) => round(r)), medianMBps: round(percentile(runs, 50)) };
}

async function inChromium(mib: number, keystrokes: number) {
  const ui = await openIronpane({ nodeCount: 30, timeScale: 0.1, failureRate: 0 });
  const { page } = ui;
  try {
    await page.getByRole('row', { name: /am6-gateway-01/ }).waitFor();
    await page.getByRole('row', { name: /am6-gateway-01/ }).click();
    await page.getByRole('button', { name: 'Open console' }).click();
    await page.getByRole('button', { name: 'Trust and connect' }).click();
    await page.locator('[data-console-status="connected"]').waitFor({ timeout: 10_000 }).catch(async (e: unknown) => {
      await page.screenshot({ path: 'out/bench-console-failure.png' });
      throw e;
    });
    const textarea = page.locator('.terminal-panel:not([hidden]) .xterm-helper-textarea');
    const rows = page.locator('.terminal-panel:not([hidden]) .xterm-rows');
    // textContent, not innerText: no layout, so polling does not steal the page's main thread from xterm.
    const tail = () => page.evaluate(`document.querySelector('.terminal-panel:not([hidden]) .xterm-rows').textContent`) as Promise<string>;
    const waitFor = async (pattern: RegExp, timeout = 120_000) => {
      const started = Date.now();
      while (!pattern.test(await tail())) {
        if (Date.now() - started > timeout) throw new Error(`timed out waiting for ${pattern}; screen ends with: ${await rows.innerText()}`);
        await page.waitForTimeout(20);
      }
    };
    await textarea.focus();
    await page.keyboard.type('\r');
    await waitFor(/login:/);
    await page.keyboard.type('core\rsecret\r');
    await waitFor(/core@[\w-]+ ~ \$/);

    // Throughput: from Enter on `flood N` to the completion line rendered.
    await page.keyboard.type(`flood ${mib}`);
    const started = performance.now();
    await page.keyboard.press('Enter');
    await waitFor(new RegExp(`flood: ${mib * 1024 * 1024} bytes`));
    const seconds = (performance.now() - started) / 1000;

    // Echo latency, measured in the page: keydown → the echoed glyph in the DOM rows.
    await page.keyboard.type('clear\r');
    await page.waitForTimeout(300);
    // Plain JS text: tsx would wrap named functions in helpers that do not exist in the page.
    const latencies = (await page.evaluate(`(async (count) => {
      const area = document.querySelector('.terminal-panel:not([hidden]) .xterm-helper-textarea');
      const rowsEl = document.querySelector('.terminal-panel:not([hidden]) .xterm-rows');
      const results = [];
      for (let i = 0; i < count; i++) {
        const key = i % 2 === 0 ? 'a' : 'Backspace';
        results.push(await new Promise((resolve) => {
          const before = rowsEl.textContent;
          const t0 = performance.now();
          const observer = new MutationObserver(() => {
            if (rowsEl.textContent !== before) { observer.disconnect(); clearTimeout(timer); resolve(performance.now() - t0); }
          });
          const timer = setTimeout(() => { observer.disconnect(); resolve(-1); }, 2000);
          observer.observe(rowsEl, { subtree: true, childList: true, characterData: true });
          // xterm turns keydown/keypress on its textarea into input, as a real keystroke does.
          if (key === 'a') {
            area.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', code: 'KeyA', keyCode: 65, bubbles: true }));
            area.dispatchEvent(new KeyboardEvent('keypress', { key: 'a', charCode: 97, keyCode: 97, bubbles: true }));
          } else {
            area.dispatchEvent(new KeyboardEvent('keydown', { key: 'Backspace', code: 'Backspace', keyCode: 8, bubbles: true }));
          }
        }));
        await new Promise((r) => setTimeout(r, 5));
      }
      return results;
    })(${keystrokes})`)) as number[];
    const missed = latencies.filter((ms) => ms < 0).length;
    if (missed > keystrokes / 10) throw new Error(`${missed} of ${keystrokes} keystrokes never echoed`);
    latencies.splice(0, latencies.length, ...latencies.filter((ms) => ms >= 0));
    return {
      consoleFloodMiB: mib,
      consoleMBps: round((mib * 1024 * 1024) / 1e6 / seconds),
      consoleSeconds: round(seconds, 2),
      echo: { keystrokes: latencies.length, p50Ms: round(percentile(latencies, 50), 2), p99Ms: round(percentile(latencies, 99), 2), maxMs: round(Math.max(...latencies), 2) },
      pageErrors: ui.errors,
    };
  } finally {
    await ui.close();
  }
}

export async function consoleBench() {
  mkdtempSync(path.join(os.tmpdir(), 'ironpane-bench-'));
  const raw = await rawSsh2(256);
  const browser = chromiumAvailable ? await inChromium(64, 200) : { skipped: `no browser at ${CHROMIUM_PATH}` };
  return {
    rawSsh2Loopback: raw,
    endToEnd: browser,
    ratioEndToEndToRaw: 'consoleMBps' in browser ? round(browser.consoleMBps / raw.medianMBps, 3) : null,
  };
}
