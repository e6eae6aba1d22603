import { describe, expect, it } from 'vitest';
import { methods } from './contract';
import { MAX_CONSOLE_WRITE_BYTES, MAX_RPC_MESSAGE_BYTES, splitUtf8, utf8ByteLength } from './limits';

describe('byte limits', () => {
  it('counts UTF-8 bytes as TextEncoder does', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'a😀b€', '\ud800', 'x\udc00y']) {
      expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).byteLength);
    }
  });

  it('splits on code points into pieces that fit and join back', () => {
    const text = `${'€'.repeat(400_000)}😀${'a'.repeat(100)}😀`;
    const pieces = splitUtf8(text, MAX_CONSOLE_WRITE_BYTES);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) {
      expect(utf8ByteLength(piece)).toBeLessThanOrEqual(MAX_CONSOLE_WRITE_BYTES);
      expect(piece).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    }
    expect(pieces.length).toBe(Math.ceil(utf8ByteLength(text) / MAX_CONSOLE_WRITE_BYTES));
  });

  it('lets console.write carry only what fits in one transport message', () => {
    const input = methods['console.write'].input;
    const euros = '€'.repeat(Math.floor(MAX_CONSOLE_WRITE_BYTES / 3));
    expect(input.safeParse({ sessionId: 's', data: euros }).success).toBe(true);
    const tooMany = input.safeParse({ sessionId: 's', data: `${euros}€€` });
    expect(tooMany.success).toBe(false);
    // Worst case JSON escaping (\u0001 is six bytes) of the largest write still fits in a message.
    const envelope = JSON.stringify({
      id: 2 ** 53,
      method: 'console.write',
      input: { sessionId: 'x'.repeat(36), data: '\u0001'.repeat(MAX_CONSOLE_WRITE_BYTES) },
    });
    expect(utf8ByteLength(envelope)).toBeLessThan(MAX_RPC_MESSAGE_BYTES);
  });
});
