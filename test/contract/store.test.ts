/**
 * The store suite: the same tests on both backends, the embedded SQLite file and a real PostgreSQL
 * started here (initdb + pg_ctl in a temporary folder, stopped by PID). Then what only a shared
 * PostgreSQL store has: several consoles at once, LISTEN/NOTIFY, the app role's grants, and a
 * database that goes away and comes back.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../shared/model';
import { EventBus } from '../../electron/rpc/event-bus';
import { AuditLog } from '../../electron/services/audit/audit-log';
import { AuditStore, copyAuditRows } from '../../electron/services/audit/audit-store';
import { APP_ROLE_PRIVILEGES, grantAppRole } from '../../electron/services/store/store-admin';
import { openStoreBackend, storeLocationFromEnv, type StoreBackend } from '../../electron/services/store/store-backend';
import { MIGRATION_TABLE, pendingMigrations } from '../../electron/services/store/store-migrations';
import { LEASE_MS, NodeLeases } from '../../electron/services/operations/node-leases';
import { copyJournal, OperationJournal } from '../../electron/services/operations/journal';
import { ConfigService } from '../../electron/services/config/config-service';
import { ConfigStore, copyConfigs } from '../../electron/services/config/config-store';
import { SharedRequestBudget } from '../../electron/services/providers/request-budget';
import { CONNECTION_MIGRATIONS, ConnectionStore } from '../../electron/services/store/connection-store';
import { SharedConnections } from '../../electron/services/store/shared-connections';
import { StoreChoice } from '../../electron/services/store/store-choice';
import { migrate, openDatabase } from '../../electron/services/store/database';
import { postgresMissing, startPostgres, teamStore, type PostgresServer } from '../support/postgres';
import { until } from '../support/services';

const missing = postgresMissing();
if (missing) console.warn(`[store] PostgreSQL tests skipped: ${missing}`);

let server: PostgresServer | null = null;
let folder = '';
let databases = 0;

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'ironpane-store-'));
  if (!missing) server = await startPostgres();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(folder, { recursive: true, force: true });
});

/** A fresh store of each kind: a new SQLite file, or a new database on the test server. */
const backends: { name: string; skip: boolean; fresh(): Promise<{ url: string; open(): Promise<StoreBackend> }> }[] = [
  {
    name: 'SQLite',
    skip: false,
    async fresh() {
      const file = path.join(folder, `store-${++databases}.db`);
      return { url: file, open: () => openStoreBackend({ sqliteFile: file }) };
    },
  },
  {
    name: 'PostgreSQL',
    skip: missing !== null,
    async fresh() {
      const url = await server!.createDatabase(`store_${++databases}`);
      return { url, open: () => openStoreBackend({ postgresUrl: url }) };
    },
  },
];

const entry = (n: number, actor = 'alice@desk-1'): AuditEntry => ({
  id: `id-${n}-${Math.random().toString(36).slice(2)}`,
  at: new Date(Date.UTC(2026, 11, 7, 12, 0, n)).toISOString(),
  actor,
  console: 'desk-1/abc123',
  action: 'power.power_off',
  target: `lab:${n}`,
  targetName: `node-${n}`,
  outcome: 'accepted',
  message: `Power off node-${n}`,
});

describe.each(backends)('the store on $name', ({ skip, fresh }) => {
  it.skipIf(skip)('migrates a new store once; opening it again changes nothing', async () => {
    const { open } = await fresh();
    const first = await open();
    expect(await pendingMigrations(first.db, first.dialect)).toEqual([]);
    const applied = await sql<{ name: string }>`SELECT name FROM ${sql.table(MIGRATION_TABLE)}`.execute(first.db);
    expect(applied.rows.map((r) => r.name)).toEqual([
      '0001-audit',
      '0002-node-leases',
      '0003-operations',
      '0004-operation-drivers',
      '0005-config',
      '0006-request-budgets',
      '0007-connections',
    ]);
    await first.close();
    const again = await open();
    expect((await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(MIGRATION_TABLE)}`.execute(again.db)).rows[0]!.n).toEqual(
      again.dialect === 'postgres' ? '7' : 7,
    );
    await again.close();
  });

  it.skipIf(skip)('keeps audit rows newest first, filters by operator, and lists the operators', async () => {
    const { open } = await fresh();
    const backend = await open();
    const store = new AuditStore(backend);
    for (let n = 1; n <= 5; n++) await store.append(entry(n, n % 2 ? 'alice@desk-1' : 'bob@desk-2'));
    expect((await store.list({ limit: 3 })).map((e) => e.targetName)).toEqual(['node-5', 'node-4', 'node-3']);
    expect((await store.list({ limit: 10, actor: 'bob@desk-2' })).map((e) => e.targetName)).toEqual(['node-4', 'node-2']);
    expect(await store.actors()).toEqual(['alice@desk-1', 'bob@desk-2']);
    expect((await store.list({ limit: 1 }))[0]).toMatchObject({ console: 'desk-1/abc123', outcome: 'accepted' });
    await backend.close();
  });

  it.skipIf(skip)('refuses to change or delete an audit row, whoever asks', async () => {
    const { open } = await fresh();
    const backend = await open();
    await new AuditStore(backend).append(entry(1));
    await expect(backend.db.updateTable('audit_entries').set({ message: 'nothing happened' }).execute()).rejects.toThrow(/append-only/);
    await expect(backend.db.deleteFrom('audit_entries').execute()).rejects.toThrow(/append-only/);
    expect(await new AuditStore(backend).list({ limit: 5 })).toHaveLength(1);
    await backend.close();
  });

  it.skipIf(skip)('allocates row numbers in the database: 200 appends from two connections at once, none lost or doubled', async () => {
    const { open } = await fresh();
    const [a, b] = [await open(), await open()];
    const written = Array.from({ length: 200 }, (_, n) => entry(n));
    const seqs = await Promise.all(written.map((e, n) => new AuditStore(n % 2 ? a : b).append(e)));
    expect(new Set(seqs).size).toBe(200);
    const read = await new AuditStore(a).list({ limit: 1000 });
    expect(new Set(read.map((e) => e.id))).toEqual(new Set(written.map((e) => e.id)));
    await a.close();
    await b.close();
  });

  it.skipIf(skip)('a copied row already there is skipped, so a copy can run again', async () => {
    const { open } = await fresh();
    const backend = await open();
    const store = new AuditStore(backend);
    const row = entry(1);
    expect(await store.append(row, { copy: true })).not.toBeNull();
    expect(await store.append(row, { copy: true })).toBeNull();
    await expect(store.append(row)).rejects.toThrow();
    await backend.close();
  });
});

const quiet = { info() {}, warn() {}, error() {} };
const consoleOn = (backend: StoreBackend, name: string, now: () => number) => {
  const leases = new NodeLeases({ actor: name, console: `${name}-desk/000000` }, { now }, quiet);
  leases.open(backend);
  return leases;
};
const stepOn = (node: number, id: string) => ({ nodeId: `lab:${node}`, hostname: `node-${node}`, operationId: `op-${id}`, id });

describe.each(backends)('node leases on $name', ({ skip, fresh }) => {
  it.skipIf(skip)('one console at a time per node: the other is refused naming who holds it, until it lets go or its lease runs out', async () => {
    const { open } = await fresh();
    const [a, b] = [await open(), await open()];
    let now = Date.UTC(2026, 11, 7, 14, 2, 0);
    const alice = consoleOn(a, 'alice', () => now);
    const bob = consoleOn(b, 'bob', () => now);
    await alice.claim(stepOn(1, 's1'), 'Reprovision');
    await expect(bob.claim(stepOn(1, 's2'), 'Power off')).rejects.toMatchObject({
      code: 'conflict',
      retryable: true,
      message: expect.stringMatching(/node-1 is busy: alice \(console alice-desk\/000000\) is running Reprovision on it since 14:02 UTC/),
    });
    await expect(bob.ensureFree('lab:1', 'node-1')).rejects.toThrow(/alice/);
    await alice.ensureFree('lab:1', 'node-1');
    // Its own console takes it again (a resumed step, the next step on the node).
    await alice.claim(stepOn(1, 's3'), 'Power on');
    expect((await bob.heldByOthers()).map((l) => [l.nodeId, l.actor, l.stepId])).toEqual([['lab:1', 'alice', 's3']]);
    await alice.release(stepOn(1, 's3'));
    await bob.claim(stepOn(1, 's2'), 'Power off');
    // Bob's console dies: after the lease runs out Alice may take the node; renewing keeps it.
    now += LEASE_MS - 1_000;
    expect(await bob.renew()).toBe(1);
    now += LEASE_MS - 1_000;
    await expect(alice.claim(stepOn(1, 's4'), 'Reboot')).rejects.toThrow(/bob/);
    now += 2_000;
    await alice.claim(stepOn(1, 's4'), 'Reboot');
    expect((await bob.holder('lab:1'))?.actor).toBe('alice');
    alice.close();
    bob.close();
    await a.close();
    await b.close();
  });

  it.skipIf(skip)('two consoles claiming the same 20 nodes at once: each node goes to exactly one', async () => {
    const { open } = await fresh();
    const [a, b] = [await open(), await open()];
    const alice = consoleOn(a, 'alice', Date.now);
    const bob = consoleOn(b, 'bob', Date.now);
    const tries = Array.from({ length: 20 }, (_, n) => [
      alice.claim(stepOn(n, `a${n}`), 'Reprovision').then(
        () => 'alice',
        () => null,
      ),
      bob.claim(stepOn(n, `b${n}`), 'Reprovision').then(
        () => 'bob',
        () => null,
      ),
    ]);
    const winners = await Promise.all(tries.map(async (pair) => (await Promise.all(pair)).filter(Boolean)));
    expect(winners.every((w) => w.length === 1)).toBe(true);
    for (let n = 0; n < 20; n++) expect((await alice.holder(`lab:${n}`))?.actor).toBe(winners[n]![0]);
    alice.close();
    bob.close();
    await a.close();
    await b.close();
  });
});

const plan = (count: number) =>
  Array.from({ length: count }, (_, n) => ({ nodeId: `lab:${n}`, hostname: `node-${n}`, kind: 'power', params: { action: 'reboot' } }));
const BULK = { maxParallel: 5, canary: false, stopAfterFailures: 0 };

describe.each(backends)('the operations journal on $name', ({ skip, fresh }) => {
  it.skipIf(skip)('writes an operation with its steps, moves each step on, counts them, and closes the operation once none is open', async () => {
    const { open } = await fresh();
    const store = await open();
    const journal = new OperationJournal(store);
    const t0 = new Date('2026-12-07T12:00:00.000Z');
    const { operation, steps } = await journal.create('power', 'Reboot 3 nodes', 'alice@desk-1', plan(3), t0, BULK, { console: 'desk-1/aaaaaa', expiresAt: 1 });
    expect(operation).toMatchObject({ status: 'running', policy: BULK, control: 'run', driver: 'desk-1/aaaaaa', retriedBy: null });
    expect(steps.map((s) => [s.seq, s.hostname, s.state, s.params])).toEqual([
      [0, 'node-0', 'pending', { action: 'reboot' }],
      [1, 'node-1', 'pending', { action: 'reboot' }],
      [2, 'node-2', 'pending', { action: 'reboot' }],
    ]);
    const sending = await journal.transition(steps[0]!.id, 'sending', 'Sending.', t0);
    expect(sending).toMatchObject({ state: 'sending', attempts: 1, startedAt: t0.toISOString(), sentAt: null });
    const t1 = new Date(t0.getTime() + 2_000);
    expect(await journal.transition(steps[0]!.id, 'sent', 'Requested.', t1)).toMatchObject({
      state: 'sent',
      attempts: 1,
      startedAt: t0.toISOString(),
      sentAt: t1.toISOString(),
    });
    expect(await journal.setParams(steps[0]!.id, { action: 'reboot', beforeSend: 'x' })).toMatchObject({ params: { action: 'reboot', beforeSend: 'x' } });
    const t2 = new Date(t0.getTime() + 4_000);
    expect(await journal.transition(steps[0]!.id, 'succeeded', 'Rebooted.', t2)).toMatchObject({ state: 'succeeded', finishedAt: t2.toISOString() });
    expect(await journal.averageStepMs(operation.id)).toBeCloseTo(4_000, 0);
    expect(await journal.counts(operation.id)).toEqual({ pending: 2, sending: 0, sent: 0, succeeded: 1, failed: 0 });
    expect((await journal.unfinished(operation.id)).map((s) => s.hostname)).toEqual(['node-1', 'node-2']);
    expect(await journal.settle(operation.id, t2, 'Cancelled before it ran.')).toBeNull();
    await journal.transition(steps[1]!.id, 'failed', 'Cancelled before it ran.', t2);
    await journal.transition(steps[2]!.id, 'failed', 'BMC said no.', t2);
    expect(await journal.cancelledCount(operation.id, 'Cancelled before it ran.')).toBe(1);
    expect(await journal.settle(operation.id, t2, 'Cancelled before it ran.')).toBe('failed');
    expect(await journal.operation(operation.id)).toMatchObject({ status: 'failed', finishedAt: t2.toISOString(), driver: null });
    await journal.saveTranscript(steps[2]!.id, 'login: ');
    await journal.saveTranscript(steps[2]!.id, 'login: core\n$ ');
    expect(await journal.transcript(steps[2]!.id)).toBe('login: core\n$ ');
    expect([...(await journal.stepsWithTranscript(operation.id))]).toEqual([steps[2]!.id]);
    expect((await journal.recentSucceeded('lab:0', 'power')).map((s) => s.id)).toEqual([steps[0]!.id]);
    await store.close();
  });

  it.skipIf(skip)('lists the newest first, in the order written when the time is the same', async () => {
    const { open } = await fresh();
    const store = await open();
    const journal = new OperationJournal(store);
    const at = new Date('2026-12-07T12:00:00.000Z');
    for (const label of ['first', 'second', 'third']) await journal.create('power', label, 'alice', plan(1), at);
    expect((await journal.recent(2)).map((op) => op.label)).toEqual(['third', 'second']);
    expect((await journal.running()).map((op) => op.label)).toEqual(['first', 'second', 'third']);
    await store.close();
  });

  it.skipIf(skip)(
    'each running operation is driven by one console: two adopting 20 orphans at once take each exactly once, and a hold that runs out passes on',
    async () => {
      const { open } = await fresh();
      // A desk's SQLite store has one console, on one connection (two in one thread could wait on each other's lock).
      const a = await open();
      const b = a.dialect === 'sqlite' ? a : await open();
      const [alice, bob] = [new OperationJournal(a), new OperationJournal(b)];
      const now = Date.now();
      const ids: string[] = [];
      // Written by a console that died (its hold ran out long ago).
      for (let n = 0; n < 20; n++)
        ids.push((await alice.create('power', `op ${n}`, 'carol', plan(2), new Date(), BULK, { console: 'carol/dead00', expiresAt: now - 1 })).operation.id);
      const [byAlice, byBob] = await Promise.all([alice.adopt('alice/000000', now, 30_000), bob.adopt('bob/000000', now, 30_000)]);
      expect([...byAlice, ...byBob].sort()).toEqual([...ids].sort());
      expect(byAlice.filter((id) => byBob.includes(id))).toEqual([]);
      // Held and renewed: nobody else takes them; adopting again returns a console's own (its restart).
      expect(await bob.adopt('bob/000000', now + 1_000, 30_000)).toEqual(byBob);
      expect(await alice.renewDriving('alice/000000', [...byAlice, ...byBob], now + 20_000, 30_000)).toEqual(expect.arrayContaining(byAlice));
      expect((await alice.renewDriving('alice/000000', byBob, now + 20_000, 30_000)).length).toBe(0);
      // Bob stops renewing: after his hold ran out, Alice adopts his, and Bob's renewal finds them gone.
      const taken = await alice.adopt('alice/000000', now + 31_000, 30_000);
      expect([...taken].sort()).toEqual([...ids].sort());
      expect(await bob.renewDriving('bob/000000', byBob, now + 32_000, 30_000)).toEqual([]);
      // A finished operation is nobody's.
      for (const step of await alice.steps(ids[0]!)) await alice.transition(step.id, 'succeeded', 'Rebooted.', new Date());
      expect(await alice.settle(ids[0]!, new Date(), 'x')).toBe('succeeded');
      const later = await bob.adopt('bob/000000', now + 120_000, 30_000);
      expect(later).toHaveLength(19);
      expect(later).not.toContain(ids[0]);
      await a.close();
      if (b !== a) await b.close();
    },
  );
});

const butane = (n: number) => `variant: flatcar\nversion: 1.1.0\npasswd:\n  users:\n    - name: user${n}\n`;
const configOn = (store: StoreBackend, author: string) =>
  new ConfigService({ store: new ConfigStore(store), bus: new EventBus(), audit: silentAudit(), clock: { now: Date.now }, author });
/** An audit log that keeps nothing: these tests are about configs. */
const silentAudit = () => ({ append: async () => ({}) }) as unknown as AuditLog;

describe.each(backends)('configs on $name', ({ skip, fresh }) => {
  it.skipIf(skip)('numbers revisions in the database: 200 saves of one config from two consoles at once, none lost or doubled', async () => {
    const { open } = await fresh();
    const a = await open();
    const b = a.dialect === 'sqlite' ? a : await open();
    const [alice, bob] = [configOn(a, 'alice'), configOn(b, 'bob')];
    const profile = await alice.create({ name: 'Workers', kind: 'butane', content: butane(0), message: 'first' });
    const saved = await Promise.all(
      Array.from({ length: 200 }, (_, n) => (n % 2 ? bob : alice).save({ profileId: profile.id, content: butane(n + 1), message: `save ${n + 1}` })),
    );
    const numbers = saved.map((r) => r.number).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, n) => n + 2));
    const history = await bob.history(profile.id);
    expect(history).toHaveLength(201);
    expect(new Set(history.map((r) => r.number)).size).toBe(201);
    expect((await alice.profile(profile.id)).latest?.number).toBe(201);
    // Names are one per store whatever their case, on both dialects.
    await expect(bob.create({ name: 'workers', kind: 'butane', content: butane(1), message: '' })).rejects.toThrow(/already exists/);
    await a.close();
    if (b !== a) await b.close();
  });
});

describe('a store address that is not a working PostgreSQL (misbehaving loopback peers)', () => {
  const peer = async (onSocket: (socket: net.Socket) => void) => {
    const server = net.createServer(onSocket);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as net.AddressInfo).port };
  };

  it('gives up on a server that accepts and never answers within the connect deadline, naming the store', async () => {
    const sockets: net.Socket[] = [];
    const { server, port } = await peer((socket) => sockets.push(socket));
    const started = Date.now();
    const error = await openStoreBackend({ postgresUrl: `postgres://u:silent-pw@127.0.0.1:${port}/db` }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'unavailable', retryable: true });
    expect(String(error)).toMatch(/The shared store u@127\.0\.0\.1:\d+\/db cannot be reached: it did not answer in time/);
    expect(String(error)).not.toContain('silent-pw');
    expect(Date.now() - started).toBeLessThan(15_000);
    sockets.forEach((s) => s.destroy());
    server.close();
  }, 20_000);

  it('refuses a server that answers something else (an HTTP page, then a flood) without taking the process down', async () => {
    const { server, port } = await peer((socket) => {
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n<html>not postgres</html>');
      socket.write(Buffer.alloc(4 * 1024 * 1024, 0x41));
      socket.end();
    });
    const error = await openStoreBackend({ postgresUrl: `postgres://u:http-pw@127.0.0.1:${port}/db` }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect(String(error)).toMatch(/The shared store u@127\.0\.0\.1:\d+\/db cannot be reached/);
    expect(String(error)).not.toMatch(/http-pw|not postgres/);
    server.close();
  }, 20_000);
});

describe.skipIf(missing !== null)('a team’s PostgreSQL store', () => {
  it('shows each console the rows another console writes, live, without reading the database on a timer', async () => {
    const url = await server!.createDatabase('live');
    const [a, b] = [await openStoreBackend({ postgresUrl: url }), await openStoreBackend({ postgresUrl: url })];
    const busB = new EventBus();
    const seenByB: { entry: AuditEntry; at: number }[] = [];
    busB.on((event, payload) => event === 'audit.appended' && seenByB.push({ entry: payload as AuditEntry, at: Date.now() }));
    const logA = new AuditLog(new EventBus(), { now: () => Date.now() }, { actor: 'alice@desk-1', console: 'desk-1/aaaaaa' });
    const logB = new AuditLog(busB, { now: () => Date.now() }, { actor: 'bob@desk-2', console: 'desk-2/bbbbbb' });
    await logA.open(new AuditStore(a));
    await logB.open(new AuditStore(b));
    const started = Date.now();
    const written = await logA.append({ action: 'reinstall', target: 'lab:1', targetName: 'node-1', outcome: 'accepted', message: 'Reprovision node-1' });
    await until(
      () => seenByB.length,
      (n) => n === 1,
      5_000,
    );
    expect(seenByB[0]!.entry).toMatchObject({ id: written.id, actor: 'alice@desk-1', console: 'desk-1/aaaaaa' });
    const delay = seenByB[0]!.at - started;
    console.log(`[store] a row written on console A reached console B's bus in ${delay} ms`);
    expect(delay).toBeLessThan(1_000);
    // B's own row is announced once on B, not again when its NOTIFY comes back.
    await logB.append({ action: 'power.power_on', target: 'lab:2', targetName: 'node-2', outcome: 'accepted', message: 'Power on node-2' });
    await new Promise((r) => setTimeout(r, 300));
    expect(seenByB.map((s) => s.entry.targetName)).toEqual(['node-1', 'node-2']);
    expect((await logB.list(10, 'alice@desk-1')).map((e) => e.targetName)).toEqual(['node-1']);
    logA.close();
    logB.close();
    await a.close();
    await b.close();
  });

  it('tells every console when an operation moves, within a second, without reading on a timer', async () => {
    const url = await server!.createDatabase('operations_live');
    const [a, b] = [await openStoreBackend({ postgresUrl: url }), await openStoreBackend({ postgresUrl: url })];
    const heardByB: { id: string; at: number }[] = [];
    const stop = new OperationJournal(b).listen((id) => heardByB.push({ id, at: Date.now() }));
    const alice = new OperationJournal(a);
    const started = Date.now();
    const { operation, steps } = await alice.create('reprovision', 'Reprovision 30 nodes', 'alice', plan(30), new Date(), BULK);
    await until(
      () => heardByB.length,
      (n) => n >= 1,
      5_000,
    );
    console.log(`[store] an operation written on console A was heard on console B after ${heardByB[0]!.at - started} ms`);
    expect(heardByB[0]!.at - started).toBeLessThan(1_000);
    // One transaction of 31 rows is one notice (PostgreSQL folds the same payload).
    await new Promise((r) => setTimeout(r, 200));
    expect(heardByB.map((h) => h.id)).toEqual([operation.id]);
    const before = heardByB.length;
    await alice.transition(steps[4]!.id, 'sending', 'Sending.', new Date());
    await until(
      () => heardByB.length,
      (n) => n > before,
      5_000,
    );
    stop();
    await a.close();
    await b.close();
  });

  it('tells every console when a config changes: a save on A is heard on B', async () => {
    const url = await server!.createDatabase('config_live');
    const [a, b] = [await openStoreBackend({ postgresUrl: url }), await openStoreBackend({ postgresUrl: url })];
    const busB = new EventBus();
    const heard: { profileId: string; at: number }[] = [];
    busB.on((event, payload) => event === 'config.changed' && heard.push({ ...(payload as { profileId: string }), at: Date.now() }));
    const onB = new ConfigService({ store: new ConfigStore(b), bus: busB, audit: silentAudit(), clock: { now: Date.now }, author: 'bob' });
    const stop = onB.listen();
    const alice = configOn(a, 'alice');
    const started = Date.now();
    const profile = await alice.create({ name: 'Edge', kind: 'butane', content: butane(0), message: '' });
    await until(
      () => heard.length,
      (n) => n >= 1,
      5_000,
    );
    expect(heard[0]!.profileId).toBe(profile.id);
    console.log(`[store] a config created on console A was heard on console B after ${heard[0]!.at - started} ms`);
    await alice.save({ profileId: profile.id, content: butane(1), message: '' });
    await until(
      () => heard.length,
      (n) => n >= 2,
      5_000,
    );
    expect((await onB.profile(profile.id)).latest?.number).toBe(2);
    stop();
    await a.close();
    await b.close();
  });

  it('keeps an account’s request limit across two consoles: together never more than the limit in any window, reads first', async () => {
    const url = await server!.createDatabase('budget');
    const [a, b] = [await openStoreBackend({ postgresUrl: url }), await openStoreBackend({ postgresUrl: url })];
    const rate = { limit: 20, windowMs: 1_000 };
    const budgets = [new SharedRequestBudget(a, 'lab http://127.0.0.1:1 p', rate, quiet), new SharedRequestBudget(b, 'lab http://127.0.0.1:1 p', rate, quiet)];
    const granted: number[] = [];
    const started = Date.now();
    await Promise.all(
      budgets.flatMap((budget) => Array.from({ length: 50 }, (_, n) => budget.take(n % 5 === 0 ? 'write' : 'read').then(() => granted.push(Date.now())))),
    );
    const took = Date.now() - started;
    granted.sort((x, y) => x - y);
    // A sliding window over the grants as this process saw them (the store counts on the database's clock; 30 ms of slack for the round trip).
    const worst = Math.max(...granted.map((t) => granted.filter((u) => u >= t && u < t + rate.windowMs - 30).length));
    console.log(`[store] 100 requests from two consoles under 20 per second: ${took} ms, at most ${worst} in any second`);
    expect(worst).toBeLessThanOrEqual(rate.limit);
    // The limit is used, not wasted: 100 requests at 20 a second take four windows and a bit, not much more.
    expect(took).toBeGreaterThanOrEqual(3_900);
    expect(took).toBeLessThan(7_000);
    await a.close();
    await b.close();
  });

  it('shares connections, never credentials: each console mirrors the team’s list and hears the others’ changes', async () => {
    const url = await server!.createDatabase('connections_shared');
    const desk = (name: string) => {
      const db = openDatabase(path.join(folder, `${name}-connections.db`));
      migrate(db, CONNECTION_MIGRATIONS);
      return { db, store: new ConnectionStore(db, folder) };
    };
    const [a, b] = [desk('alice'), desk('bob')];
    const metal = (id: string, name: string) => ({ id, kind: 'metal', name, settings: { baseUrl: 'http://127.0.0.1:1/metal/v1', projectId: 'p' } });
    a.store.put('provider', metal('m-1', 'Alice’s Metal'));
    a.store.put('console-credential', { id: 'bmc-root', kind: 'console-credential', name: 'bmc-root', settings: { username: 'root' } });
    const [teamA, teamB] = [await openStoreBackend({ postgresUrl: url }), await openStoreBackend({ postgresUrl: url })];
    const sharedA = new SharedConnections(teamA, a.store);
    const sharedB = new SharedConnections(teamB, b.store);
    expect(await sharedA.join()).toBe(false);
    expect(await sharedB.join()).toBe(true);
    expect(b.store.list('provider').map((c) => c.name)).toEqual(['Alice’s Metal']);
    // Console credentials stay on the desk.
    expect(b.store.list('console-credential')).toEqual([]);
    // Bob adds one, as the connection service writes it; Alice hears of it and reads the list again.
    let heard = 0;
    const stop = sharedA.listen(() => heard++);
    b.store.onWrite = (cls, id, row) => void sharedB.write(cls, id, row);
    b.store.put('provider', metal('m-2', 'Bob’s Metal'));
    await until(
      () => heard,
      (n) => n >= 1,
      5_000,
    );
    expect(await sharedA.pull()).toBe(true);
    expect(a.store.list('provider').map((c) => c.name)).toEqual(['Alice’s Metal', 'Bob’s Metal']);
    b.store.remove('provider', 'm-1');
    await until(
      () => heard,
      (n) => n >= 2,
      5_000,
    );
    await sharedA.pull();
    expect(a.store.list('provider').map((c) => c.id)).toEqual(['m-2']);
    const rows = await teamA.db.selectFrom('connections').select(['class', 'settings']).execute();
    expect(rows.every((r) => r.class !== 'console-credential' && !/token|password/i.test(r.settings))).toBe(true);
    stop();
    a.db.close();
    b.db.close();
    await teamA.close();
    await teamB.close();
  });

  it('keeps a team’s store chosen on the Connections screen for the next start: checked first, its password in the vault, IRONPANE_STORE first', async () => {
    const appUrl = await teamStore(server!, 'chosen', 'ironpane_chooser', 'chooser-password');
    const dir = mkdtempSync(path.join(folder, 'choice-'));
    const vault = new Map<string, string>();
    const secrets = {
      protection: 'test',
      get: async (k: string) => vault.get(k),
      set: async (k: string, v: string) => void vault.set(k, v),
      delete: async (k: string) => void vault.delete(k),
    };
    const choice = new StoreChoice(dir, secrets as never, undefined);
    const withoutPassword = appUrl.replace(':chooser-password', '');
    await expect(choice.choose(appUrl, '')).rejects.toMatchObject({
      code: 'invalid',
      detail: 'url',
      message: expect.stringMatching(/leave the password out of the address/),
    });
    await expect(choice.choose(withoutPassword, 'wrong-password')).rejects.toThrow(/ironpane_chooser@127\.0\.0\.1:\d+\/chosen/);
    expect(await choice.view()).toEqual({ chosen: null, fromEnvironment: null });
    expect(await choice.choose(withoutPassword, 'chooser-password')).toEqual({
      chosen: expect.stringMatching(/^ironpane_chooser@127\.0\.0\.1:\d+\/chosen$/),
      fromEnvironment: null,
    });
    expect(readFileSync(path.join(dir, 'store-choice.json'), 'utf8')).not.toContain('chooser-password');
    expect(vault.get('store/password')).toBe('chooser-password');
    const opened = await openStoreBackend({ postgresUrl: (await choice.connectionString())! });
    expect(opened.status()).toMatchObject({ shared: true, reachable: true });
    await opened.close();
    // IRONPANE_STORE decides when it is set; back to the desk's own clears the choice and the password.
    expect(await new StoreChoice(dir, secrets as never, 'postgres://other@db:5432/x').connectionString()).toBe('postgres://other@db:5432/x');
    expect(await choice.useOwn()).toEqual({ chosen: null, fromEnvironment: null });
    expect(await choice.connectionString()).toBeUndefined();
    expect(vault.has('store/password')).toBe(false);
    // A file that is not one Ironpane wrote is refused by name, its text never quoted.
    writeFileSync(path.join(dir, 'store-choice.json'), 'postgres://x:leaked-password@db/x');
    const refused = await choice.connectionString().catch((e: Error) => e);
    expect(String(refused)).toMatch(/store-choice\.json is not a store choice Ironpane wrote/);
    expect(String(refused)).not.toContain('leaked-password');
  });

  it('gives the app role what the consoles need and nothing more: it adds and reads audit rows, never changes or deletes them', async () => {
    await server!.createDatabase('granted');
    const ownerStore = await openStoreBackend({ postgresUrl: server!.ownerUrl('granted') });
    const appUrl = await server!.createRole('ironpane_app', 'app-password', 'granted');
    const statements = await grantAppRole(ownerStore, 'ironpane_app');
    expect(statements.join('\n')).toMatch(/GRANT SELECT, INSERT ON audit_entries TO ironpane_app/);
    await expect(grantAppRole(ownerStore, 'x; DROP TABLE audit_entries')).rejects.toThrow(/not a plain PostgreSQL name/);
    const app = await openStoreBackend({ postgresUrl: appUrl });
    await new AuditStore(app).append(entry(1));
    expect(await new AuditStore(app).list({ limit: 5 })).toHaveLength(1);
    // Refused by the grants, before the trigger is reached: permission denied.
    await expect(app.db.updateTable('audit_entries').set({ message: 'x' }).execute()).rejects.toThrow(/permission denied/);
    await expect(app.db.deleteFrom('audit_entries').execute()).rejects.toThrow(/permission denied/);
    await expect(sql`TRUNCATE audit_entries`.execute(app.db)).rejects.toThrow(/permission denied/);
    await expect(sql`DROP TABLE audit_entries`.execute(app.db)).rejects.toThrow(/must be owner/);
    // Every table the schema has is in the grant list, so a new table is never forgotten.
    const tables = await sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`.execute(ownerStore.db);
    expect(tables.rows.map((r) => r.tablename).sort()).toEqual(Object.keys(APP_ROLE_PRIVILEGES).sort());
    await app.close();
    await ownerStore.close();
  });

  it('a console whose role may not create tables says who must migrate a new store, naming it', async () => {
    await server!.createDatabase('unmigrated');
    const appUrl = await server!.createRole('ironpane_late', 'late-password', 'unmigrated');
    const error = await openStoreBackend({ postgresUrl: appUrl }).catch((e: Error) => e);
    expect(String(error)).toMatch(
      /ironpane_late@127\.0\.0\.1:\d+\/unmigrated needs its schema brought up to date \(0001-audit, 0002-node-leases, 0003-operations, 0004-operation-drivers, 0005-config, 0006-request-budgets, 0007-connections\).*npm run store -- migrate/,
    );
    expect(String(error)).not.toContain('late-password');
  });

  it('names what is wrong with an address, never quoting its password', async () => {
    const wrongPassword = server!.ownerUrl('postgres').replace('owner-test-password', 'not-the-password');
    const refused = await openStoreBackend({ postgresUrl: wrongPassword }).catch((e: Error) => e);
    expect(refused).toMatchObject({ code: 'invalid', retryable: false });
    expect(String(refused)).toMatch(/refused the user name or password/);
    expect(String(refused)).not.toContain('not-the-password');
    const noDatabase = await openStoreBackend({ postgresUrl: server!.ownerUrl('nowhere') }).catch((e: Error) => e);
    expect(String(noDatabase)).toMatch(/that database does not exist/);
    const nobody = await openStoreBackend({ postgresUrl: `postgres://u:secret-pw@127.0.0.1:${server!.port + 1}/x` }).catch((e: Error) => e);
    expect(nobody).toMatchObject({ code: 'unavailable', retryable: true });
    expect(String(nobody)).not.toContain('secret-pw');
    expect(() => storeLocationFromEnv('mysql://h/db', 'x.db')).toThrow(/must be a postgres:\/\/ URL/);
    expect(() => storeLocationFromEnv('postgres://h', 'x.db')).toThrow(/needs a host and a database name/);
    expect(storeLocationFromEnv('  ', 'x.db')).toEqual({ sqliteFile: 'x.db' });
  });

  it('catches up on rows written while the database was away, and writes its own kept rows, once it is back', async () => {
    const url = await server!.createDatabase('away');
    const watcher = await openStoreBackend({ postgresUrl: url });
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on((event, payload) => event === 'audit.appended' && seen.push((payload as AuditEntry).targetName));
    const log = new AuditLog(bus, { now: () => Date.now() }, { actor: 'bob@desk-2', console: 'desk-2/bbbbbb' });
    await log.open(new AuditStore(watcher));
    await server!.pause();
    // Written while the store is away: kept (and shown here), not lost and not an error.
    await log.append({ action: 'x', target: 't', targetName: 'kept', outcome: 'accepted', message: 'm' });
    expect(seen).toContain('kept');
    await server!.start();
    // Another console writes before the watcher's LISTEN connection is back: its NOTIFY is missed.
    const other = await openStoreBackend({ postgresUrl: url });
    await new AuditStore(other).append(entry(7, 'alice@desk-1'));
    await until(
      () => seen,
      (s) => s.includes('node-7'),
      15_000,
    );
    // The kept row reaches the store once it answers again, where every console reads it.
    await until(
      () => new AuditStore(other).list({ limit: 10 }),
      (rows) => rows.some((row) => row.targetName === 'kept'),
      15_000,
    );
    log.close();
    await other.close();
    await watcher.close();
  }, 60_000);

  it('says when the database stops answering and when it is back; leases are refused meanwhile, naming the store', async () => {
    const url = await server!.createDatabase('outage');
    const backend = await openStoreBackend({ postgresUrl: url });
    const statuses: boolean[] = [];
    backend.onStatus((s) => statuses.push(s.reachable));
    const leases = consoleOn(backend, 'alice', Date.now);
    await leases.claim(stepOn(1, 'before'), 'Reboot');
    await server!.pause();
    await until(
      () => backend.status().reachable,
      (r) => r === false,
      10_000,
    );
    const refused = await leases.claim(stepOn(2, 'during'), 'Reboot').catch((e: Error) => e);
    expect(refused).toMatchObject({ code: 'unavailable', retryable: true });
    expect(String(refused)).toMatch(
      /The shared store ironpane_owner@127\.0\.0\.1:\d+\/outage is not answering \(since \d\d:\d\d:\d\d UTC\)\. Ironpane sends nothing to a node until it is back/,
    );
    expect(await leases.renew()).toBe(0);
    await server!.start();
    await until(
      () => backend.status().reachable,
      (r) => r === true,
      15_000,
    );
    expect(statuses).toEqual([false, true]);
    await leases.claim(stepOn(2, 'after'), 'Reboot');
    // Nothing was lost or doubled: the lease taken before is still there, once.
    expect((await leases.holder('lab:1'))?.stepId).toBe('before');
    leases.close();
    await backend.close();
  }, 60_000);

  it('copies a desk’s own store in, saying what it copied, and copies nothing twice', async () => {
    const file = path.join(folder, 'desk.db');
    const desk = await openStoreBackend({ sqliteFile: file });
    for (let n = 1; n <= 30; n++) await new AuditStore(desk).append(entry(n));
    const team = await openStoreBackend({ postgresUrl: await server!.createDatabase('moving_in') });
    expect(await copyAuditRows(new AuditStore(desk), new AuditStore(team))).toEqual({ read: 30, copied: 30, alreadyThere: 0 });
    expect(await copyAuditRows(new AuditStore(desk), new AuditStore(team))).toEqual({ read: 30, copied: 0, alreadyThere: 30 });
    const copied = await new AuditStore(team).list({ limit: 100 });
    expect(copied.map((e) => e.targetName).slice(0, 2)).toEqual(['node-30', 'node-29']);
    // The journal: finished operations with their steps and transcripts; one unfinished, driven by nobody until adopted.
    const deskJournal = new OperationJournal(desk);
    const done = await deskJournal.create('power', 'Reboot 3 nodes', 'alice', plan(3), new Date(), BULK, {
      console: 'desk-1/aaaaaa',
      expiresAt: Date.now() + 60_000,
    });
    for (const step of done.steps) await deskJournal.transition(step.id, 'succeeded', 'Rebooted.', new Date());
    await deskJournal.saveTranscript(done.steps[0]!.id, 'login: core');
    await deskJournal.settle(done.operation.id, new Date(), 'x');
    const open = await deskJournal.create('reprovision', 'Reprovision 2 nodes', 'alice', plan(2), new Date(), BULK, {
      console: 'desk-1/aaaaaa',
      expiresAt: Date.now() + 60_000,
    });
    expect(await copyJournal(desk, team)).toEqual({ operations: { read: 2, copied: 2, alreadyThere: 0 }, steps: 5, transcripts: 1, running: 1 });
    expect(await copyJournal(desk, team)).toEqual({ operations: { read: 2, copied: 0, alreadyThere: 2 }, steps: 0, transcripts: 0, running: 0 });
    const teamJournal = new OperationJournal(team);
    expect(await teamJournal.counts(done.operation.id)).toMatchObject({ succeeded: 3 });
    expect(await teamJournal.transcript(done.steps[0]!.id)).toBe('login: core');
    expect(await teamJournal.operation(open.operation.id)).toMatchObject({ status: 'running', driver: null });
    expect(await teamJournal.adopt('team-desk/111111', Date.now(), 30_000)).toEqual([open.operation.id]);
    // Configs: every revision and assignment, and a second copy copies nothing.
    const deskConfigs = configOn(desk, 'alice');
    const profile = await deskConfigs.create({ name: 'Desk workers', kind: 'butane', content: butane(0), message: '' });
    await deskConfigs.save({ profileId: profile.id, content: butane(1), message: '' });
    await deskConfigs.assign({ profileId: profile.id, tag: 'worker' }, { nodeIds: new Set(), tags: new Set(['worker']) });
    expect(await copyConfigs(desk, team)).toEqual({ profiles: { read: 1, copied: 1, alreadyThere: 0 }, revisions: 2, assignments: 1 });
    expect(await copyConfigs(desk, team)).toEqual({ profiles: { read: 1, copied: 0, alreadyThere: 1 }, revisions: 0, assignments: 0 });
    const teamConfigs = configOn(team, 'bob');
    expect((await teamConfigs.profile(profile.id)).latest?.number).toBe(2);
    // The next save on the team's store takes the next number.
    expect((await teamConfigs.save({ profileId: profile.id, content: butane(2), message: '' })).number).toBe(3);
    await desk.close();
    await team.close();
  });
});
