/**
 * The connection store: one table for every kind of connection, each write a transaction, and the
 * JSON files of earlier versions imported once (a file it cannot read is left alone, nothing half
 * imported), then kept as a backup that is never read again.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECTION_MIGRATIONS, ConnectionStore, consoleCredentialSecretKey, readConsoleCredential } from './connection-store';
import { migrate, openDatabase } from './database';

function store() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-store-'));
  const db = openDatabase(path.join(dir, 'ironpane.db'));
  migrate(db, CONNECTION_MIGRATIONS);
  return { dir, db, store: new ConnectionStore(db, dir) };
}

describe('ConnectionStore', () => {
  it('keeps each class apart, in the order added; a replace keeps its place', () => {
    const { store: s } = store();
    s.put('provider', { id: 'a', kind: 'metal', name: 'A', settings: { baseUrl: 'https://a' } });
    s.put('provider', { id: 'b', kind: 'redfish', name: 'B', settings: {} });
    s.put('update-server', { id: 'a', kind: 'nebraska', name: 'U', settings: { app: 'x' } });
    s.put('provider', { id: 'a', kind: 'metal', name: 'A renamed', settings: { baseUrl: 'https://a2' } });
    expect(s.list('provider').map((c) => [c.id, c.name])).toEqual([
      ['a', 'A renamed'],
      ['b', 'B'],
    ]);
    expect(s.list('update-server')).toEqual([{ id: 'a', kind: 'nebraska', name: 'U', settings: { app: 'x' } }]);
    expect(s.remove('provider', 'a')).toBe(true);
    expect(s.remove('provider', 'a')).toBe(false);
    expect(s.list('provider').map((c) => c.id)).toEqual(['b']);
  });

  it('imports a legacy file once, keeps it as a backup, and never reads it again', async () => {
    const { dir, store: s } = store();
    writeFileSync(
      path.join(dir, 'update-servers.json'),
      JSON.stringify([{ id: 'u1', name: 'Prod', kind: 'nebraska', baseUrl: 'https://n', app: 'f', hasToken: true }]),
    );
    const toRows = (raw: unknown) =>
      (raw as { id: string; name: string; kind: string }[]).map(({ id, name, kind, ...settings }) => ({ id, name, kind, settings }));
    expect(await s.importOnce('update-servers.json', 'update-server', toRows)).toBe(1);
    expect(existsSync(path.join(dir, 'update-servers.json'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('update-servers.json.migrated-'))).toHaveLength(1);
    // A file put back later is not imported over what the database now holds.
    writeFileSync(path.join(dir, 'update-servers.json'), '[]');
    expect(await s.importOnce('update-servers.json', 'update-server', toRows)).toBe(0);
    expect(s.list('update-server')).toMatchObject([{ id: 'u1', settings: { baseUrl: 'https://n', hasToken: true } }]);
  });

  it('leaves a file it cannot read where it is, with nothing imported, and says which file', async () => {
    const { dir, store: s } = store();
    writeFileSync(path.join(dir, 'console-credentials.json'), '{ not json');
    const notJson = await s.importOnce('console-credentials.json', 'console-credential', () => []).catch((e: Error) => e);
    expect((notJson as Error).message).toMatch(/could not import .*console-credentials\.json \(it is not valid JSON\)\. It was left as it is/);
    expect((notJson as Error).message).not.toContain('not json');
    expect(existsSync(path.join(dir, 'console-credentials.json'))).toBe(true);
    writeFileSync(path.join(dir, 'console-credentials.json'), JSON.stringify([{ name: 'console', username: 'core' }, { nope: true }]));
    const strict = (raw: unknown) =>
      (raw as { name?: string; username?: string }[]).map((c) => {
        if (!c.name) throw new Error('console-credentials.json: an entry has no name');
        return { id: c.name, kind: 'console', name: c.name, settings: { username: c.username } };
      });
    await expect(s.importOnce('console-credentials.json', 'console-credential', strict)).rejects.toThrow(
      /could not import .*console-credentials\.json \(it is not as expected\)/,
    );
    expect(s.list('console-credential')).toEqual([]);
    expect(existsSync(path.join(dir, 'console-credentials.json'))).toBe(true);
  });

  it('reads a console credential for a BMC from the store and the vault, and names one that is missing', async () => {
    const { store: s } = store();
    const vault = new Map<string, string>([[consoleCredentialSecretKey('bmc-root'), 'calvin']]);
    const secrets = { get: async (key: string) => vault.get(key) };
    s.put('console-credential', { id: 'bmc-root', kind: 'console', name: 'bmc-root', settings: { username: 'root' } });
    expect(await readConsoleCredential(s, secrets, 'bmc-root')).toEqual({ username: 'root', password: 'calvin' });
    await expect(readConsoleCredential(s, secrets, 'nope')).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/no console credential “nope”; add it under Connections → Console credentials/),
    });
    vault.clear();
    await expect(readConsoleCredential(s, secrets, 'bmc-root')).rejects.toMatchObject({ code: 'not_found' });
  });
});
