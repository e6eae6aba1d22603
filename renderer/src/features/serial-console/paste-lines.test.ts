import { describe, expect, it } from 'vitest';
import { pasteLines } from './PasteDialog';

describe('pasteLines', () => {
  it('counts the lines a person sees: a trailing newline is not another line', () => {
    expect(pasteLines('a\nb\nc\n')).toEqual(['a\r', 'b\r', 'c\r']);
    expect(pasteLines('a\r\nb\r\nc')).toEqual(['a\r', 'b\r', 'c']);
    expect(pasteLines('one')).toEqual(['one']);
    expect(pasteLines('x\n\ny\n')).toEqual(['x\r', '\r', 'y\r']);
  });
});
