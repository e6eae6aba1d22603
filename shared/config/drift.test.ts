import { describe, expect, it } from 'vitest';
import { deriveDrift, type DriftInputs } from './drift';

const inputs: DriftInputs = {
  assignments: [
    { profileId: 'p-workers', targetKind: 'tag', target: 'k8s' },
    { profileId: 'p-special', targetKind: 'node', target: 'n-special' },
  ],
  profiles: new Map([
    ['p-workers', { name: 'workers', latestNumber: 12, latestRenderedHash: 'h12' }],
    ['p-special', { name: 'special', latestNumber: 2, latestRenderedHash: 'hs2' }],
  ]),
  revisionByHash: new Map([
    ['p-workers:h9', 9],
    ['p-workers:h12', 12],
  ]),
};

describe('drift', () => {
  it('is unmanaged without an assignment, checking until the user data is read', () => {
    expect(deriveDrift({ id: 'n1', tags: ['db'] }, 'x', inputs)).toMatchObject({ state: 'unmanaged', summary: 'unmanaged: no config assigned' });
    expect(deriveDrift({ id: 'n1', tags: ['k8s'] }, undefined, inputs)).toMatchObject({ state: 'checking', profileName: 'workers' });
  });

  it('is in sync when the applied user data is what the latest revision renders', () => {
    expect(deriveDrift({ id: 'n1', tags: ['k8s'] }, 'h12', inputs)).toMatchObject({
      state: 'in_sync',
      assignedRevision: 12,
      appliedRevision: 12,
      via: { kind: 'tag', tag: 'k8s' },
    });
  });

  it('names the revisions when drifted, and says so when nothing or something else is applied', () => {
    expect(deriveDrift({ id: 'n1', tags: ['k8s'] }, 'h9', inputs).summary).toBe('drifted: assigned r12, applied r9');
    expect(deriveDrift({ id: 'n1', tags: ['k8s'] }, null, inputs).summary).toBe('drifted: assigned r12, nothing applied');
    expect(deriveDrift({ id: 'n1', tags: ['k8s'] }, 'zzz', inputs).summary).toBe('drifted: assigned r12, applied config is not from this profile');
  });

  it('lets a node assignment win over its tags', () => {
    expect(deriveDrift({ id: 'n-special', tags: ['k8s'] }, 'hs2', inputs)).toMatchObject({ state: 'in_sync', profileName: 'special', via: { kind: 'node' } });
  });
});
