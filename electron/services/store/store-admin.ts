/**
 * What the owner of a team's store does once (README.md, Running Ironpane for a team): bring the schema up to date, give the
 * consoles' database role exactly the rights it needs. (Copying a desk's store in: audit-store.ts's
 * copyAuditRows, put together by the store command.)
 */
import { sql } from 'kysely';
import { AppError } from '../../../shared/errors';
import type { StoreBackend } from './store-backend';
import { MIGRATION_TABLE } from './store-migrations';

/**
 * The app role's rights, table by table. Audit rows may be added and read, never changed or removed
 * (the triggers refuse that for every role too); the migration tables are read to check the schema.
 */
export const APP_ROLE_PRIVILEGES: Record<string, readonly ('SELECT' | 'INSERT' | 'UPDATE' | 'DELETE')[]> = {
  audit_entries: ['SELECT', 'INSERT'],
  node_leases: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // The journal: written and moved on, never deleted (an operation's record is kept).
  operations: ['SELECT', 'INSERT', 'UPDATE'],
  operation_steps: ['SELECT', 'INSERT', 'UPDATE'],
  operation_transcripts: ['SELECT', 'INSERT', 'UPDATE'],
  // Configs: revisions are immutable; a profile is renamed and numbered; assignments come and go.
  config_profiles: ['SELECT', 'INSERT', 'UPDATE'],
  config_revisions: ['SELECT', 'INSERT'],
  config_assignments: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // A request that left the window is deleted by whichever console counts next.
  request_budget_sends: ['SELECT', 'INSERT', 'DELETE'],
  // The team's connections (never a secret): any console adds, edits and removes them.
  connections: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  [MIGRATION_TABLE]: ['SELECT'],
  [`${MIGRATION_TABLE}_lock`]: ['SELECT'],
};
/** Sequences the app role draws row numbers from (a serial column's, named table_column_seq). */
export const APP_ROLE_SEQUENCES = ['audit_entries_seq_seq', 'operations_created_seq_seq'];

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
