/**
 * Config profiles and their revisions in the embedded database. A revision is immutable: content,
 * its SHA-256, author, time and message; a profile's name lives on the profile, so editing the
 * content can never lose it.
 */
import type { ConfigKind } from '../../../shared/config/kinds';
import type { ConfigProfile, ConfigRevision, ConfigRevisionSummary } from '../../../shared/model';
import type { Database, Migration } from '../store/database';

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

interface RevisionRow {
  id: string;
  profile_id: string;
  number: number;
  content_hash: string;
  author: string;
  created_at: string;
  message: string;
  content?: string;
}

interface ProfileRow {
  id: string;
  name: string;
  kind: ConfigKind;
  created_at: string;
  created_by: string;
  talos_version: string | null;
  revisions: number;
  r_id: string | null;
  r_number: number;
  r_hash: string;
  r_author: string;
  r_created_at: string;
  r_message: string;
}

const toProfile = (row: ProfileRow): ConfigProfile => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  createdAt: row.created_at,
  createdBy: row.created_by,
  talosVersion: row.talos_version,
  revisionCount: row.revisions,
  latest:
    row.r_id === null
      ? null
      : {
          id: row.r_id,
          profileId: row.id,
          number: row.r_number,
          contentHash: row.r_hash,
          author: row.r_author,
          createdAt: row.r_created_at,
          message: row.r_message,
        },
});

const summary = (row: RevisionRow): ConfigRevisionSummary => ({
  id: row.id,
  profileId: row.profile_id,
  number: row.number,
  contentHash: row.content_hash,
  author: row.author,
  createdAt: row.created_at,
  message: row.message,
});

export class ConfigStore {
  constructor(private readonly db: Database) {}

  /** Every profile with its latest revision, in one query. */
  profiles(): ConfigProfile[] {
    return this.profileRows('').map(toProfile);
  }

  profile(id: string): ConfigProfile | undefined {
    const row = this.profileRows('WHERE p.id = ?', id)[0];
    return row ? toProfile(row) : undefined;
  }

  /** Each profile's latest revision with its content: what drift renders and compares. */
  latestRevisions(): { profileId: string; id: string; number: number; renderedHash: string | null; content: string }[] {
    return (
      this.db
        .prepare(
          `SELECT r.profile_id, r.id, r.number, r.rendered_hash, r.content FROM config_revisions r
           JOIN (SELECT profile_id, MAX(number) AS n FROM config_revisions GROUP BY profile_id) m ON m.profile_id = r.profile_id AND m.n = r.number`,
        )
        .all() as { profile_id: string; id: string; number: number; rendered_hash: string | null; content: string }[]
    ).map((r) => ({ profileId: r.profile_id, id: r.id, number: r.number, renderedHash: r.rendered_hash, content: r.content }));
  }

  private profileRows(where: string, ...params: unknown[]): ProfileRow[] {
    return this.db
      .prepare(
        `SELECT p.id, p.name, p.kind, p.created_at, p.created_by, p.talos_version,
                (SELECT COUNT(*) FROM config_revisions c WHERE c.profile_id = p.id) AS revisions,
                r.id AS r_id, r.number AS r_number, r.content_hash AS r_hash, r.author AS r_author, r.created_at AS r_created_at, r.message AS r_message
         FROM config_profiles p
         LEFT JOIN config_revisions r ON r.profile_id = p.id AND r.number = (SELECT MAX(number) FROM config_revisions WHERE profile_id = p.id)
         ${where} ORDER BY p.name COLLATE NOCASE`,
      )
      .all(...params) as ProfileRow[];
  }

  profileByName(name: string): ConfigProfile | undefined {
    const row = this.db.prepare('SELECT id FROM config_profiles WHERE name = ?').get(name) as { id: string } | undefined;
    return row ? this.profile(row.id) : undefined;
  }

  /** Creates the profile and its first revision in one transaction. */
  createProfile(
    profile: { id: string; name: string; kind: ConfigKind; createdAt: string; createdBy: string },
    first: Omit<ConfigRevision, 'profileId' | 'number'> & { renderedHash: string | null },
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO config_profiles (id, name, kind, created_at, created_by) VALUES (?, ?, ?, ?, ?)')
        .run(profile.id, profile.name, profile.kind, profile.createdAt, profile.createdBy);
      this.insertRevision({ ...first, profileId: profile.id, number: 1 });
    })();
  }

  setTalosVersion(id: string, version: string | null): void {
    this.db.prepare('UPDATE config_profiles SET talos_version = ? WHERE id = ?').run(version, id);
  }

  rename(id: string, name: string): void {
    this.db.prepare('UPDATE config_profiles SET name = ? WHERE id = ?').run(name, id);
  }

  /** Appends the next revision; numbering is done inside the transaction, so two saves never share one. */
  appendRevision(revision: Omit<ConfigRevision, 'number'> & { renderedHash: string | null }): ConfigRevisionSummary {
    return this.db.transaction(() => {
      const next =
        ((this.db.prepare('SELECT MAX(number) AS n FROM config_revisions WHERE profile_id = ?').get(revision.profileId) as { n: number | null }).n ?? 0) + 1;
      this.insertRevision({ ...revision, number: next });
      return this.revisionSummary(revision.profileId, next)!;
    })();
  }

  history(profileId: string): ConfigRevisionSummary[] {
    const rows = this.db
      .prepare('SELECT id, profile_id, number, content_hash, author, created_at, message FROM config_revisions WHERE profile_id = ? ORDER BY number DESC')
      .all(profileId) as RevisionRow[];
    return rows.map(summary);
  }

  revision(id: string): ConfigRevision | undefined {
    const row = this.db.prepare('SELECT * FROM config_revisions WHERE id = ?').get(id) as RevisionRow | undefined;
    return row ? { ...summary(row), content: row.content! } : undefined;
  }

  private revisionSummary(profileId: string, number: number): ConfigRevisionSummary | null {
    const row = this.db
      .prepare('SELECT id, profile_id, number, content_hash, author, created_at, message FROM config_revisions WHERE profile_id = ? AND number = ?')
      .get(profileId, number) as RevisionRow | undefined;
    return row ? summary(row) : null;
  }

  /** Revisions whose rendered output has this hash, oldest first. */
  revisionsByRenderedHash(): Map<string, ConfigRevisionSummary> {
    const rows = this.db
      .prepare(
        'SELECT id, profile_id, number, content_hash, author, created_at, message, rendered_hash FROM config_revisions WHERE rendered_hash IS NOT NULL ORDER BY number',
      )
      .all() as (RevisionRow & { rendered_hash: string })[];
    const map = new Map<string, ConfigRevisionSummary>();
    for (const row of rows) if (!map.has(`${row.profile_id}:${row.rendered_hash}`)) map.set(`${row.profile_id}:${row.rendered_hash}`, summary(row));
    return map;
  }

  assignments(): ConfigAssignment[] {
    return (
      this.db.prepare('SELECT profile_id, target_kind, target, created_at FROM config_assignments ORDER BY target_kind, target').all() as {
        profile_id: string;
        target_kind: 'node' | 'tag';
        target: string;
        created_at: string;
      }[]
    ).map((r) => ({
      profileId: r.profile_id,
      targetKind: r.target_kind,
      target: r.target,
      createdAt: r.created_at,
    }));
  }

  /** One profile per node and per tag: assigning again moves it. */
  assign(profileId: string, targetKind: 'node' | 'tag', targets: readonly string[], at: string): void {
    const upsert = this.db.prepare(
      'INSERT INTO config_assignments (profile_id, target_kind, target, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (target_kind, target) DO UPDATE SET profile_id = excluded.profile_id, created_at = excluded.created_at',
    );
    this.db.transaction(() => targets.forEach((t) => upsert.run(profileId, targetKind, t, at)))();
  }

  unassign(targetKind: 'node' | 'tag', target: string): boolean {
    return this.db.prepare('DELETE FROM config_assignments WHERE target_kind = ? AND target = ?').run(targetKind, target).changes > 0;
  }

  private insertRevision(r: ConfigRevision & { renderedHash?: string | null }): void {
    this.db
      .prepare(
        'INSERT INTO config_revisions (id, profile_id, number, content, content_hash, author, created_at, message, rendered_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(r.id, r.profileId, r.number, r.content, r.contentHash, r.author, r.createdAt, r.message, r.renderedHash ?? null);
  }
}
