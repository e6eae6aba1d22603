import { describe, expect, it } from 'vitest';
import { fakeNode } from '../../../../test/fakes/nodes';
import { EMPTY_FILTERS } from '../../stores/ui';
import { osText } from '../../util/format';
import { facetsOf, matchesFilters, visibleNodes } from './fleet-view';

const search = (text: string) => ({ ...EMPTY_FILTERS, text });

describe('fleet search', () => {
  const flatcar = fakeNode({
    hostname: 'am6-node-01',
    os: { slug: 'flatcar_beta', name: 'Flatcar Container Linux - Beta', family: 'flatcar', version: '4284.1.0', channel: 'beta' },
  });
  const ubuntu = fakeNode({
    hostname: 'da11-db-02',
    os: { slug: 'ubuntu_22_04', name: 'Ubuntu 22.04 LTS', family: 'ubuntu', version: '22.04', channel: null },
    tags: ['database'],
  });

  it('finds what the table shows, word by word', () => {
    expect(matchesFilters(flatcar, search('flatcar beta'))).toBe(true);
    expect(matchesFilters(flatcar, search('Flatcar  beta 4284'))).toBe(true);
    expect(matchesFilters(ubuntu, search('flatcar beta'))).toBe(false);
    expect(matchesFilters(ubuntu, search('ubuntu 22.04 data'))).toBe(true);
    expect(matchesFilters(ubuntu, search('sv15 active'))).toBe(true);
    expect(matchesFilters(ubuntu, search(ubuntu.shortId))).toBe(true);
  });

  it('shows an OS version once', () => {
    expect(osText(ubuntu.os)).toBe('Ubuntu 22.04 LTS');
    expect(osText(flatcar.os)).toBe('Flatcar beta 4284.1.0');
  });
});

describe('fleet update filter', () => {
  const staged = fakeNode({
    hostname: 'sv15-edge-01',
    osState: {
      scheme: 'usr-ab',
      bootedVersion: '4230.2.3',
      slots: [
        { label: 'USR-A', version: '4230.2.3', booted: true, nextBoot: false, priority: 1, tries: 0, successful: true },
        { label: 'USR-B', version: '4230.2.4', booted: false, nextBoot: true, priority: 2, tries: 1, successful: false },
      ],
      updateEngine: { status: 'UPDATE_STATUS_UPDATED_NEED_REBOOT', progress: 1, newVersion: '4230.2.4', lastCheckedAt: null },
      rebootStrategy: 'off',
    },
  });
  const plain = fakeNode({ hostname: 'sv15-edge-02' });
  const filter = (update: string) => ({ ...EMPTY_FILTERS, update });

  it('finds nodes by what their own report says, with or without the update server', () => {
    expect(matchesFilters(staged, filter('reboot-pending'))).toBe(true);
    expect(matchesFilters(plain, filter('reboot-pending'))).toBe(false);
    expect(matchesFilters(staged, filter('rolled-back'))).toBe(false);
    expect(matchesFilters(plain, filter(''))).toBe(true);
  });

  it('uses what the update server knows of a node', () => {
    const updates = new Map([
      [
        plain.id,
        {
          nodeId: plain.id,
          serverId: 's',
          instanceId: 'i',
          matchedBy: 'hostname' as const,
          groupId: 'g',
          groupName: 'Stable',
          channel: 'stable',
          targetVersion: '4230.2.4',
          status: 'error' as const,
          version: '4230.2.3',
          lastCheckIn: null,
          lastUpdateVersion: '4230.2.4',
          updateInProgress: false,
          lastErrorCode: '44',
          rolledBack: true,
        },
      ],
    ]);
    expect(matchesFilters(plain, filter('rolled-back'), updates)).toBe(true);
    expect(matchesFilters(plain, filter('current'), updates)).toBe(false);
  });
});

describe('fleet sorting by every column', () => {
  const a = fakeNode({ hostname: 'a-node', tags: ['web'] });
  const b = fakeNode({ hostname: 'b-node', tags: [] });
  const c = fakeNode({ hostname: 'c-node', tags: ['db', 'prod'] });
  const names = (list: { hostname: string }[]) => list.map((n) => n.hostname);

  it('sorts by tags (untagged last), by config state (drifted first) and by update state', () => {
    expect(names(visibleNodes([a, b, c], EMPTY_FILTERS, { key: 'tags', dir: 'asc' }))).toEqual(['c-node', 'a-node', 'b-node']);
    const drift = new Map([
      [a.id, { state: 'in_sync' as const, assignedRevision: 3 }],
      [c.id, { state: 'drifted' as const, assignedRevision: 4 }],
    ]);
    expect(names(visibleNodes([a, b, c], EMPTY_FILTERS, { key: 'config', dir: 'asc' }, undefined, drift))).toEqual(['c-node', 'a-node', 'b-node']);
    expect(names(visibleNodes([a, b, c], EMPTY_FILTERS, { key: 'config', dir: 'desc' }, undefined, drift))).toEqual(['b-node', 'a-node', 'c-node']);
    expect(names(visibleNodes([c, b, a], EMPTY_FILTERS, { key: 'update', dir: 'asc' }))).toEqual(['a-node', 'b-node', 'c-node']);
  });
});

describe('the table after a patch', () => {
  it('keeps the order a full sort gives when a few nodes change, arrive or leave', () => {
    const states = ['active', 'inactive', 'failed', 'provisioning'] as const;
    const make = (i: number, variant = 0) =>
      fakeNode({ id: `lab:n-${i}`, hostname: `am${i % 7}-node-${(i * 7919 + variant) % 3001}`, state: states[(i + variant) % 4]! });
    let fleet = new Map(Array.from({ length: 2_000 }, (_, i) => [`lab:n-${i}`, make(i)]));
    for (const sortKey of ['hostname', 'state'] as const) {
      const filters = { ...EMPTY_FILTERS };
      const sort = { key: sortKey, dir: 'desc' as const };
      visibleNodes(fleet, filters, sort);
      facetsOf(fleet);
      const next = new Map(fleet);
      for (let i = 0; i < 2_000; i += 20) next.set(`lab:n-${i}`, make(i, 5));
      for (let i = 1; i < 100; i += 10) next.delete(`lab:n-${i}`);
      for (let i = 2_000; i < 2_020; i++) next.set(`lab:n-${i}`, make(i));
      fleet = next;
      const patched = visibleNodes(fleet, filters, sort).map((n) => n.id);
      // A new filters object: sorted afresh.
      const fresh = visibleNodes(fleet.values(), { ...filters }, sort).map((n) => n.id);
      expect(patched).toHaveLength(2_010);
      const keyOf = (id: string) => {
        const node = fleet.get(id)!;
        return `${sortKey === 'hostname' ? node.hostname : node.state}|${node.hostname}`;
      };
      expect(patched.map(keyOf)).toEqual(fresh.map(keyOf));
    }
  });

  it('moves the facets by a patch to what counting afresh gives, a value gone when its last node is', () => {
    const ams = { code: 'am', name: 'Amsterdam' };
    const a = fakeNode({ id: 'lab:a', hostname: 'a', state: 'active', tags: ['k8s', 'k8s'], metro: ams });
    const b = fakeNode({ id: 'lab:b', hostname: 'b', state: 'failed', tags: ['db'], metro: { code: 'da', name: 'Dallas' } });
    const before = new Map([
      [a.id, a],
      [b.id, b],
    ]);
    expect(facetsOf(before)).toMatchObject({ states: ['active', 'failed'], tags: ['db', 'k8s'], metros: [ams, { code: 'da', name: 'Dallas' }] });
    // b recovers and loses its tag, a third node arrives in Amsterdam, and a leaves.
    const after = new Map([
      [b.id, { ...b, state: 'active' as const, tags: [] }],
      ['lab:c', fakeNode({ id: 'lab:c', hostname: 'c', state: 'inactive', tags: ['k8s'], metro: ams })],
    ]);
    const patched = facetsOf(after);
    expect(patched).toEqual(facetsOf([...after.values()]));
    expect(patched).toMatchObject({ states: ['active', 'inactive'], tags: ['k8s'], metros: [ams, { code: 'da', name: 'Dallas' }] });
  });
});
