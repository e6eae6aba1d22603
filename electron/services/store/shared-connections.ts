/**
 * A team's connections (README.md, Running Ironpane for a team): on a PostgreSQL store the
 * `connections` table is the team's list of provider connections, their console settings and update
 * servers, never a secret. Each console mirrors it into its own data folder's table
 * (store/connection-store.ts), which the services read as before: joining writes this console's own
 * rows in (a row already there stays as the team has it), then reads the team's; every write here
 * goes there too, and a notice from another console reads the list again. Console credentials stay
 * on the desk: they name a user whose password is in this console's vault.
 */
import type { Selectable } from 'kysely';
import type { ConnectionClass, ConnectionStore, StoredConnection } from './connection-store';
import type { StoreBackend } from './store-backend';
import type { ConnectionTable } from './store-migrations';

export const SHARED_CONNECTION_CLASSES: readonly ConnectionClass[] = ['provider', 'console-settings', 'update-server'];

const toRow = (r: Selectable<ConnectionTable>): StoredConnection => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  settings: JSON.parse(r.settings) as Record<string, unknown>,
});

export class SharedConnections {
  constructor(
    private readonly backend: StoreBackend,
    private readonly local: ConnectionStore,
  ) {}

  /** Brings this console's rows to the team's list, then the team's list here; says whether it changed anything here. */
  async join(): Promise<boolean> {
    for (const cls of SHARED_CONNECTION_CLASSES) {
      const rows = this.local.list(cls);
      if (rows.length === 0) continue;
      const next = await this.nextPosition(cls);
      await this.backend.db
        .insertInto('connections')
        .values(rows.map((row, i) => ({ class: cls, id: row.id, kind: row.kind, name: row.name, settings: JSON.stringify(row.settings), position: next + i })))
        .onConflict((oc) => oc.columns(['class', 'id']).doNothing())
        .execute();
    }
    return this.pull();
  }

  /** Reads the team's list into this console's table; says whether anything changed. */
  async pull(): Promise<boolean> {
    const rows = await this.backend.db
      .selectFrom('connections')
      .selectAll()
      .where('class', 'in', [...SHARED_CONNECTION_CLASSES])
      .orderBy('position')
      .orderBy('id')
      .execute();
    let changed = false;
    for (const cls of SHARED_CONNECTION_CLASSES) changed = this.local.replaceClass(cls, rows.filter((r) => r.class === cls).map(toRow)) || changed;
    return changed;
  }

  /** Writes one of this console's changes to the team's list (null: removed). */
  async write(cls: ConnectionClass, id: string, row: StoredConnection | null): Promise<void> {
    if (!SHARED_CONNECTION_CLASSES.includes(cls)) return;
    if (row === null) {
      await this.backend.db.deleteFrom('connections').where('class', '=', cls).where('id', '=', id).execute();
      return;
    }
    const position = await this.nextPosition(cls);
    await this.backend.db
      .insertInto('connections')
      .values({ class: cls, id, kind: row.kind, name: row.name, settings: JSON.stringify(row.settings), position })
      .onConflict((oc) =>
        oc.columns(['class', 'id']).doUpdateSet({
          kind: (eb) => eb.ref('excluded.kind'),
          name: (eb) => eb.ref('excluded.name'),
          settings: (eb) => eb.ref('excluded.settings'),
        }),
      )
      .execute();
  }

  /** Calls `handler` when any console changed the team's list. */
  listen(handler: () => void): () => void {
    return this.backend.listen('ironpane_connections', handler);
  }

  private async nextPosition(cls: ConnectionClass): Promise<number> {
    const row = await this.backend.db
      .selectFrom('connections')
      .select((eb) => eb.fn.max('position').as('top'))
      .where('class', '=', cls)
      .executeTakeFirst();
    return row?.top === null || row?.top === undefined ? 0 : Number(row.top) + 1;
  }
}
