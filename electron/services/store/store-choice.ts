/**
 * Which store this console uses when `IRONPANE_STORE` is not set: a team's PostgreSQL chosen on the
 * Connections screen, or the data folder's own (README.md, Running Ironpane for a team). The address
 * is kept in `store-choice.json` without its password; the password goes to the vault. The choice is
 * checked by connecting before it is kept, and takes effect at the next start (the store is opened
 * once, before anything reads it).
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import { readUntrustedText, writeFileAtomic } from '../files/safe-files';
import type { SecretStore } from '../ports';
import { openStoreBackend, postgresLabel, storeLocationFromEnv } from './store-backend';

const FILE = 'store-choice.json';
const PASSWORD_KEY = 'store/password';
const ChoiceFile = z.object({ url: z.string().min(1).max(2048) }).strict();

export interface StoreChoiceView {
  /** The team's store chosen here (user@host:port/database, never the password), or null for this folder's own. */
  chosen: string | null;
  /** `IRONPANE_STORE` is set: it wins over the choice made here. */
  fromEnvironment: string | null;
}

export class StoreChoice {
  constructor(
    private readonly dataDir: string,
    private readonly secrets: SecretStore,
    /** `IRONPANE_STORE`, when set. */
    private readonly environment: string | undefined,
  ) {}

  private get file(): string {
    return path.join(this.dataDir, FILE);
  }

  private async saved(): Promise<string | null> {
    if (!existsSync(this.file)) return null;
    try {
      return ChoiceFile.parse(JSON.parse(await readUntrustedText(this.file, { what: FILE, maxBytes: 8192 }))).url;
    } catch (cause) {
      // Never the file's text in the message: which file, and what to do.
      throw new AppError(
        'invalid',
        `${this.file} is not a store choice Ironpane wrote. Move it aside (this console then uses its own store) and choose again.`,
        {
          retryable: false,
          cause,
        },
      );
    }
  }

  /** The store to open at start: `IRONPANE_STORE`, else the team's store chosen here (with its password), else none. */
  async connectionString(): Promise<string | undefined> {
    if (this.environment?.trim()) return this.environment;
    const url = await this.saved();
    if (!url) return undefined;
    const full = new URL(url);
    const password = await this.secrets.get(PASSWORD_KEY);
    if (password) full.password = encodeURIComponent(password);
    return full.toString();
  }

  async view(): Promise<StoreChoiceView> {
    const url = await this.saved().catch(() => null);
    return { chosen: url ? postgresLabel(url) : null, fromEnvironment: this.environment?.trim() ? postgresLabel(this.environment) : null };
  }

  /**
   * Checks a team's store by connecting to it (and that its schema is up to date, or this role may
   * bring it up to date), then keeps it for the next start.
   */
  async choose(url: string, password: string): Promise<StoreChoiceView> {
    const location = storeLocationFromEnv(url, '');
    if (!('postgresUrl' in location))
      throw new AppError('invalid', 'Address: write the team’s store as postgres://user@host:5432/database.', { retryable: false, detail: 'url' });
    const parsed = new URL(location.postgresUrl);
    if (parsed.password) {
      throw new AppError(
        'invalid',
        'Address: leave the password out of the address and put it in the Password field (the address is kept in a file, the password in the vault).',
        {
          retryable: false,
          detail: 'url',
        },
      );
    }
    if (!decodeURIComponent(parsed.username))
      throw new AppError('invalid', 'Address: name the database role, as in postgres://ironpane_app@host:5432/ironpane.', { retryable: false, detail: 'url' });
    const full = new URL(parsed.toString());
    if (password) full.password = encodeURIComponent(password);
    const store = await openStoreBackend({ postgresUrl: full.toString() });
    await store.close();
    await writeFileAtomic(this.file, JSON.stringify({ url: parsed.toString() }));
    if (password) await this.secrets.set(PASSWORD_KEY, password);
    else await this.secrets.delete(PASSWORD_KEY);
    return this.view();
  }

  /** Back to this data folder's own store at the next start; the team's store is not touched. */
  async useOwn(): Promise<StoreChoiceView> {
    rmSync(this.file, { force: true });
    await this.secrets.delete(PASSWORD_KEY);
    return this.view();
  }
}
