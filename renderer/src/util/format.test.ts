/** What the status bar says about an account's sync, a cached fleet included. */
import { describe, expect, it } from 'vitest';
import { syncLabel } from './format';

const now = Date.parse('2026-12-03T12:00:00Z');
const sync = (status: 'connecting' | 'ok' | 'error', lastSyncAt: string | null) => ({ status, lastSyncAt, nodeCount: 0, error: null });

describe('syncLabel', () => {
  it('says how old a cached fleet is until the first sync of the launch answers', () => {
    expect(syncLabel(sync('connecting', null), now)).toBe('syncing…');
    expect(syncLabel(sync('connecting', '2026-12-03T11:57:00Z'), now)).toBe('syncing… fleet as last seen 3 min ago');
    expect(syncLabel(sync('ok', '2026-12-03T11:59:58Z'), now)).toBe('synced just now');
    expect(syncLabel(sync('error', '2026-12-03T11:57:00Z'), now)).toBe('sync failed');
  });
});
