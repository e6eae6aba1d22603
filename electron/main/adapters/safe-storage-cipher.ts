/** Desktop secrets are sealed by the OS keychain through Electron's safeStorage. */
import type { SafeStorage } from 'electron';
import { AppError } from '../../../shared/errors';
import type { SecretCipher } from '../../services/vault/encrypted-file-store';

export function safeStorageCipher(safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'>): SecretCipher {
  const ensure = () => {
    if (!safeStorage.isEncryptionAvailable()) {
      throw new AppError('unavailable', 'The system keychain is not available, so Ironpane cannot store secrets safely. Unlock your keyring (or install one) and retry.');
    }
  };
  return {
    name: 'OS keychain (safeStorage)',
    encrypt(plain) {
      ensure();
      return safeStorage.encryptString(plain);
    },
    decrypt(sealed) {
      ensure();
      return safeStorage.decryptString(sealed);
    },
  };
}
