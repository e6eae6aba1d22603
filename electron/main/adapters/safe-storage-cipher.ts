/**
 * Desktop secrets are sealed by the OS keychain through Electron's safeStorage, unless safeStorage
 * would not really encrypt: on Linux without a keyring it falls back to the `basic_text` backend,
 * a hard-coded key (https://www.electronjs.org/docs/latest/api/safe-storage#safestoragegetselectedstoragebackend-linux).
 * Then the secrets go to the AES-256-GCM key-file vault instead, and the Connections screen says so.
 */
import path from 'node:path';
import type { SafeStorage } from 'electron';
import { AppError } from '../../../shared/errors';
import { aesGcmKeyFileCipher, type SecretCipher } from '../../services/vault/encrypted-file-store';

type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & {
  getSelectedStorageBackend?: SafeStorage['getSelectedStorageBackend'];
};

export function safeStorageCipher(safeStorage: SafeStorageLike): SecretCipher {
  const ensure = () => {
    if (!safeStorage.isEncryptionAvailable()) {
      throw new AppError(
        'unavailable',
        'The system keychain is not available, so Ironpane cannot store secrets safely. Unlock your keyring (or install one) and retry.',
      );
    }
  };
  return {
    name: 'OS keychain (safeStorage)',
    encrypt(plain, context) {
      ensure();
      // safeStorage has no associated data: seal the entry name with the value and check it on open.
      return safeStorage.encryptString(JSON.stringify([context, plain]));
    },
    decrypt(sealed, context) {
      ensure();
      const opened: unknown = JSON.parse(safeStorage.decryptString(sealed));
      if (!Array.isArray(opened) || opened[0] !== context || typeof opened[1] !== 'string') throw new Error('sealed value belongs to another entry');
      return opened[1];
    },
    decryptUnbound(sealed) {
      ensure();
      return safeStorage.decryptString(sealed);
    },
  };
}

export interface DesktopVault {
  cipher: SecretCipher;
  /** The secrets file that goes with the cipher (each cipher keeps its own, so neither clobbers the other). */
  file: string;
}

/** Picks the keychain when it really encrypts, else the key-file vault in the data folder. */
export async function desktopVault(safeStorage: SafeStorageLike, dataDir: string, platform: NodeJS.Platform = process.platform): Promise<DesktopVault> {
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined;
  const plainText = backend === 'basic_text' || backend === 'unknown';
  if (!plainText && safeStorage.isEncryptionAvailable()) return { cipher: safeStorageCipher(safeStorage), file: path.join(dataDir, 'secrets.json') };
  const fileCipher = await aesGcmKeyFileCipher(path.join(dataDir, 'vault.key'));
  const why = plainText ? `no system keyring was found (safeStorage would use ${backend}, which does not encrypt)` : 'the system keychain is not available';
  return { cipher: { ...fileCipher, name: `AES-256-GCM key file in the data folder: ${why}` }, file: path.join(dataDir, 'secrets-file-vault.json') };
}
