/**
 * What the owner of a team's store does once (docs/team.md): bring the schema up to date, give the
 * consoles' database role exactly the rights it needs, and copy a desk's own store in.
 */
import { sql } from 'kysely';
import { AppError } from '../../../shared/errors';
import { AuditStore } from '../audit/audit-store';
import type { StoreBackend } from './store-backend';
import { MIGRATION_TABLE } from './store-migrations';

/**
 * The app role's rights, table by table. Audit rows may be added and read, never changed or removed
 * (the triggers refuse that for every role too); the migration tables are read to check the schema.
 */
export const APP_ROLE_PRIVILEGES: Record<string, readonly ('SELECT' | 'INSERT' | 'UPDATE' | 'DELETE')[]> = {
  audit_entries: ['SELECT', 'INSERT'],
  [MIGRATION_TABLE]: ['SELECT'],
  [`${MIGRATION_TABLE}_lock`]: ['SELECT'],
};
/** Sequences the app role draws row numbers from (a serial column's, named table_column_seq). */
export const APP_ROLE_SEQUENCES = ['audit_entries_seq_seq'];

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Grants `role` the consoles' rights on a PostgreSQL store (run as the owner, after migrating). */
export async function grantAppRole(backend: StoreBackend, role: string): Promise<string[]> {
  if (backend.dialect !== 'postgres') throw new AppError('invalid', 'Roles exist only on a PostgreSQL store.', { retryable: false });
  if (!ROLE_NAME.test(role)) {
    throw new AppError('invalid', `The role name “${role.slice(0, 80)}” is not a plain PostgreSQL name (lower-case letters, digits and _, at most 63).`, {
      retryable: false,
    });
  }
  const statements = [
    `GRANT USAGE ON SCHEMA public TO ${role}`,
    `REVOKE ALL ON ${Object.keys(APP_ROLE_PRIVILEGES).join(', ')} FROM ${role}`,
    ...Object.entries(APP_ROLE_PRIVILEGES).map(([table, rights]) => `GRANT ${rights.join(', ')} ON ${table} TO ${role}`),
    ...APP_ROLE_SEQUENCES.map((sequence) => `GRANT USAGE ON SEQUENCE ${sequence} TO ${role}`),
  ];
  await backend.db.transaction().execute(async (tx) => {
    for (const statement of statements) await sql.raw(statement).execute(tx);
  });
  return statements;
}

/** What a copy moved, for the person who ran it. */
export interface CopyReport {
  audit: { read: number; copied: number; alreadyThere: number };
}

/**
 * Copies a desk's own store into another (a team's): every audit row, oldest first, keeping its id,
 * time and operator. A row already there (same id) is skipped, so an interrupted copy can run again.
 */
export async function copyStore(from: StoreBackend, to: StoreBackend): Promise<CopyReport> {
  const source = new AuditStore(from);
  const target = new AuditStore(to);
  const report: CopyReport = { audit: { read: 0, copied: 0, alreadyThere: 0 } };
  let after = 0;
  for (;;) {
    const rows = await source.after(after, 500);
    if (rows.length === 0) break;
    for (const { seq, entry } of rows) {
      after = seq;
      report.audit.read += 1;
      if ((await target.append(entry, { copy: true })) === null) report.audit.alreadyThere += 1;
      else report.audit.copied += 1;
    }
  }
  return report;
}
