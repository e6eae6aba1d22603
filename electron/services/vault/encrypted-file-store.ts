/**
 * Secrets at rest: one JSON file of encrypted values, written atomically with mode 0600. What does
 * the encrypting is a `SecretCipher`: AES-256-GCM with a key file on the web host (below), Electron
 * `safeStorage` (OS keychain) on the desktop (electron/main/adapters).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { SecretStore } from '../ports';

export interface SecretCipher {
  readonly name: string;
  encrypt(plain: string): Buffer | Promise<Buffer>;
  decrypt(sealed: Buffer): string | Promise<string>;
}

export class EncryptedFileSecretStore implements SecretStore {
  private cache: Record<string, string> | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
  ) {}

  get protection(): string {
    return this.cipher.name;
  }

  async get(key: string): Promise<string | undefined> {
    const sealed = (await this.load())[key];
    if (sealed === undefined) return undefined;
    try {
      return await this.cipher.decrypt(Buffer.from(sealed, 'base64'));
    } catch (cause) {
      throw new AppError('internal', `A stored secret could not be decrypted; remove and re-add the account.`, { cause });
    }
  }

  async set(key: string, value: string): Promise<void> {
    const entries = await this.load();
    entries[key] = (await this.cipher.encrypt(value)).toString('base64');
    await this.persist(entries);
  }

  async delete(key: string): Promise<void> {
    const entries = await this.load();
    if (!(key in entries)) return;
    delete entries[key];
    await this.persist(entries);
  }

  private async load(): Promise<Record<string, string>> {
    if (this.cache) return this.cache;
    try {
      const parsed: unknown = JSON.parse(await fs.readFile(this.file, 'utf8'));
      this.cache = parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
      this.cache = {};
    }
    return this.cache;
  }

  private persist(entries: Record<string, string>): Promise<void> {
    const body = JSON.stringify(entries, null, 2);
    this.writing = this.writing.then(() => writeFileAtomic(this.file, body, 0o600));
    return this.writing;
  }
}

/** Write-then-rename so a crash never leaves half a file. */
export async function writeFileAtomic(file: string, body: string, mode = 0o600): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temp, body, { mode });
  await fs.rename(temp, file);
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM keyed from a 0600 key file beside the secrets. Used where no OS keychain is reachable
 * (the web host). Layout of a sealed value: iv(12) | tag(16) | ciphertext.
 */
export async function aesGcmKeyFileCipher(keyFile: string): Promise<SecretCipher> {
  const key = await readOrCreateKey(keyFile);
  return {
    name: 'AES-256-GCM (key file)',
    encrypt(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decrypt(sealed) {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}

async function readOrCreateKey(keyFile: string): Promise<Buffer> {
  try {
    const stat = await fs.stat(keyFile);
    // A key others can read protects nothing: refuse rather than silently use it.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new AppError('internal', `The key file ${keyFile} is readable by other users; run chmod 600 on it.`);
    }
    const key = await fs.readFile(keyFile);
    if (key.length !== KEY_BYTES) throw new AppError('internal', `The key file ${keyFile} is damaged (expected ${KEY_BYTES} bytes).`);
    return key;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
    await fs.mkdir(path.dirname(keyFile), { recursive: true, mode: 0o700 });
    const key = randomBytes(KEY_BYTES);
    // 'wx' fails if another process created it between our stat and write.
    await fs.writeFile(keyFile, key, { mode: 0o600, flag: 'wx' });
    return key;
  }
}
