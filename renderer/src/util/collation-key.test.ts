import { describe, expect, it } from 'vitest';
import { collated, collationKey, collator, compareCollated } from './collation-key';

/** A small seeded generator, so a failure names the texts it found and repeats. */
function texts(seed: number, count: number, alphabet: string): string[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
}

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('collation keys', () => {
  it('order every pair of printable ASCII texts as the collator does, numbers by their value', () => {
    const all = Array.from({ length: 0x7f - 0x20 }, (_, k) => String.fromCharCode(0x20 + k)).join('');
    const samples = [
      ...texts(7, 300, all),
      ...texts(11, 300, 'aB9-0._ 1:'),
      ...['node-2', 'node-10', 'node-010', 'Node-1', 'node1', 'node-1a', 'am6-k8s-02', 'am6-k8s-2', '', ' ', '10.0.0.2', '10.0.0.10'],
    ];
    const keyed = samples.map(collated);
    const wrong: string[] = [];
    for (const a of keyed)
      for (const b of keyed)
        if (sign(compareCollated(a, b)) !== sign(collator.compare(a.text, b.text))) wrong.push(`${JSON.stringify(a.text)} vs ${JSON.stringify(b.text)}`);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(keyed.every((k) => k.key !== null)).toBe(true);
  });

  it('leaves text beyond ASCII to the collator', () => {
    expect(collationKey('zürich-1')).toBeNull();
    expect(compareCollated(collated('zürich'), collated('zurich'))).toBe(0);
    expect(sign(compareCollated(collated('Ärm'), collated('arn')))).toBe(-1);
    expect(collationKey('1'.repeat(300))).toBeNull();
  });
});
