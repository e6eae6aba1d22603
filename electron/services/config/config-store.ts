/**
 * Config profiles and their revisions in the store (the desk's SQLite file or a team's PostgreSQL,
 * one set of Kysely queries). A revision is immutable: content, its SHA-256, author, time and
 * message; a profile's name lives on the profile, so editing the content can never lose it.
 * Revision numbers are allocated by the database (the profile row's `last_revision`), so saves from
 * several consoles at once never share a number.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ConfigKind } from '../../../shared/config/kinds';
import type { ConfigProfile, ConfigRevision, ConfigRevisionSummary } from '../../../shared/model';
import type { Migration } from '../store/database';
import { queryStore, type StoreBackend } from '../store/store-backend';
import type { ConfigRevisionTable, StoreSchema } from '../store/store-migrations';

/**
 * How the desk's SQLite file got these tables before configs moved behind the store (kept so a file
 * from any earlier version reaches the same shape; the store's 0005 creates them where missing).
 */
export const CONFIG_MIGRATIONS: Migration[] = [
  {
    id: 'config-1',
    sql: `
      CREATE TABLE config_profiles (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      );
      CREATE TABLE config_revisions (
        id TEXT PRIMARY KEY,
        profile_id TEXT NOT NULL REFERENCES config_profiles(id),
        number INTEGER NOT NULL,
        content TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        message TEXT NOT NULL,
        UNIQUE (profile_id, number)
      );
      CREATE INDEX config_revisions_hash ON config_revisions (content_hash);
    `,
  },
  {
    id: 'config-2',
    sql: `
      -- What provisioning receives (Ignition JSON for Butane): the hash a node's user data is matched on.
      ALTER TABLE config_revisions ADD COLUMN rendered_hash TEXT;
      CREATE INDEX config_revisions_rendered_hash ON config_revisions (rendered_hash);
      CREATE TABLE config_assignments (
        profile_id TEXT NOT NULL REFERENCES config_profiles(id),
        target_kind TEXT NOT NULL CHECK (target_kind IN ('node', 'tag')),
        target TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (target_kind, target)
      );
    `,
  },
  {
    id: 'config-3',
    // The Talos release a Talos profile is checked against (null: the default).
    sql: 'ALTER TABLE config_profiles ADD COLUMN talos_version TEXT;',
  },
];

export interface ConfigAssignment {
  profileId: string;
  targetKind: 'node' | 'tag';
  target: string;
  createdAt: string;
}

type RevisionSummaryRow = Pick<Selectable<ConfigRevisionTable>, 'id' | 'profile_id' | 'number' | 'content_hash' | 'author' | 'created_at' | 'message'>;
const SUMMARY_COLUMNS = ['id', 'profile_id', 'number', 'content_hash', 'author', 'created_at', 'message'] as const;

const summary = (row: RevisionSummaryRow): ConfigRevisionSummary => ({
  id: row.id,
  profileId: row.profile_id,
  number: Number(row.number),
  contentHash: row.content_hash,
  author: row.author,
  createdAt: row.created_at,
  message: row.message,
});

export class ConfigStore {
  private backend: StoreBackend | null = null;

  constructor(backend?: StoreBackend) {
    if (backend) this.open(backend);
  }

  open(backend: StoreBackend): void {
    this.backend = backend;
  }

  /** Calls `handler` with the profile any console changed (PostgreSQL; SQLite has one console). */
  listen(handler: (profileId: string) => void): () => void {
    return this.backend?.listen('ironpane_config', handler) ?? (() => undefined);
  }

  private q<T>(query: (db: Kysely<StoreSchema>) => Promise<T>): Promise<T> {
    return queryStore(this.backend, query);
  }

  /** Every profile with its latest revision, by name. */
  async profiles(): Promise<ConfigProfile[]> {
    return this.profileRows();
  }

  async profile(id: string): Promise<ConfigProfile | undefined> {
    return (await this.profileRows(id))[0];
  }

  /** Each profile's latest revision with its content: what drift renders and compares. */
  async latestRevisions(): Promise<{ profileId: string; id: string; number: number; renderedHash: string | null; content: string }[]> {
    const rows = await this.q((db) =>
      db
        .selectFrom('config_revisions as r')
        .innerJoin('config_profiles as p', (join) => join.onRef('p.id', '=', 'r.profile_id').onRef('p.last_revision', '=', 'r.number'))
        .select(['r.profile_id', 'r.id', 'r.number', 'r.rendered_hash', 'r.content'])
        .execute(),
    );
    return rows.map((r) => ({ profileId: r.profile_id, id: r.id, number: Number(r.number), renderedHash: r.rendered_hash, content: r.content }));
  }

  private async profileRows(id?: string): Promise<ConfigProfile[]> {
    const rows = await this.q((db) => {
      let query = db
        .selectFrom('config_profiles as p')
        .leftJoin('config_revisions as r', (join) => join.onRef('r.profile_id', '=', 'p.id').onRef('r.number', '=', 'p.last_revision'))
        .select([
          'p.id',
          'p.name',
          'p.kind',
          'p.created_at',
          'p.created_by',
          'p.talos_version',
          'p.last_revision',
          'r.id as r_id',
          'r.content_hash as r_hash',
          'r.author as r_author',
          'r.created_at as r_created_at',
          'r.message as r_message',
        ])
        .orderBy(sql`lower(p.name)`);
      if (id !== undefined) query = query.where('p.id', '=', id);
      return query.execute();
    });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      kind: row.kind as ConfigKind,
      createdAt: row.created_at,
      createdBy: row.created_by,
      talosVersion: row.talos_version,
      // Revisions are never deleted, so the last number is the count.
      revisionCount: Number(row.last_revision),
      latest:
        row.r_id === null
          ? null
          : {
              id: row.r_id,
              profileId: row.id,
              number: Number(row.last_revision),
              contentHash: row.r_hash!,
              author: row.r_author!,
              createdAt: row.r_created_at!,
              message: row.r_message!,
            },
    }));
  }

  async profileByName(name: string): Promise<ConfigProfile | undefined> {
    const row = await this.q((db) =>
      db
        .selectFrom('config_profiles')
        .select('id')
        .where(sql`lower(name)`, '=', name.toLowerCase())
        .executeTakeFirst(),
    );
    return row ? this.profile(row.id) : undefined;
  }

  /** Creates the profile and its first revision in one transaction. */
  async createProfile(
    profile: { id: string; name: string; kind: ConfigKind; createdAt: string; createdBy: string },
    first: Omit<ConfigRevision, 'profileId' | 'number'> & { renderedHash: string | null },
  ): Promise<void> {
    await this.q((db) =>
      db.transaction().execute(async (tx) => {
        await tx
          .insertInto('config_profiles')
          .values({
            id: profile.id,
            name: profile.name,
            kind: profile.kind,
            created_at: profile.createdAt,
            created_by: profile.createdBy,
            talos_version: null,
            last_revision: 1,
          })
          .execute();
        await tx
          .insertInto('config_revisions')
          .values(revisionRow({ ...first, profileId: profile.id, number: 1 }))
          .execute();
      }),
    );
  }

  async setTalosVersion(id: string, version: string | null): Promise<void> {
    await this.q((db) => db.updateTable('config_profiles').set({ talos_version: version }).where('id', '=', id).execute());
  }

  async rename(id: string, name: string): Promise<void> {
    await this.q((db) => db.updateTable('config_profiles').set({ name }).where('id', '=', id).execute());
  }

  /**
   * Appends the next revision. Its number is taken by bumping the profile's `last_revision` in the
   * same transaction: the row stays locked until the revision is written, so two saves (on any
   * console) queue there and never share a number.
   */
  async appendRevision(revision: Omit<ConfigRevision, 'number'> & { renderedHash: string | null }): Promise<ConfigRevisionSummary> {
    return this.q((db) =>
      db.transaction().execute(async (tx) => {
        const { last_revision: number } = await tx
          .updateTable('config_profiles')
          .set((eb) => ({ last_revision: eb('last_revision', '+', 1) }))
          .where('id', '=', revision.profileId)
          .returning('last_revision')
          .executeTakeFirstOrThrow();
        const row = revisionRow({ ...revision, number: Number(number) });
        await tx.insertInto('config_revisions').values(row).execute();
        return summary(row);
      }),
    );
  }

  async history(profileId: string): Promise<ConfigRevisionSummary[]> {
    const rows = await this.q((db) =>
      db.selectFrom('config_revisions').select(SUMMARY_COLUMNS).where('profile_id', '=', profileId).orderBy('number', 'desc').execute(),
    );
    return rows.map(summary);
  }

  async revision(id: string): Promise<ConfigRevision | undefined> {
    const row = await this.q((db) => db.selectFrom('config_revisions').selectAll().where('id', '=', id).executeTakeFirst());
    return row ? { ...summary(row), content: row.content } : undefined;
  }

  /** The first revision of each profile with a given rendered output, keyed `profileId:renderedHash`. */
  async revisionsByRenderedHash(): Promise<Map<string, ConfigRevisionSummary>> {
    const rows = await this.q((db) =>
      db
        .selectFrom('config_revisions')
        .select([...SUMMARY_COLUMNS, 'rendered_hash'])
        .where('rendered_hash', 'is not', null)
        .orderBy('number')
        .execute(),
    );
    const map = new Map<string, ConfigRevisionSummary>();
    for (const row of rows) if (!map.has(`${row.profile_id}:${row.rendered_hash}`)) map.set(`${row.profile_id}:${row.rendered_hash}`, summary(row));
    return map;
  }

  async assignments(): Promise<ConfigAssignment[]> {
    const rows = await this.q((db) => db.selectFrom('config_assignments').selectAll().orderBy('target_kind').orderBy('target').execute());
    return rows.map((r) => ({ profileId: r.profile_id, targetKind: r.target_kind, target: r.target, createdAt: r.created_at }));
  }

  /** One profile per node and per tag: assigning again moves it. */
  async assign(profileId: string, targetKind: 'node' | 'tag', targets: readonly string[], at: string): Promise<void> {
    if (targets.length === 0) return;
    await this.q((db) =>
      db.transaction().execute(async (tx) => {
        for (let i = 0; i < targets.length; i += 500) {
          await tx
            .insertInto('config_assignments')
            .values(targets.slice(i, i + 500).map((target) => ({ profile_id: profileId, target_kind: targetKind, target, created_at: at })))
            .onConflict((oc) =>
              oc
                .columns(['target_kind', 'target'])
                .doUpdateSet({ profile_id: (eb) => eb.ref('excluded.profile_id'), created_at: (eb) => eb.ref('excluded.created_at') }),
            )
            .execute();
        }
      }),
    );
  }

  async unassign(targetKind: 'node' | 'tag', target: string): Promise<boolean> {
    const result = await this.q((db) =>
      db.deleteFrom('config_assignments').where('target_kind', '=', targetKind).where('target', '=', target).executeTakeFirst(),
    );
    return Number(result.numDeletedRows) > 0;
  }
}

function revisionRow(r: ConfigRevision & { renderedHash?: string | null }): Selectable<ConfigRevisionTable> {
  return {
    id: r.id,
    profile_id: r.profileId,
    number: r.number,
    content: r.content,
    content_hash: r.contentHash,
    author: r.author,
    created_at: r.createdAt,
    message: r.message,
    rendered_hash: r.renderedHash ?? null,
  };
}

export interface ConfigCopyReport {
  profiles: { read: number; copied: number; alreadyThere: number };
  revisions: number;
  assignments: number;
}

/**
 * Copies configs into another store (`npm run store -- copy`): each profile (by id) with all its
 * revisions, and the assignments. A profile already there is skipped with its revisions; an
 * assignment already there is kept (the team's store decides).
 */
export async function copyConfigs(from: StoreBackend, to: StoreBackend): Promise<ConfigCopyReport> {
  const report: ConfigCopyReport = { profiles: { read: 0, copied: 0, alreadyThere: 0 }, revisions: 0, assignments: 0 };
  const profiles = await from.db.selectFrom('config_profiles').selectAll().orderBy('id').execute();
  report.profiles.read = profiles.length;
  for (const profile of profiles) {
    await to.db.transaction().execute(async (tx) => {
      const copied = await tx
        .insertInto('config_profiles')
        .values(profile)
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!copied) {
        report.profiles.alreadyThere += 1;
        return;
      }
      report.profiles.copied += 1;
      const revisions = await from.db.selectFrom('config_revisions').selectAll().where('profile_id', '=', profile.id).orderBy('number').execute();
      for (let i = 0; i < revisions.length; i += 100)
        await tx
          .insertInto('config_revisions')
          .values(revisions.slice(i, i + 100))
          .execute();
      report.revisions += revisions.length;
    });
  }
  const assignments = await from.db.selectFrom('config_assignments').selectAll().execute();
  for (let i = 0; i < assignments.length; i += 500) {
    const done = await to.db
      .insertInto('config_assignments')
      .values(assignments.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['target_kind', 'target']).doNothing())
      .returning('target')
      .execute();
    report.assignments += done.length;
  }
  return report;
}
