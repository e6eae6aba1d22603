/**
 * End to end: the topology of the lab in Chromium. Metros and facilities show, layer-2-only nodes
 * are marked with their gateway path, a click opens details, a filter dims the rest, a search
 * zooms to a node. Screenshots in out/screenshots/.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium } from './describe-in-chromium';
import { openIronpane, SCREENSHOT_DIR, type IronpaneUi } from './helpers';

describeInChromium('topology in Chromium', () => {
  let ui: IronpaneUi;
  const transform = () => ui.page.locator('.react-flow__viewport').getAttribute('style');

  beforeAll(async () => {
    ui = await openIronpane({ nodeCount: 60, failureRate: 0.03 });
    await ui.page.getByRole('row', { name: /am6-gateway-01/ }).waitFor();
    await ui.page.getByRole('button', { name: 'Topology' }).click();
    await ui.page.locator('.react-flow__node-metro').first().waitFor();
  });
  afterAll(() => ui?.close());

  it('shows the metros and facilities of the lab', async () => {
    const { page } = ui;
    // The first view is readable (machines drawn); Fit view shows the whole fleet.
    await page.locator('.react-flow__node-machine').first().waitFor();
    // Machine labels are 12 px: at the first view they read at 10 px or more (they were ~5 px).
    const scale = Number(/scale\(([\d.]+)\)/.exec((await transform()) ?? '')?.[1]);
    expect(scale * 12).toBeGreaterThanOrEqual(9.5);
    await ui.screenshot('topology-first-view');
    await page.getByRole('button', { name: 'Fit view' }).click();
    await expect.poll(() => page.locator('.react-flow__node-machine').count()).toBe(0);
    for (const metro of ['Amsterdam (am)', 'Dallas (da)', 'Silicon Valley (sv)'])
      await page.locator('.topo-metro .topo-container-label', { hasText: metro }).first().waitFor();
    // Fit view animates: wait until every facility is in view and drawn.
    await expect.poll(() => page.locator('.react-flow__node-facility').count()).toBe(6);
    // At the whole-fleet zoom machines are folded into counts by state.
    expect(await page.locator('.react-flow__node-machine').count()).toBe(0);
    expect(await page.locator('.topo-rack .topo-counts').count()).toBeGreaterThan(0);
    await ui.screenshot('topology-overview');
  });

  it('zooms to a node from search, marks layer-2-only nodes and draws their gateway path', async () => {
    const { page } = ui;
    const before = await transform();
    await page.getByLabel('Search nodes').fill('am6-gateway-01');
    await page.getByLabel('Search nodes').press('Enter');
    await expect.poll(transform).not.toBe(before);
    await page.locator('.react-flow__node-machine[data-id] .topo-machine[data-hostname="am6-gateway-01"]').waitFor();
    await page.getByRole('complementary', { name: 'Details of am6-gateway-01' }).waitFor();
    await page.getByLabel('Search nodes').fill('');
    await page.getByRole('button', { name: 'Close details' }).click();
    expect(await page.locator('.topo-l2').count()).toBeGreaterThan(0);
    expect(await page.locator('.react-flow__edge.edge-gateway').count()).toBeGreaterThan(0);
    expect(await page.locator('.react-flow__edge.edge-member').count()).toBeGreaterThan(0);
    await ui.screenshot('topology-gateway-paths');
  });

  it('opens a node’s details on click', async () => {
    const { page } = ui;
    const card = page.locator('.topo-machine').first();
    const hostname = await card.getAttribute('data-hostname');
    await card.click();
    await page.getByRole('complementary', { name: `Details of ${hostname}` }).waitFor();
    await page.getByRole('button', { name: 'Close details' }).click();
  });

  it('exports the whole diagram as PNG and SVG, not only the part in view', async () => {
    const { page } = ui;
    const inView = await page.locator('.topo-machine').count();
    for (const format of ['PNG', 'SVG'] as const) {
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: `Export ${format}` }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe(`ironpane-topology.${format.toLowerCase()}`);
      const { readFileSync } = await import('node:fs');
      const bytes = readFileSync((await file.path())!);
      if (format === 'PNG') {
        expect(bytes.subarray(1, 4).toString()).toBe('PNG');
        // IHDR width: wider than the pane a screen copy was limited to.
        expect(bytes.readUInt32BE(16)).toBeGreaterThan(await page.locator('.topology-canvas').evaluate((el) => el.clientWidth));
        await file.saveAs(`${SCREENSHOT_DIR}/topology-export.png`);
      } else {
        const svg = bytes.toString('utf8');
        expect(svg).toContain('<svg');
        // One group per machine: every machine of the fleet, more than React Flow had drawn.
        expect((svg.match(/<g>/g) ?? []).length).toBeGreaterThan(inView);
      }
      expect(bytes.length).toBeGreaterThan(2_000);
    }
  });

  it('dims everything a filter excludes', async () => {
    const { page } = ui;
    await page.getByLabel('Filter by state').selectOption('active');
    await expect.poll(() => page.locator('.topo-machine.dimmed').count()).toBe(await page.locator('.topo-machine:not([data-state="active"])').count());
    expect(await page.locator('.topo-machine[data-state="active"].dimmed').count()).toBe(0);
    await page.getByLabel('Filter by OS').selectOption('talos');
    await expect.poll(() => page.locator('.topo-machine:not(.dimmed)').evaluateAll((els) => els.every((e) => /Talos/.test(e.textContent ?? '')))).toBe(true);
    await ui.screenshot('topology-filtered');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    expect(ui.errors).toEqual([]);
  });
});
