/** The fleet store applies large patches in batches, in order, and fetches a snapshot on a gap. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeTransport } from '../../../test/fakes/fake-transport';
import { fakeNode } from '../../../test/fakes/nodes';
import { packNodes } from '../../../shared/fleet-wire';
import { startFleetSync, useFleet } from './fleet';

const nodes = (from: number, count: number, state: 'active' | 'inactive' = 'active') =>
  Array.from({ length: count }, (_, i) => fakeNode({ hostname: `n-${from + i}`, id: `lab:n-${from + i}`, state }));

afterEach(() => vi.useRealTimers());

describe('the fleet store', () => {
  it('shows the first rows at once, applies a run of large patches in one update, in order, and a small one at once', async () => {
    vi.useFakeTimers();
    let snapshots = 0;
    const transport = new FakeTransport({
      'fleet.snapshot': () => {
        snapshots++;
        return { version: 1, nodes: packNodes([]) };
      },
    });
    const stop = startFleetSync(transport.client());
    await vi.advanceTimersByTimeAsync(0);
    expect(useFleet.getState().version).toBe(1);
    const updates: number[] = [];
    const off = useFleet.subscribe((state) => updates.push(state.nodes.size));

    // The first rows of an empty table show at once, however many; the ones right behind them wait.
    transport.emit('fleet.changed', { version: 2, upserts: nodes(0, 500), removed: [] });
    expect(updates).toEqual([500]);
    transport.emit('fleet.changed', { version: 3, upserts: nodes(500, 500), removed: [] });
    transport.emit('fleet.changed', { version: 4, upserts: nodes(0, 300, 'inactive'), removed: ['lab:n-999'] });
    expect(updates).toEqual([500]);
    await vi.advanceTimersByTimeAsync(60);
    expect(updates).toEqual([500, 999]);
    expect(useFleet.getState().version).toBe(4);
    expect(useFleet.getState().nodes.get('lab:n-0')?.state).toBe('inactive');

    // A small patch after a quiet spell shows at once; one right behind it waits for company.
    await vi.advanceTimersByTimeAsync(100);
    transport.emit('fleet.changed', { version: 5, upserts: nodes(2000, 1), removed: [] });
    expect(updates).toEqual([500, 999, 1000]);
    transport.emit('fleet.changed', { version: 6, upserts: nodes(2001, 1), removed: [] });
    transport.emit('fleet.changed', { version: 7, upserts: nodes(2002, 1), removed: [] });
    expect(updates).toEqual([500, 999, 1000]);
    await vi.advanceTimersByTimeAsync(60);
    expect(updates).toEqual([500, 999, 1000, 1002]);

    // A gap (a patch missed) fetches the snapshot again.
    transport.emit('fleet.changed', { version: 9, upserts: nodes(3000, 300), removed: [] });
    await vi.advanceTimersByTimeAsync(60);
    expect(snapshots).toBe(2);
    off();
    stop();
  });
});
