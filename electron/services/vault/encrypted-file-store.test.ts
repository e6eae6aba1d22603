import { mkdtempSync, readFileSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aesGcmKeyFileCipher, EncryptedFileSecretStore } from './encrypted-file-store';

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

  it('refuses a key file other users can read', async () => {
    const dir = tmp();
    const keyFile = path.join(dir, 'vault.key');
    writeFileSync(keyFile, Buffer.alloc(32, 1));
    chmodSync(keyFile, 0o644);
    await expect(aesGcmKeyFileCipher(keyFile)).rejects.toThrow(/chmod 600/);
  });
});
