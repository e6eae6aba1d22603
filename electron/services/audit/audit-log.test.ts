import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../shared/errors';
import type { AuditEntry } from '../../../shared/model';
import { EventBus } from '../../rpc/event-bus';
import { openStoreBackend, type StoreBackend } from '../store/store-backend';
import { AuditLog, LEGACY_AUDIT_FILE } from './audit-log';
import { AuditStore } from './audit-store';
import { operatorIdentity } from './operator';

const line = (n: number) =>
  JSON.stringify({
    id: `old-${n}`,
    at: new Date(Date.UTC(2026, 5, 1, 9, 0, n)).toISOString(),
    actor: 'ops',
    action: 'power.reboot',
    target: `lab:${n}`,
    targetName: `node-${n}`,
    outcome: 'succeeded',
    message: `Reboot node-${n}`,
  });

/** A log as alice on desk-1, at a fixed time. */
const aliceLog = (bus = new EventBus()) =>
  new AuditLog(bus, { now: () => Date.UTC(2026, 11, 7, 10, 0, 0) }, { actor: 'alice@desk-1', console: 'desk-1/abcdef' });
/** A reinstall's row, as a step writes it when the provider accepted it. */
const ACCEPTED = { action: 'node.reprovision', target: 'lab:1', targetName: 'am6-node-01', outcome: 'accepted', message: 'Reinstall requested' } as const;

async function openIn(dataDir: string) {
  const bus = new EventBus();
  const events: AuditEntry[] = [];
  bus.on((event, payload) => event === 'audit.appended' && events.push(payload as AuditEntry));
  const backend = await openStoreBackend({ sqliteFile: path.join(dataDir, 'ironpane.db') });
  const log = new AuditLog(bus, { now: () => Date.UTC(2026, 11, 7, 10, 0, 0) }, { actor: 'alice@desk-1', console: 'desk-1/abcdef' });
  const opened = await log.open(new AuditStore(backend), { legacyFolder: dataDir });
  return { log, backend, events, opened };
}

describe('the audit log', () => {
  it('moves an earlier version’s audit.jsonl into the store once, skipping a torn last line', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-audit-'));
    writeFileSync(path.join(dataDir, LEGACY_AUDIT_FILE), `${line(1)}\n${line(2)}\n${line(3).slice(0, 40)}`);
    const first = await openIn(dataDir);
    expect(first.opened).toEqual({ imported: 2 });
    expect(existsSync(path.join(dataDir, LEGACY_AUDIT_FILE))).toBe(false);
    expect(readFileSync(path.join(dataDir, `${LEGACY_AUDIT_FILE}.imported`), 'utf8')).toContain('old-1');
    const written = await first.log.append({
      action: 'power.power_off',
      target: 'lab:9',
      targetName: 'node-9',
      outcome: 'accepted',
      message: 'Power off node-9',
    });
    expect(written).toMatchObject({ actor: 'alice@desk-1', console: 'desk-1/abcdef', at: '2026-12-07T10:00:00.000Z' });
    expect(first.events.map((e) => e.id)).toEqual([written.id]);
    expect((await first.log.list(10)).map((e) => e.id)).toEqual([written.id, 'old-2', 'old-1']);
    await first.backend.close();
    // Started again: nothing imported twice, everything still there.
    const second = await openIn(dataDir);
    expect(second.opened).toEqual({ imported: 0 });
    expect(await second.log.list(10)).toHaveLength(3);
    await second.backend.close();
  });

  it('leaves an old audit file that is not a regular file where it is, and starts anyway, saying why', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-audit-'));
    execFileSync('mkfifo', [path.join(dataDir, LEGACY_AUDIT_FILE)]);
    const { opened, log, backend } = await openIn(dataDir);
    expect(opened.imported).toBe(0);
    expect(opened.notImported).toMatch(/audit\.jsonl is a FIFO|not an audit file/);
    await log.append({ action: 'x', target: 't', targetName: 'n', outcome: 'accepted', message: 'still writes' });
    expect(await log.list(5)).toHaveLength(1);
    await backend.close();
  });

  it('waits for its store: an action audited before the store is open is written once it is', async () => {
    const bus = new EventBus();
    const log = new AuditLog(bus, { now: () => Date.now() }, { actor: 'a', console: 'c' });
    const pending = log.append({ action: 'x', target: 't', targetName: 'early', outcome: 'accepted', message: 'm' });
    await log.open(new AuditStore(await openStoreBackend({ sqliteFile: ':memory:' })));
    expect((await pending).targetName).toBe('early');
    expect((await log.list(5)).map((e) => e.targetName)).toEqual(['early']);
  });

  it('keeps a row written while the shared store is away and writes it, once, when it answers again', async () => {
    vi.useFakeTimers();
    try {
      const rows: AuditEntry[] = [];
      let away = true;
      let attempts = 0;
      const store = {
        shared: true,
        lastSeq: async () => 0,
        subscribe: () => () => undefined,
        append: async (entry: AuditEntry, options: { copy?: boolean } = {}) => {
          attempts += 1;
          if (away) throw new AppError('unavailable', 'The shared store postgres://db is not answering.', { retryable: true });
          if (options.copy && rows.some((row) => row.id === entry.id)) return null;
          rows.push(entry);
          return rows.length;
        },
      } as unknown as AuditStore;
      const bus = new EventBus();
      const shown: AuditEntry[] = [];
      bus.on((event, payload) => event === 'audit.appended' && shown.push(payload as AuditEntry));
      const log = aliceLog(bus);
      await log.open(store);
      const entry = await log.append(ACCEPTED);
      // Shown on this console at once; not yet in the store.
      expect(shown.map((row) => row.id)).toEqual([entry.id]);
      expect(rows).toEqual([]);
      await vi.advanceTimersByTimeAsync(2_100);
      expect(rows).toEqual([]);
      away = false;
      await vi.advanceTimersByTimeAsync(2_100);
      expect(rows.map((row) => row.id)).toEqual([entry.id]);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(rows).toHaveLength(1);
      expect(attempts).toBe(3);
      log.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes a row made after the store is back behind the kept ones, and a list right then has them all', async () => {
    const rows: AuditEntry[] = [];
    let away = true;
    const store = {
      shared: true,
      lastSeq: async () => 0,
      subscribe: () => () => undefined,
      list: async () => [...rows].reverse(),
      append: async (entry: AuditEntry, options: { copy?: boolean } = {}) => {
        if (away) throw new AppError('unavailable', 'The shared store postgres://db is not answering.', { retryable: true });
        if (options.copy && rows.some((row) => row.id === entry.id)) return null;
        rows.push(entry);
        return rows.length;
      },
    } as unknown as AuditStore;
    const log = aliceLog();
    await log.open(store);
    const row = (outcome: AuditEntry['outcome']) =>
      log.append({ action: 'node.reprovision', target: 'lab:1', targetName: 'am6-node-01', outcome, message: outcome });
    const accepted = await row('accepted');
    away = false;
    // Before the retry timer fires: the new row does not jump the queue.
    const succeeded = await row('succeeded');
    expect(rows.map((r) => r.id)).toEqual([accepted.id, succeeded.id]);
    away = true;
    const another = await row('accepted');
    away = false;
    expect((await log.list(10)).map((r) => r.id)).toEqual([another.id, succeeded.id, accepted.id]);
    log.close();
  });

  it('keeps a row whose write the driver lost with the connection (not only one refused while the store is away)', async () => {
    // A kysely chain whose query fails as pg does when PostgreSQL shuts down under it.
    let lost = true;
    const written: unknown[] = [];
    const chain: unknown = new Proxy(() => undefined, {
      get: (_, name) =>
        name === 'executeTakeFirst'
          ? () => (lost ? Promise.reject(new Error('Connection terminated unexpectedly')) : Promise.resolve({ seq: written.push(1) }))
          : () => chain,
    });
    const backend = {
      dialect: 'postgres',
      label: 'postgres://db/ironpane',
      status: () => ({ reachable: true, label: 'postgres://db/ironpane', since: null }),
      db: chain,
    } as unknown as StoreBackend;
    const log = aliceLog();
    await log.open(Object.assign(new AuditStore(backend), { lastSeq: async () => 0, subscribe: () => () => undefined }));
    const entry = await log.append(ACCEPTED);
    expect(entry.outcome).toBe('accepted');
    expect(written).toHaveLength(0);
    lost = false;
    await log.append({ action: 'node.reprovision', target: 'lab:1', targetName: 'am6-node-01', outcome: 'succeeded', message: 'Reinstalled' });
    expect(written).toHaveLength(2);
    log.close();
  });

  it('names the operator as configured, or OS user@host, and keeps the console’s id in the data folder', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-operator-'));
    const first = operatorIdentity(dataDir);
    expect(first.actor).toBe(`${os.userInfo().username}@${first.console.split('/')[0]}`);
    expect(first.console).toMatch(/^[A-Za-z0-9-]+\/[0-9a-f]{6}$/);
    expect(operatorIdentity(dataDir, ' alice ').actor).toBe('alice');
    expect(operatorIdentity(dataDir).console).toBe(first.console);
    // A name with control characters or markup is not taken.
    expect(operatorIdentity(dataDir, 'eve\n<script>').actor).toBe(first.actor);
  });
});
