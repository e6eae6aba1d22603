import { describe, expect, it } from 'vitest';
import { fakeNode } from '../test/fakes/nodes';
import { packNodes, unpackNodes } from './fleet-wire';

describe('the packed fleet', () => {
  it('gives back the same nodes, keys in order, with each repeated value sent once', () => {
    const nodes = Array.from({ length: 500 }, (_, i) =>
      fakeNode({ hostname: `am6-worker-${i}`, state: i % 7 === 0 ? 'inactive' : 'active', provisioningPercentage: i % 11 === 0 ? 40 : null }),
    );
    const packed = packNodes(nodes);
    const back = unpackNodes(JSON.parse(JSON.stringify(packed)));
    expect(back).toEqual(nodes);
    expect(back.map((node) => Object.keys(node))).toEqual(nodes.map((node) => Object.keys(node)));
    expect(JSON.stringify(back)).toBe(JSON.stringify(nodes));
    // One metro object for every node in it, one key list for all.
    expect(packed.shapes).toHaveLength(1);
    expect(back[0]!.metro).toBe(back[1]!.metro);
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(nodes).length / 2);
  });

  it('keeps a number apart from the string of its digits, and a provider’s own fields as another shape', () => {
    const plain = fakeNode({ hostname: '42', description: '42' });
    const ironic = { ...fakeNode({ hostname: 'rf-1' }), ironic: { provisionState: 'active' } };
    const back = unpackNodes(packNodes([plain, ironic as never]));
    expect(back[0]!.hostname).toBe('42');
    expect((back[1] as unknown as { ironic: unknown }).ironic).toEqual({ provisionState: 'active' });
  });

  it('refuses a row that does not match its shape or points past the values', () => {
    const packed = packNodes([fakeNode({ hostname: 'a' })]);
    expect(() => unpackNodes({ ...packed, rows: [[0, 1]] })).toThrow(/does not match its shape/);
    expect(() => unpackNodes({ ...packed, rows: [[0, ...packed.rows[0]!.slice(1, -1), 9999]] })).toThrow(/past its values/);
  });
});
