import { describe, expect, it } from 'vitest';
import { SecretMasker } from './secret-masker';

describe('SecretMasker', () => {
  it('masks a secret split across chunks, byte by byte, and passes everything else through', () => {
    const masker = new SecretMasker(['hunter2', 'hunt']);
    const input = 'say hunter2 and hunt, then hunter2!';
    let out = '';
    for (const byte of Buffer.from(input)) out += masker.push(Buffer.from([byte])).toString('utf8');
    out += masker.flush().toString('utf8');
    expect(out).toBe('say •••••• and ••••••, then ••••••!');
  });

  it('holds back only what could start a secret, and releases it on flush', () => {
    const masker = new SecretMasker(['abcdef']);
    expect(masker.push(Buffer.from('xyzabc')).toString()).toBe('xyz');
    expect(masker.holding).toBe(3);
    expect(masker.flush().toString()).toBe('abc');
    expect(new SecretMasker([]).push(Buffer.from('abc')).toString()).toBe('abc');
  });
});
