/** A first sync of a large project shows every node from the light list before the full one fills in the details. */
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetNode } from '../../../../shared/model';
import { startLab, type RunningLab } from '../../../lab/lab';
import { MetalClient } from './metal-client';
import { MetalProvider } from './metal-provider';

let lab: RunningLab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

async function firstSync(nodeCount: number) {
  lab = await startLab({ nodeCount });
  const requests: string[] = [];
  const client = new MetalClient({ baseUrl: lab.baseUrl, token: lab.token, onRequest: ({ url }) => requests.push(`${url.pathname}?${url.searchParams}`) });
  const provider = new MetalProvider('lab', lab.projectId, client, 'lab');
  const pages: FleetNode[][] = [];
  const nodes = await provider.listNodes((page) => pages.push(page));
  await client.close();
  return { nodes, pages, requests };
}

describe('the first sync of a large project', () => {
  it('shows all 5,200 nodes placed and named from the light list, then the full list adds their addresses', { timeout: 60_000 }, async () => {
    const { nodes, pages, requests } = await firstSync(5_200);
    const shown = pages.flat();
    // Every node twice: sketched, then whole.
    expect(shown).toHaveLength(2 * 5_200);
    const sketched = shown.slice(0, 5_200);
    const whole = shown.slice(5_200);
    expect(new Set(sketched.map((node) => node.id)).size).toBe(5_200);
    // Placed, planned and named from the catalogs; no addresses yet.
    expect(sketched.every((node) => node.metro?.code && node.facility?.code && node.plan && node.os.slug !== 'unknown')).toBe(true);
    expect(sketched.every((node) => node.ips.length === 0 && node.vlans.length === 0)).toBe(true);
    const machine = lab!.fleet.list()[10]!;
    const sketch = sketched.find((node) => node.deviceId === machine.id)!;
    expect(sketch).toMatchObject({
      hostname: machine.hostname,
      state: machine.state,
      metro: { code: machine.metro.code },
      facility: { code: machine.facility.code },
      plan: machine.plan.slug,
    });
    // The list the sync ends with is the whole one.
    expect(nodes).toHaveLength(5_200);
    expect(nodes.every((node) => whole.includes(node))).toBe(true);
    expect(nodes.filter((node) => node.ips.length > 0).length).toBeGreaterThan(3_000);
    // One count, the four catalogs, then 11 light and 11 full pages.
    const devicePages = requests.filter((r) => r.includes('/devices?') && !r.includes('per_page=1&'));
    expect(requests.filter((r) => r.includes('per_page=1&'))).toHaveLength(1);
    expect(requests.filter((r) => /\/(locations\/metros|facilities|plans|operating-systems)\?/.test(r))).toHaveLength(4);
    expect(devicePages.filter((r) => r.includes('include='))).toHaveLength(11);
    expect(devicePages.filter((r) => !r.includes('include='))).toHaveLength(11);
  });

  it('goes straight to the full list for a project of 5,000 or fewer', async () => {
    const { pages, requests } = await firstSync(600);
    expect(pages.flat()).toHaveLength(600);
    expect(pages.flat().every((node) => node.metro !== null)).toBe(true);
    // The catalogs go out beside the count (a round trip less for a large project), once each, and
    // a small one has no use for them: no light page is read.
    expect(requests.filter((r) => /\/(locations\/metros|facilities|plans|operating-systems)\?/.test(r))).toHaveLength(4);
    const devicePages = requests.filter((r) => r.includes('/devices?') && !r.includes('per_page=1&'));
    expect(devicePages.every((r) => r.includes('include='))).toBe(true);
  });
});
