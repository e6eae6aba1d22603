/**
 * Append-only record of who did what, when, to which node, with what result. One JSON line per
 * entry in `audit.jsonl`; entries are never rewritten.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isAppError } from '../../../shared/errors';
import { AuditEntrySchema, type AuditEntry } from '../../../shared/model';
import type { EventBus } from '../../rpc/event-bus';
import type { AppPaths, Clock } from '../ports';

const KEEP_IN_MEMORY = 1000;

export class AuditLog {
  private readonly file: string;
  private recent: AuditEntry[] = [];
  private appending: Promise<void> = Promise.resolve();

  constructor(
    paths: AppPaths,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly actor: string,
  ) {
    this.file = path.join(paths.dataDir, 'audit.jsonl');
  }

  async load(): Promise<void> {
    let text = '';
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
    }
    const entries: AuditEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      // A torn last line after a crash is skipped, not fatal.
      const parsed = AuditEntrySchema.safeParse(safeJson(line));
      if (parsed.success) entries.push(parsed.data);
    }
    this.recent = entries.slice(-KEEP_IN_MEMORY);
  }

  async append(entry: Omit<AuditEntry, 'id' | 'at' | 'actor'>): Promise<AuditEntry> {
    const full: AuditEntry = { id: randomUUID(), at: new Date(this.clock.now()).toISOString(), actor: this.actor, ...entry };
    this.appending = this.appending.then(async () => {
      await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await fs.appendFile(this.file, `${JSON.stringify(full)}\n`, { mode: 0o600 });
    });
    await this.appending;
    this.recent.push(full);
    if (this.recent.length > KEEP_IN_MEMORY) this.recent.shift();
    this.bus.emit('audit.appended', full);
    return full;
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

  /** Newest first. */
  list(limit = 200): AuditEntry[] {
    return this.recent.slice(-limit).reverse();
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
