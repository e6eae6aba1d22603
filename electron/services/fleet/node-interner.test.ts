/** The fleet's nodes share one copy of each repeated value, and each node still says what it said. */
import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { fakeNode } from '../../../test/fakes/nodes';
import { NodeInterner } from './node-interner';

describe('NodeInterner', () => {
  it('shares the OS, places and lists of nodes that arrived as separate copies, and changes no value', () => {
    // As the page worker hands them over: every node a structured clone of its own.
    const nodes = Array.from({ length: 3 }, (_, i) =>
      deserialize(serialize(fakeNode({ hostname: `n${i}`, tags: ['k8s', 'edge'], vlans: i === 2 ? [1001] : [] }))),
    ) as ReturnType<typeof fakeNode>[];
    const before = structuredClone(nodes);
    expect(nodes[0]!.os).not.toBe(nodes[1]!.os);
    const interner = new NodeInterner();
    const [a, b, c] = nodes.map((node) => interner.intern(node));
    expect(a).toEqual(before[0]);
    expect(b).toEqual(before[1]);
    expect(c).toEqual(before[2]);
    for (const key of ['os', 'metro', 'facility', 'tags', 'actions', 'capabilities', 'vlans'] as const) expect(b![key]).toBe(a![key]);
    // What differs is not shared.
    expect(c!.vlans).toEqual([1001]);
    expect(c!.vlans).not.toBe(a!.vlans);
    const other = interner.intern(deserialize(serialize(fakeNode({ hostname: 'n4', tags: ['k8s'] }))));
    expect(other.tags).toEqual(['k8s']);
    expect(other.tags).not.toBe(a!.tags);
  });
});
