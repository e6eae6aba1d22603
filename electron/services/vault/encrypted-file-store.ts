/**
 * Secrets at rest: one JSON file of encrypted values, written atomically with mode 0600. What does
 * the encrypting is a `SecretCipher`: AES-256-GCM with a key file on the web host (below), Electron
 * `safeStorage` (OS keychain) on the desktop (electron/main/adapters).
 *
 * Each value is sealed *to its entry name* (the cipher's `context`: AES-GCM associated data, or a
 * bound prefix where the cipher has none), so swapping two ciphertexts in the file is detected
 * instead of decrypting an account token as the lab's private key. File format 2 marks that; a
 * format-1 file (unbound values) is re-sealed once, on first load.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { writeFileAtomic } from '../files/safe-files';
import type { Logger, SecretStore } from '../ports';

export interface SecretCipher {
  readonly name: string;
  /** `context` names the entry; decrypting under another context must fail. */
  encrypt(plain: string, context: string): Buffer | Promise<Buffer>;
  decrypt(sealed: Buffer, context: string): string | Promise<string>;
  /** Format-1 values, sealed without a context; only to migrate them. */
  decryptUnbound?(sealed: Buffer): string | Promise<string>;
}

interface VaultFile {
  format: 2;
  entries: Record<string, string>;
}

export class EncryptedFileSecretStore implements SecretStore {
  private cache: Record<string, string> | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
    private readonly log?: Logger,
  ) {}

  get protection(): string {
    return this.cipher.name;
  }

  async get(key: string): Promise<string | undefined> {
    const sealed = (await this.load())[key];
    if (sealed === undefined) return undefined;
    try {
      return await this.cipher.decrypt(Buffer.from(sealed, 'base64'), key);
    } catch (cause) {
      throw new AppError('internal', `A stored secret (${key}) could not be decrypted; remove and re-add the account.`, { cause });
    }
  }

  async set(key: string, value: string): Promise<void> {
    const entries = await this.load();
    entries[key] = (await this.cipher.encrypt(value, key)).toString('base64');
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
    let text: string;
    try {
      await this.repairMode();
      text = await fs.readFile(this.file, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
      this.cache = {};
      return this.cache;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Never quote it, never replace it: the sealed secrets in it may still be recoverable.
      throw new AppError(
        'internal',
        `The secret store ${this.file} is damaged: it is not JSON. Ironpane left it as it is. Restore it from a backup, or move it away to start with no stored secrets (each connection then asks for its token or password again).`,
        { retryable: false },
      );
    }
    if (isVaultFile(parsed)) {
      this.cache = { ...parsed.entries };
      return this.cache;
    }
    this.cache = await this.migrateUnbound(parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {});
    return this.cache;
  }

  /** The ciphertexts alone do not reveal a secret, but nobody else should read them: fix, and say so. */
  private async repairMode(): Promise<void> {
    if (process.platform === 'win32') return;
    const stat = await fs.stat(this.file);
    if ((stat.mode & 0o077) === 0) return;
    await fs.chmod(this.file, 0o600);
    this.log?.warn(`${this.file} was readable by other users (mode ${(stat.mode & 0o777).toString(8)}); Ironpane set it to 600.`);
  }

  private async migrateUnbound(legacy: Record<string, string>): Promise<Record<string, string>> {
    const entries: Record<string, string> = {};
    for (const [key, sealed] of Object.entries(legacy)) {
      if (typeof sealed !== 'string' || !this.cipher.decryptUnbound) continue;
      try {
        const plain = await this.cipher.decryptUnbound(Buffer.from(sealed, 'base64'));
        entries[key] = (await this.cipher.encrypt(plain, key)).toString('base64');
      } catch (cause) {
        this.log?.warn(`A stored secret (${key}) could not be decrypted while upgrading ${this.file}; it was dropped.`, { cause });
      }
    }
    await this.persist(entries);
    return entries;
  }

  private persist(entries: Record<string, string>): Promise<void> {
    const body = JSON.stringify({ format: 2, entries } satisfies VaultFile, null, 2);
    this.writing = this.writing.then(() => writeFileAtomic(this.file, body, 0o600));
    return this.writing;
  }
}

function isVaultFile(value: unknown): value is VaultFile {
  return !!value && typeof value === 'object' && (value as VaultFile).format === 2 && typeof (value as VaultFile).entries === 'object';
}

/**
 * A folder that holds secrets must be this user's alone. Creates it 0700, or tightens one that
 * already exists with a looser mode, and says which it did.
 */
export async function ensurePrivateDir(dir: string, log?: Logger): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const stat = await fs.stat(dir);
  if ((stat.mode & 0o077) === 0) return;
  await fs.chmod(dir, 0o700);
  log?.warn(`The data folder ${dir} was open to other users (mode ${(stat.mode & 0o777).toString(8)}); Ironpane set it to 700.`);
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
  const open = (sealed: Buffer, context: string | null) => {
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value is too short');
    // Pin the tag length: without it a shortened tag (down to 4 bytes) would be accepted.
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    if (context !== null) decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  };
  return {
    name: 'AES-256-GCM (key file)',
    encrypt(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decrypt: (sealed, context) => open(sealed, context),
    decryptUnbound: (sealed) => open(sealed, null),
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
