/**
 * `npm run store -- <command>`: the shared store's owner tasks from a terminal (README.md, Running Ironpane for a team).
 *
 *   migrate <postgres URL>                 bring the schema up to date (as the database owner)
 *   grant <postgres URL> <role>            give the consoles' role its rights (as the owner)
 *   copy <data folder> <postgres URL>      copy a desk's own store (ironpane.db) into the team's
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isAppError } from '../../../shared/errors';
import { AuditStore, copyAuditRows } from '../../services/audit/audit-store';
import { copyJournal, OPERATIONS_MIGRATIONS } from '../../services/operations/journal';
import { CONFIG_MIGRATIONS, copyConfigs } from '../../services/config/config-store';
import { migrate, openDatabase } from '../../services/store/database';
import { grantAppRole } from '../../services/store/store-admin';
import { openStoreBackend, postgresLabel, storeLocationFromEnv, type StoreBackend } from '../../services/store/store-backend';

const USAGE = `Usage:
  npm run store -- migrate <postgres URL>
  npm run store -- grant <postgres URL> <role>
  npm run store -- copy <data folder> <postgres URL>`;

async function openTeamStore(url: string | undefined): Promise<StoreBackend> {
  if (!url) throw new Error(USAGE);
  const location = storeLocationFromEnv(url, '');
  if (!('postgresUrl' in location)) throw new Error(USAGE);
  return openStoreBackend(location);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === 'migrate') {
    const store = await openTeamStore(args[0]);
    await store.close();
    console.log(`The store ${postgresLabel(args[0]!)} is up to date.`);
  } else if (command === 'grant') {
    if (!args[1]) throw new Error(USAGE);
    const store = await openTeamStore(args[0]);
    try {
      const statements = await grantAppRole(store, args[1]);
      console.log(`Granted ${args[1]} the consoles' rights on ${store.label}:\n  ${statements.join(';\n  ')};`);
    } finally {
      await store.close();
    }
  } else if (command === 'copy') {
    const folder = args[0];
    if (!folder || !args[1]) throw new Error(USAGE);
    const file = path.join(path.resolve(folder), 'ironpane.db');
    if (!existsSync(file)) throw new Error(`There is no Ironpane store in ${folder} (no ironpane.db there).`);
    // An earlier version's file reaches the shape the store expects first (its own migrations), then the store's.
    const database = openDatabase(file);
    migrate(database, [...CONFIG_MIGRATIONS, ...OPERATIONS_MIGRATIONS]);
    const from = await openStoreBackend({ sqliteFile: file, database });
    const to = await openTeamStore(args[1]).catch(async (error: unknown) => {
      await from.close();
      throw error;
    });
    try {
      const audit = await copyAuditRows(new AuditStore(from), new AuditStore(to));
      const journal = await copyJournal(from, to);
      const configs = await copyConfigs(from, to);
      console.log(
        [
          `Copied from ${file} into ${to.label}:`,
          `  audit rows: ${audit.copied} copied, ${audit.alreadyThere} already there (${audit.read} read)`,
          `  configs: ${configs.profiles.copied} copied with ${configs.revisions} revisions, ${configs.profiles.alreadyThere} already there (${configs.profiles.read} read); ${configs.assignments} assignments copied`,
          `  operations: ${journal.operations.copied} copied with ${journal.steps} steps and ${journal.transcripts} transcripts, ${journal.operations.alreadyThere} already there (${journal.operations.read} read)`,
          ...(journal.running > 0 ? [`  ${journal.running} of them had not finished: the first console on ${to.label} drives them on.`] : []),
        ].join('\n'),
      );
    } finally {
      await from.close();
      database.close();
      await to.close();
    }
  } else {
    throw new Error(USAGE);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(isAppError(error) || error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
