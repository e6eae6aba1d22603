/** The desktop vault choice with Electron's safeStorage mocked: a keyring that really encrypts, or not. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { EncryptedFileSecretStore } from '../../services/vault/encrypted-file-store';
import { desktopVault, safeStorageCipher } from './safe-storage-cipher';

/** Reversible, like safeStorage: enough to test what the cipher seals and checks. */
function fakeSafeStorage(backend: string, available = true) {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (plain: string) => Buffer.from(plain, 'utf8').reverse(),
    decryptString: (sealed: Buffer) => Buffer.from(sealed).reverse().toString('utf8'),
    getSelectedStorageBackend: () => backend as never,
  };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'ironpane-desktop-vault-'));

describe('desktop vault', () => {
  it('uses the keychain when safeStorage has a real backend', async () => {
    const vault = await desktopVault(fakeSafeStorage('gnome_libsecret'), tmp(), 'linux');
    expect(vault.cipher.name).toBe('OS keychain (safeStorage)');
    expect(path.basename(vault.file)).toBe('secrets.json');
  });

  it('treats basic_text as not encrypted: uses the key-file vault and says why', async () => {
    const dir = tmp();
    const vault = await desktopVault(fakeSafeStorage('basic_text'), dir, 'linux');
    expect(vault.cipher.name).toMatch(/AES-256-GCM key file.*no system keyring.*basic_text, which does not encrypt/);
    expect(vault.file).toBe(path.join(dir, 'secrets-file-vault.json'));
    const store = new EncryptedFileSecretStore(vault.file, vault.cipher);
    await store.set('account/a/token', 'secret');
    expect(await store.get('account/a/token')).toBe('secret');
  });

  it('falls back too when the keychain is unavailable', async () => {
    const vault = await desktopVault(fakeSafeStorage('unknown', false), tmp(), 'darwin');
    expect(vault.cipher.name).toMatch(/system keychain is not available/);
  });

  it('binds safeStorage values to their entry', async () => {
    const cipher = safeStorageCipher(fakeSafeStorage('kwallet5'));
    const sealed = await cipher.encrypt('token', 'account/a/token');
    expect(await cipher.decrypt(sealed, 'account/a/token')).toBe('token');
    expect(() => cipher.decrypt(sealed, 'lab/ssh/user-private-key')).toThrow(/another entry/);
  });
});
