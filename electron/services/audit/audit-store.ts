/**
 * Audit rows in the store (either backend): appended, never changed (the schema's triggers refuse
 * an UPDATE or DELETE), read newest first, filtered by operator, and announced to every console.
 */
import type { Selectable } from 'kysely';
import { AuditEntrySchema, type AuditEntry } from '../../../shared/model';
import { queryStore, type StoreBackend } from '../store/store-backend';
import type { AuditTable } from '../store/store-migrations';

export const AUDIT_CHANNEL = 'ironpane_audit';

const toEntry = (row: Selectable<AuditTable>): AuditEntry | null => {
  const parsed = AuditEntrySchema.safeParse({
    id: row.id,
    at: row.at,
    actor: row.actor,
    console: row.console,
    action: row.action,
    target: row.target,
    targetName: row.target_name,
    outcome: row.outcome,
    message: row.message,
  });
  // A row another version wrote with an outcome this one does not know is left out, not fatal.
  return parsed.success ? parsed.data : null;
};

export class AuditStore {
  constructor(private readonly backend: StoreBackend) {}

  get label(): string {
    return this.backend.label;
  }

  /** Other consoles write here too (PostgreSQL), and their rows are announced. */
  get shared(): boolean {
    return this.backend.dialect === 'postgres';
  }

  /**
   * Writes one row; returns its place in the shared order. `copy`: a row copied in from elsewhere
   * (an earlier version's file, another store), skipped when a row with its id is there already,
   * so a copy interrupted halfway can simply run again.
   */
  async append(entry: AuditEntry, options: { copy?: boolean } = {}): Promise<number | null> {
    // Through queryStore: while the shared store is away this fails at once as retryable, in the
    // store's words, and the audit log keeps the row until it is back (a raw driver error lost it).
    const row = await queryStore(this.backend, (db) =>
      db
        .insertInto('audit_entries')
        .values({
          id: entry.id,
          at: entry.at,
          actor: entry.actor,
          console: entry.console ?? '',
          action: entry.action,
          target: entry.target,
          target_name: entry.targetName,
          outcome: entry.outcome,
          message: entry.message,
        })
        .$if(options.copy === true, (q) => q.onConflict((oc) => oc.column('id').doNothing()))
        .returning('seq')
        .executeTakeFirst(),
    );
    return row?.seq ?? null;
  }

  /** Newest first; only `actor`'s rows when given. */
  async list(options: { limit: number; actor?: string }): Promise<AuditEntry[]> {
    let query = this.backend.db.selectFrom('audit_entries').selectAll().orderBy('seq', 'desc').limit(options.limit);
    if (options.actor) query = query.where('actor', '=', options.actor);
    return (await query.execute()).map(toEntry).filter((e): e is AuditEntry => e !== null);
  }

  /** Rows written after `seq` (by any console), oldest first: what a listener catches up with. */
  async after(seq: number, limit = 1000): Promise<{ seq: number; entry: AuditEntry }[]> {
    const rows = await this.backend.db.selectFrom('audit_entries').selectAll().where('seq', '>', seq).orderBy('seq', 'asc').limit(limit).execute();
    return rows.flatMap((row) => {
      const entry = toEntry(row);
      return entry ? [{ seq: row.seq, entry }] : [];
    });
  }

  /** The newest row's place (0 when there is none). */
  async lastSeq(): Promise<number> {
    const row = await this.backend.db
      .selectFrom('audit_entries')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** Everyone who has a row, for the operator filter. */
  async actors(): Promise<string[]> {
    const rows = await this.backend.db.selectFrom('audit_entries').select('actor').distinct().orderBy('actor').execute();
    return rows.map((r) => r.actor);
  }

  /**
   * Calls `changed` with a row's number when any console appends one (PostgreSQL's trigger announces
   * it; a desk's SQLite store has no other console to hear), and with null when the store comes back
   * after a gap.
   */
  subscribe(changed: (seq: number | null) => void): () => void {
    const offRow = this.backend.listen(AUDIT_CHANNEL, (payload) => changed(Number(payload) || null));
    const offReconnect = this.backend.onReconnect(() => changed(null));
    return () => {
      offRow();
      offReconnect();
    };
  }
}

/**
 * Copies every audit row of one store into another (a desk's into a team's), oldest first, keeping
 * each row's id, time, operator and console. A row already there (same id) is skipped, so an
 * interrupted copy can simply run again.
 */
export async function copyAuditRows(from: AuditStore, to: AuditStore): Promise<{ read: number; copied: number; alreadyThere: number }> {
  const report = { read: 0, copied: 0, alreadyThere: 0 };
  let after = 0;
  for (;;) {
    const rows = await from.after(after, 500);
    if (rows.length === 0) return report;
    for (const { seq, entry } of rows) {
      after = seq;
      report.read += 1;
      if ((await to.append(entry, { copy: true })) === null) report.alreadyThere += 1;
      else report.copied += 1;
    }
  }
}
