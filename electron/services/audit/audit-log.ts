/**
 * Append-only record of who did what, when, from which console, to which node, with what result.
 * Rows live in the store (audit-store.ts): the data folder's SQLite file for one operator, or the
 * team's PostgreSQL, where every console sees every other console's rows as they are written.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { isAppError } from '../../../shared/errors';
import { AuditEntrySchema, type AuditEntry } from '../../../shared/model';
import type { EventBus } from '../../rpc/event-bus';
import { readUntrustedText } from '../files/safe-files';
import type { Clock } from '../ports';
import type { AuditStore } from './audit-store';

/** Who is acting: the operator's name and the console it is acting from (README.md, Running Ironpane for a team). */
export interface OperatorIdentity {
  actor: string;
  console: string;
}

/** Ids of rows already announced on the bus, so a catch-up never announces one twice. */
const REMEMBER_ANNOUNCED = 5000;
/**
 * PostgreSQL hands out a row's number when the insert starts and shows it when it commits, so a
 * lower number can appear just after a higher one: each catch-up looks this far back.
 */
const CATCH_UP_LOOK_BACK = 100;
/** What an earlier version kept in the data folder, moved into the store on first start. */
export const LEGACY_AUDIT_FILE = 'audit.jsonl';
const LEGACY_AUDIT_MAX_BYTES = 256 * 1024 * 1024;

/** How often rows kept while the shared store is away are offered to it again. */
const OUTBOX_RETRY_MS = 2_000;

export class AuditLog {
  private store: AuditStore | null = null;
  private readonly ready: Promise<AuditStore>;
  private resolveReady!: (store: AuditStore) => void;
  private readonly announced = new Set<string>();
  /** Row numbers this console wrote whose notice has not come back yet. */
  private readonly ownSeqs = new Set<number>();
  private lastSeq = 0;
  private catchingUp: Promise<void> | null = null;
  private catchUpAgain = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
    readonly identity: OperatorIdentity,
  ) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  /**
   * Starts writing to `store`. With `legacyFolder`, an earlier version's `audit.jsonl` there is
   * copied in first (oldest first, a torn last line skipped) and renamed `audit.jsonl.imported`.
   */
  async open(store: AuditStore, options: { legacyFolder?: string } = {}): Promise<{ imported: number; notImported?: string }> {
    let imported = 0;
    let notImported: string | undefined;
    try {
      imported = options.legacyFolder ? await importLegacyAudit(store, options.legacyFolder) : 0;
    } catch (error) {
      // The old file stays where it is (a FIFO, a huge file): the console starts, and says why.
      notImported = isAppError(error) ? error.message : 'the earlier audit file could not be read';
    }
    this.store = store;
    this.lastSeq = await store.lastSeq();
    // A row this console wrote was announced when it was written: its own notice is not read back.
    this.unsubscribe = store.subscribe((seq) => {
      if (seq === null || !this.ownSeqs.delete(seq)) this.catchUp();
    });
    this.resolveReady(store);
    return notImported === undefined ? { imported } : { imported, notImported };
  }

  close(): void {
    this.unsubscribe?.();
    if (this.outboxTimer) clearTimeout(this.outboxTimer);
  }

  /** Rows written while the shared store was away, oldest first. */
  private readonly outbox: AuditEntry[] = [];
  private outboxTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  private flushSoon(): void {
    if (this.outboxTimer) return;
    this.outboxTimer = setTimeout(() => {
      this.outboxTimer = null;
      void this.flushOutbox();
    }, OUTBOX_RETRY_MS);
    this.outboxTimer.unref?.();
  }

  /**
   * Writes the rows kept while the store was away, in order, one flush at a time. Each goes as a
   * copy (kept only if no row has its id): a write whose answer was lost with the connection may
   * have landed. When the store is still away the rest wait for the next try.
   */
  private flushOutbox(): Promise<void> {
    this.flushing ??= (async () => {
      const store = await this.ready;
      while (this.outbox.length > 0) {
        try {
          this.noteOwn(store, await store.append(this.outbox[0]!, { copy: true }));
        } catch {
          this.flushSoon();
          return;
        }
        this.outbox.shift();
      }
    })().finally(() => (this.flushing = null));
    return this.flushing;
  }

  async append(entry: Omit<AuditEntry, 'id' | 'at' | 'actor' | 'console'>): Promise<AuditEntry> {
    const full: AuditEntry = { id: randomUUID(), at: new Date(this.clock.now()).toISOString(), ...this.identity, ...entry };
    const store = await this.ready;
    if (this.outbox.length > 0) {
      // Rows are still waiting for the store: this one goes behind them, so the log keeps its order.
      this.outbox.push(full);
      await this.flushOutbox();
      this.announce(full);
      return full;
    }
    try {
      this.noteOwn(store, await store.append(full));
    } catch (error) {
      // The shared store went away between the action and its row (the action was sent): the row
      // waits here and is written when the store answers again, never lost (flushOutbox).
      if (!isAppError(error) || !error.retryable || !store.shared) throw error;
      this.outbox.push(full);
      this.flushSoon();
    }
    this.announce(full);
    return full;
  }

  /** A row this console wrote to the shared store: its notice is not read back, and catch-ups start after it. */
  private noteOwn(store: AuditStore, seq: number | null): void {
    if (seq === null || !store.shared) return;
    // The next catch-up starts here (looking back as ever for rows others were still writing).
    this.lastSeq = Math.max(this.lastSeq, seq);
    this.ownSeqs.add(seq);
    if (this.ownSeqs.size > REMEMBER_ANNOUNCED) this.ownSeqs.delete(this.ownSeqs.values().next().value as number);
  }

  /**
   * Runs `change` and records it with its outcome: what `done` says of its result, or `failed` with
   * `attempt` and the error's message (an unexpected error's details stay in main's log).
   */
  async outcomeOf<T>(
    entry: { action: string; target: string; targetName: string; attempt: string },
    change: () => Promise<T>,
    done: (result: T) => Pick<AuditEntry, 'target' | 'outcome' | 'message'>,
  ): Promise<T> {
    const { action, targetName } = entry;
    let result: T;
    try {
      result = await change();
    } catch (cause) {
      const reason = isAppError(cause) ? cause.message : 'an unexpected error; see the main process log';
      await this.append({ action, target: entry.target, targetName, outcome: 'failed', message: `${entry.attempt} failed: ${reason}` });
      throw cause;
    }
    await this.append({ action, targetName, ...done(result) });
    return result;
  }

  /** Newest first, from every console on the store; only `actor`'s rows when given. */
  async list(limit = 200, actor?: string): Promise<AuditEntry[]> {
    const store = await this.ready;
    // Rows kept while the store was away are offered first, so a list after it is back has them.
    if (this.outbox.length > 0) await this.flushOutbox();
    return store.list({ limit, actor });
  }

  /** Every operator with a row, for Activity's filter. */
  async actors(): Promise<string[]> {
    return (await this.ready).actors();
  }

  private announce(entry: AuditEntry): void {
    if (this.announced.has(entry.id)) return;
    this.announced.add(entry.id);
    if (this.announced.size > REMEMBER_ANNOUNCED) this.announced.delete(this.announced.values().next().value as string);
    this.bus.emit('audit.appended', entry);
  }

  /** Reads rows other consoles wrote since the last look and announces them; one read at a time. */
  private catchUp(): void {
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return;
    }
    const store = this.store;
    if (!store) return;
    this.catchingUp = (async () => {
      do {
        this.catchUpAgain = false;
        const rows = await store.after(Math.max(0, this.lastSeq - CATCH_UP_LOOK_BACK));
        for (const { seq, entry } of rows) {
          this.lastSeq = Math.max(this.lastSeq, seq);
          this.announce(entry);
        }
      } while (this.catchUpAgain);
    })()
      // The store being away is reported by the store's own status; the next change or reconnect catches up.
      .catch(() => undefined)
      .finally(() => (this.catchingUp = null));
  }
}

async function importLegacyAudit(store: AuditStore, folder: string): Promise<number> {
  const file = path.join(folder, LEGACY_AUDIT_FILE);
  if (!existsSync(file)) return 0;
  const text = await readUntrustedText(file, { what: 'audit file', maxBytes: LEGACY_AUDIT_MAX_BYTES });
  let imported = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    // A torn last line after a crash is skipped, not fatal.
    const parsed = AuditEntrySchema.safeParse(safeJson(line));
    if (!parsed.success) continue;
    if ((await store.append({ console: '', ...parsed.data }, { copy: true })) !== null) imported += 1;
  }
  await fs.rename(file, `${file}.imported`);
  return imported;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
