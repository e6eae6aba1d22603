/** The request budget on real timers: never more than the limit in any window, and reads overtake queued writes. */
import { describe, expect, it } from 'vitest';
import { RequestBudget } from './request-budget';

describe('RequestBudget', () => {
  it('lets at most the limit go in any window, and a read overtakes writes already waiting', async () => {
    const budget = new RequestBudget(3, 300);
    const order: string[] = [];
    const times: number[] = [];
    const go = (name: string, priority: 'read' | 'write') =>
      budget.take(priority).then(() => {
        order.push(name);
        times.push(Date.now());
      });
    const writes = Array.from({ length: 6 }, (_, i) => go(`w${i + 1}`, 'write'));
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(['w1', 'w2', 'w3']);
    expect(budget.queued).toBe(3);
    const read = go('r1', 'read');
    await Promise.all([...writes, read]);
    // The read queued after w4–w6 but goes first when the window frees a slot.
    expect(order).toEqual(['w1', 'w2', 'w3', 'r1', 'w4', 'w5', 'w6']);
    for (let i = 3; i < times.length; i++) expect(times[i]! - times[i - 3]!).toBeGreaterThanOrEqual(299);
  });
});
