import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore, ensurePrivateDir } from './encrypted-file-store';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'ironpane-vault-'));

describe('EncryptedFileSecretStore with the AES-GCM key file', () => {
  it('keeps secrets encrypted at rest in 0600 files and reads them back in a new process', async () => {
    const dir = tmp();
    const file = path.join(dir, 'secrets.json');
    const store = new EncryptedFileSecretStore(file, await aesGcmKeyFileCipher(path.join(dir, 'vault.key')));
    await store.set('account/a/token', 'super-secret-token-value');
    expect(readFileSync(file, 'utf8')).not.toContain('super-secret-token-value');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'vault.key')).mode & 0o777).toBe(0o600);

    const reopened = new EncryptedFileSecretStore(file, await aesGcmKeyFileCipher(path.join(dir, 'vault.key')));
    expect(await reopened.get('account/a/token')).toBe('super-secret-token-value');
    await reopened.delete('account/a/token');
    expect(await reopened.get('account/a/token')).toBeUndefined();
  });

  it('cannot decrypt with another key, and says what to do', async () => {
    const dir = tmp();
    const file = path.join(dir, 'secrets.json');
    await new EncryptedFileSecretStore(file, await aesGcmKeyFileCipher(path.join(dir, 'a.key'))).set('k', 'v');
    const other = new EncryptedFileSecretStore(file, await aesGcmKeyFileCipher(path.join(dir, 'b.key')));
    await expect(other.get('k')).rejects.toThrow(/could not be decrypted; remove and re-add/);
  });

  it('refuses a damaged secrets file, naming it, without quoting or replacing it', async () => {
    const dir = tmp();
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, 'garbage {"token": "abc123"', { mode: 0o600 });
    const store = new EncryptedFileSecretStore(file, await aesGcmKeyFileCipher(path.join(dir, 'vault.key')));
    const error = await store.get('x').catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      new RegExp(`^The secret store ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged: it is not JSON\\. Ironpane left it as it is\\.`),
    );
    expect((error as Error).message).not.toContain('abc123');
    expect(readFileSync(file, 'utf8')).toBe('garbage {"token": "abc123"');
  });

  it('refuses a key file other users can read', async () => {
    const dir = tmp();
    const keyFile = path.join(dir, 'vault.key');
    writeFileSync(keyFile, Buffer.alloc(32, 1));
    chmodSync(keyFile, 0o644);
    await expect(aesGcmKeyFileCipher(keyFile)).rejects.toThrow(/chmod 600/);
  });

  it('binds each value to its entry: swapped ciphertexts do not decrypt', async () => {
    const dir = tmp();
    const file = path.join(dir, 'secrets.json');
    const cipher = await aesGcmKeyFileCipher(path.join(dir, 'vault.key'));
    const store = new EncryptedFileSecretStore(file, cipher);
    await store.set('account/a/token', 'the-account-token');
    await store.set('lab/ssh/user-private-key', 'the-lab-private-key');
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    expect(onDisk.format).toBe(2);
    const { 'account/a/token': a, 'lab/ssh/user-private-key': b } = onDisk.entries;
    writeFileSync(file, JSON.stringify({ format: 2, entries: { 'account/a/token': b, 'lab/ssh/user-private-key': a } }), { mode: 0o600 });
    const tampered = new EncryptedFileSecretStore(file, cipher);
    await expect(tampered.get('account/a/token')).rejects.toThrow(/\(account\/a\/token\) could not be decrypted/);
    await expect(tampered.get('lab/ssh/user-private-key')).rejects.toThrow(/could not be decrypted/);
  });

  it('refuses a shortened authentication tag', async () => {
    const dir = tmp();
    const cipher = await aesGcmKeyFileCipher(path.join(dir, 'vault.key'));
    const sealed = await cipher.encrypt('value', 'k');
    // iv(12) | tag truncated to 4 bytes | ciphertext: GCM would accept a 4-byte tag if not pinned.
    const short = Buffer.concat([sealed.subarray(0, 12 + 4), sealed.subarray(12 + 16)]);
    expect(() => cipher.decrypt(short, 'k')).toThrow();
  });

  it('re-seals a format-1 file (values without their entry bound) once, on first load', async () => {
    const dir = tmp();
    const keyFile = path.join(dir, 'vault.key');
    const key = randomBytes(32);
    writeFileSync(keyFile, key, { mode: 0o600 });
    const iv = randomBytes(12);
    const legacyCipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([legacyCipher.update('old-token', 'utf8'), legacyCipher.final()]);
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ 'account/x/token': Buffer.concat([iv, legacyCipher.getAuthTag(), body]).toString('base64') }), { mode: 0o600 });
    const store = new EncryptedFileSecretStore(file, await aesGcmKeyFileCipher(keyFile));
    expect(await store.get('account/x/token')).toBe('old-token');
    expect(JSON.parse(readFileSync(file, 'utf8')).format).toBe(2);
    expect(await new EncryptedFileSecretStore(file, await aesGcmKeyFileCipher(keyFile)).get('account/x/token')).toBe('old-token');
  });

  it('repairs a secrets file and a data folder other users can read, and says which', async () => {
    const dir = path.join(tmp(), 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const warnings: string[] = [];
    const log = { info() {}, warn: (m: string) => warnings.push(m), error() {} };
    await ensurePrivateDir(dir, log);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const file = path.join(dir, 'secrets.json');
    const cipher = await aesGcmKeyFileCipher(path.join(dir, 'vault.key'));
    await new EncryptedFileSecretStore(file, cipher).set('k', 'v');
    chmodSync(file, 0o644);
    expect(await new EncryptedFileSecretStore(file, cipher, log).get('k')).toBe('v');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([
      expect.stringMatching(/data folder .*data was open to other users \(mode 755\).*set it to 700/),
      expect.stringMatching(/secrets\.json was readable by other users \(mode 644\).*set it to 600/),
    ]);
  });
});
