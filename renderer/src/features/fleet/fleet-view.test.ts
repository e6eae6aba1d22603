import { describe, expect, it } from 'vitest';
import { fakeNode } from '../../../../test/fakes/nodes';
import { EMPTY_FILTERS } from '../../stores/ui';
import { osText } from '../../util/format';
import { matchesFilters } from './fleet-view';

const search = (text: string) => ({ ...EMPTY_FILTERS, text });

describe('fleet search', () => {
  const flatcar = fakeNode({ hostname: 'am6-node-01', os: { slug: 'flatcar_beta', name: 'Flatcar Container Linux - Beta', family: 'flatcar', version: '4284.1.0', channel: 'beta' } });
  const ubuntu = fakeNode({ hostname: 'da11-db-02', os: { slug: 'ubuntu_22_04', name: 'Ubuntu 22.04 LTS', family: 'ubuntu', version: '22.04', channel: null }, tags: ['database'] });

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
