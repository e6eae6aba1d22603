/**
 * Topology at 1,000 / 5,000 / 10,000 lab nodes in headless Chromium: time to first paint of the
 * topology (click on Topology → first node painted), frame times while panning and zooming for a
 * few seconds (median, p95), renderer JS heap, each beside its target; and, as the first paint's
 * anchor, React Flow alone drawing the same graph (pages/react-flow-baseline.tsx). Figures are printed, not asserted.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openIronpane } from '../e2e/helpers';
import { bundleForPage } from './page-bundle';

const round = (x: number, d = 1) => Number(x.toFixed(d));

async function one(nodes: number) {
  const ui = await openIronpane({ nodeCount: nodes }, { width: 1440, height: 900 });
  const { page } = ui;
  try {
    await page.getByRole('search').getByText(`${nodes} nodes`, { exact: true }).waitFor({ timeout: 120_000 });
    // Paint time, measured in the page: from the click to the frame after the first node appears.
    await page.evaluate(`(() => {
      window.__topoStart = 0; window.__topoPaint = 0;
      const obs = new MutationObserver(() => {
        if (!window.__topoPaint && document.querySelector('.react-flow__node')) {
          requestAnimationFrame(() => { window.__topoPaint = performance.now(); });
          obs.disconnect();
        }
      });
      obs.observe(document.body, { subtree: true, childList: true });
      document.addEventListener('click', () => { if (!window.__topoStart) window.__topoStart = performance.now(); }, { capture: true, once: true });
    })()`);
    await page.getByRole('button', { name: 'Topology' }).click();
    // (page.evaluate, not waitForFunction: the console's CSP forbids string eval in the page.)
    for (let waited = 0; !((await page.evaluate('window.__topoPaint')) as number) && waited < 60_000; waited += 10) await page.waitForTimeout(10);
    const firstPaintMs = (await page.evaluate('window.__topoPaint - window.__topoStart')) as number;
    await page.waitForTimeout(500);

    // Zoom to machines the way a user would (search → Enter zooms to 110 %), then pan and zoom
    // within the unfolded range for ~4 s while recording frame gaps.
    await page.getByLabel('Search nodes').fill('sv15-k8s-worker');
    await page.getByLabel('Search nodes').press('Enter');
    await page.waitForTimeout(800);
    await page.getByLabel('Search nodes').fill('');
    const close = page.getByRole('button', { name: 'Close details' });
    if (await close.count()) await close.click();
    const box = (await page.locator('.topology-canvas').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    if (process.env.BENCH_TOPO_CSS) await page.addStyleTag({ content: process.env.BENCH_TOPO_CSS });
    await page.evaluate(`(() => {
      window.__gaps = []; window.__stop = false; let last = performance.now();
      const tick = (now) => { window.__gaps.push(now - last); last = now; if (!window.__stop) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    // BENCH_RENDERER_PROFILE=dir: the page's CPU profile while panning, one file per size, for DevTools.
    const prof = process.env.BENCH_RENDERER_PROFILE ? await page.context().newCDPSession(page) : null;
    if (prof) {
      await prof.send('Profiler.enable');
      await prof.send('Profiler.start');
    }
    const started = Date.now();
    let step = 0;
    while (Date.now() - started < 4_000) {
      await page.mouse.down();
      await page.mouse.move(cx - 300 + (step % 2) * 600, cy - 150, { steps: 12 });
      await page.mouse.up();
      await page.mouse.wheel(0, step % 2 ? 120 : -120);
      step++;
    }
    if (prof)
      writeFileSync(path.join(process.env.BENCH_RENDERER_PROFILE!, `topology-${nodes}.cpuprofile`), JSON.stringify((await prof.send('Profiler.stop')).profile));
    const gaps = ((await page.evaluate('(() => { window.__stop = true; return window.__gaps.slice(1); })()')) as number[]).sort((a, b) => a - b);
    const inDom = await page.locator('.react-flow__node').count();
    const edgesInDom = await page.locator('.react-flow__edge').count();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;

    // The anchor: React Flow alone drawing the same graph's boxes over the same canvas (pages/react-flow-baseline.tsx).
    const graph = (await ui.launch.services.router.call('topology.graph', {})) as { ok: true; value: unknown };
    if (!graph.ok) throw new Error('topology.graph failed');
    await page.evaluate(await bundleForPage('react-flow-baseline.tsx'));
    const baseline = (await page.evaluate(
      `window.__reactFlowBaseline(${JSON.stringify(graph.value)}, ${JSON.stringify({ x: box.x, y: box.y, width: box.width, height: box.height })})`,
    )) as { firstPaintMs: number; nodesInDom: number };
    return {
      nodes,
      firstPaintMs: round(firstPaintMs),
      targetFirstPaintMs: 500,
      reactFlowBaselineFirstPaintMs: round(baseline.firstPaintMs),
      reactFlowBaselineNodesInDom: baseline.nodesInDom,
      ratioFirstPaintToBaseline: round(firstPaintMs / baseline.firstPaintMs, 2),
      frames: gaps.length,
      medianFrameMs: round(gaps[Math.floor(gaps.length / 2)] ?? NaN),
      targetMedianFrameMs: 17,
      p95FrameMs: round(gaps[Math.floor(gaps.length * 0.95)] ?? NaN),
      targetP95FrameMs: 33,
      nodesInDomWhilePanning: inDom,
      edgesInDomWhilePanning: edgesInDom,
      jsHeapUsedMiB: round(heap / 2 ** 20),
      pageErrors: ui.errors,
    };
  } finally {
    await ui.close();
  }
}

export async function topologyBench() {
  const results = [];
  for (const n of (process.env.BENCH_TOPO_SIZES ?? '1000,5000,10000').split(',').map(Number)) results.push(await one(n));
  return results;
}
