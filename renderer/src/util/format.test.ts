/** What the status bar says about an account's sync, a cached fleet included; how an OS reads in one line. */
import { describe, expect, it } from 'vitest';
import { osText, syncLabel } from './format';

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

describe('osText', () => {
  const os = (family: string, name: string, version: string, channel: string | null = null) => ({ family, name, version, channel });
  it('says the running version once, not the image name and the version side by side', () => {
    expect(osText(os('freebsd', 'FreeBSD 14.2', '14.1'))).toBe('FreeBSD 14.1');
    expect(osText(os('freebsd', 'FreeBSD 14.2', '14.2'))).toBe('FreeBSD 14.2');
    expect(osText(os('ubuntu', 'Ubuntu 22.04 LTS', '22.04'))).toBe('Ubuntu 22.04 LTS');
    expect(osText(os('flatcar', 'Flatcar Container Linux (Stable)', '4230.2.3', 'stable'))).toBe('Flatcar stable 4230.2.3');
    expect(osText(os('custom', 'iPXE', '2.1'))).toBe('iPXE 2.1');
  });
});
