/** forEachLimited: never more than the limit at once, every item once, the first failure stops new starts. */
import { describe, expect, it } from 'vitest';
import { forEachLimited } from './concurrency';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('forEachLimited', () => {
  it('runs every item once, at most `limit` at a time, starting them in order', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    await forEachLimited([10, 11, 12, 13, 14, 15, 16], 3, async (item, index) => {
      expect(item - 10).toBe(index);
      started.push(index);
      peak = Math.max(peak, ++running);
      await tick();
      running--;
    });
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
    await forEachLimited([], 4, async () => expect.fail('no items, no task'));
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = forEachLimited([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      await tick();
      if (item === 1) throw new Error('item 1 failed');
    });
    await expect(run).rejects.toThrow('item 1 failed');
    await tick();
    expect(started.length).toBeLessThan(6);
    expect(started).toContain(1);
  });
});
