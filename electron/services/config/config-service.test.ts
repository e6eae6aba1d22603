/** Config profiles and revisions over the store on a real SQLite file: immutability, names, restore, bad input. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../rpc/event-bus';
import { auditInMemory } from '../../../test/support/services';
import { sql } from 'kysely';
import { migrate, openDatabase } from '../store/database';
import { openStoreBackend } from '../store/store-backend';
import { CONFIG_MIGRATIONS, ConfigStore } from './config-store';
import { ConfigService, contentHash } from './config-service';
import { failure } from '../../../test/fakes/failure';

const BUTANE = 'variant: flatcar\nversion: 1.1.0\npasswd:\n  users:\n    - name: core\n';

async function setUp(dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-config-'))) {
  // As compose opens it: the embedded database's earlier migrations, then the store on the same connection.
  const file = path.join(dir, 'ironpane.db');
  const database = openDatabase(file);
  migrate(database, CONFIG_MIGRATIONS);
  const store = await openStoreBackend({ sqliteFile: file, database });
  const bus = new EventBus();
  const events: unknown[] = [];
  bus.on((event, payload) => event === 'config.changed' && events.push(payload));
  const audit = await auditInMemory(bus);
  let now = Date.parse('2026-12-01T10:00:00Z');
  const service = new ConfigService({ store: new ConfigStore(store), bus, audit, clock: { now: () => (now += 1000) }, author: 'tester' });
  return { dir, db: database, store, service, audit, events };
}

describe('config service', () => {
  it('keeps every save as an immutable revision with its hash, author and message', async () => {
    const { service, events } = await setUp();
    const profile = await service.create({ name: 'k8s workers', kind: 'butane', content: BUTANE, message: '' });
    expect(profile).toMatchObject({
      name: 'k8s workers',
      kind: 'butane',
      revisionCount: 1,
      latest: { number: 1, contentHash: contentHash(BUTANE), author: 'tester', message: 'First revision' },
    });
    const second = BUTANE.replace('core', 'ops');
    const r2 = await service.save({ profileId: profile.id, content: second, message: 'ops user' });
    expect(r2).toMatchObject({ number: 2, message: 'ops user' });
    expect((await service.history(profile.id)).map((r) => r.number)).toEqual([2, 1]);
    expect((await service.revision(profile.latest!.id)).content).toBe(BUTANE);
    expect(events).toHaveLength(2);
  });

  it('restores an old revision as a new one, and keeps the name through edits and renames', async () => {
    const { service } = await setUp();
    const profile = await service.create({ name: 'edge', kind: 'cloud-config', content: '#cloud-config\nhostname: a\n', message: 'a' });
    await service.save({ profileId: profile.id, content: '#cloud-config\nhostname: b\n', message: 'b' });
    const restored = await service.restore(profile.latest!.id);
    expect(restored).toMatchObject({ number: 3, message: 'Restore r1', contentHash: profile.latest!.contentHash });
    expect((await service.profiles())[0]).toMatchObject({ name: 'edge', revisionCount: 3 });
    await service.rename(profile.id, 'edge nodes');
    expect((await service.profiles())[0]!.name).toBe('edge nodes');
    expect(await service.history(profile.id)).toHaveLength(3);
  });

  it('refuses bad input with a clear message and changes nothing', async () => {
    const { service } = await setUp();
    const profile = await service.create({ name: 'a', kind: 'butane', content: BUTANE, message: '' });
    expect((await failure(service.create({ name: 'A', kind: 'butane', content: BUTANE, message: '' }))).message).toMatch(/already exists/);
    const broken = await failure(
      service.save({ profileId: profile.id, content: 'variant: flatcar\nversion: 1.1.0\nstorage:\n  files:\n    - path: /x\n      mode: nope\n', message: '' }),
    );
    expect(broken).toMatchObject({ code: 'invalid', message: 'The document has an error: line 6, column 13: mode must be a whole number' });
    expect((await failure(service.save({ profileId: profile.id, content: BUTANE, message: '' }))).message).toMatch(/Nothing changed since r1/);
    expect((await failure(service.save({ profileId: profile.id, content: `${BUTANE}# ${'x'.repeat(600 * 1024)}\n`, message: '' }))).message).toMatch(
      /at most 512 KiB/,
    );
    expect((await failure(Promise.resolve().then(() => service.revision('nope')))).code).toBe('not_found');
    expect((await failure(service.save({ profileId: 'nope', content: BUTANE, message: '' }))).code).toBe('not_found');
    expect((await failure(service.create({ name: 'b', kind: 'cloud-config', content: 'hostname: x\n', message: '' }))).message).toMatch(/#cloud-config/);
    expect(await service.history(profile.id)).toHaveLength(1);
  });

  it('survives a reopen: the database file holds everything, migrations run once', async () => {
    const first = await setUp();
    const profile = await first.service.create({
      name: 'talos',
      kind: 'talos',
      content: 'version: v1alpha1\nmachine:\n  type: worker\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: w1\n',
      message: '',
    });
    first.db.close();
    const again = await setUp(first.dir);
    expect(await again.service.profiles()).toMatchObject([{ id: profile.id, name: 'talos', revisionCount: 1 }]);
    expect(again.db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: CONFIG_MIGRATIONS.length });
    expect((await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ironpane_migrations`.execute(again.store.db)).rows[0]!.n).toBe(7);
  });

  it('seeds the lab’s starting configs once, into an empty store, each valid', async () => {
    const { service } = await setUp();
    const { LAB_STARTER_CONFIGS } = await import('../../lab/starter-configs');
    expect(await service.seed(LAB_STARTER_CONFIGS, 'ironpane lab')).toBe(3);
    expect(await service.seed(LAB_STARTER_CONFIGS, 'ironpane lab')).toBe(0);
    expect((await service.profiles()).map((p) => [p.name, p.kind, p.createdBy])).toEqual([
      ['Lab: Flatcar nodes', 'butane', 'ironpane lab'],
      ['Lab: Talos workers', 'talos', 'ironpane lab'],
      ['Lab: Ubuntu databases', 'cloud-config', 'ironpane lab'],
    ]);
  });

  it('keeps the Talos release a Talos profile is checked against', async () => {
    const { service } = await setUp();
    const talos = await service.create({ name: 't', kind: 'talos', content: 'version: v1alpha1\n', message: '' });
    expect(talos.talosVersion).toBeNull();
    expect((await service.setTalosVersion(talos.id, '1.13.9')).talosVersion).toBe('1.13.9');
    const butane = await service.create({ name: 'b', kind: 'butane', content: BUTANE, message: '' });
    expect((await failure(service.setTalosVersion(butane.id, '1.13.9'))).message).toMatch(/not a Talos config/);
  });

  it('audits creates and saves', async () => {
    const { service, audit } = await setUp();
    const profile = await service.create({ name: 'w', kind: 'script', content: '#!/bin/sh\necho hi\n', message: '' });
    await service.save({ profileId: profile.id, content: '#!/bin/sh\necho bye\n', message: 'bye' });
    expect((await audit.list(10)).map((e) => e.message)).toEqual(['Saved r2 of “w”: bye.', 'Created config “w” (script) at r1.']);
  });
});
