/**
 * The store's cost per operation step on each backend (printed, not asserted): what a step writes
 * there (its journal row moving sending → sent → succeeded, the node's lease taken and let go, two
 * audit rows, the step read back once its node is held), 1,000 steps one after another on
 * the desk's SQLite file and on a real PostgreSQL on loopback, then 200 steps from each of two
 * consoles at once on PostgreSQL; and how soon a row written on one console reaches another's bus.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventBus } from '../../electron/rpc/event-bus';
import { AuditLog } from '../../electron/services/audit/audit-log';
import { AuditStore } from '../../electron/services/audit/audit-store';
import { NodeLeases } from '../../electron/services/operations/node-leases';
import { OperationJournal } from '../../electron/services/operations/journal';
import { openStoreBackend, type StoreBackend } from '../../electron/services/store/store-backend';
import { postgresMissing, startPostgres } from '../support/postgres';

const quiet = { info() {}, warn() {}, error() {} };

function consoleOn(backend: StoreBackend, name: string) {
  const identity = { actor: name, console: `${name}/000000` };
  const audit = new AuditLog(new EventBus(), { now: Date.now }, identity);
  const leases = new NodeLeases(identity, { now: Date.now }, quiet);
  leases.open(backend);
  return { audit, leases, journal: new OperationJournal(backend), open: () => audit.open(new AuditStore(backend)) };
}

async function steps(on: ReturnType<typeof consoleOn>, count: number, prefix: string): Promise<number> {
  const plan = Array.from({ length: count }, (_, i) => ({ nodeId: `${prefix}:${i}`, hostname: `node-${i}`, kind: 'power', params: { action: 'reboot' } }));
  const { steps: records } = await on.journal.create('power', `Reboot ${count} nodes`, 'bench', plan, new Date());
  const started = performance.now();
  for (const step of records) {
    await on.leases.claim(step, 'Reboot');
    await on.journal.step(step.id);
    await on.journal.transition(step.id, 'sending', 'Sending.', new Date());
    await on.journal.transition(step.id, 'sent', 'Reboot requested.', new Date());
    await on.audit.append({ action: 'power.reboot', target: step.nodeId, targetName: step.hostname, outcome: 'accepted', message: 'Reboot requested.' });
    await on.audit.append({ action: 'power.reboot', target: step.nodeId, targetName: step.hostname, outcome: 'succeeded', message: 'Rebooted.' });
    await on.journal.transition(step.id, 'succeeded', 'Rebooted.', new Date());
    await on.leases.release(step);
  }
  return (performance.now() - started) / count;
}

export async function storeBench(count = 1_000) {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ironpane-store-bench-')), 'ironpane.db');
  const sqlite = await openStoreBackend({ sqliteFile: file });
  const desk = consoleOn(sqlite, 'desk');
  await desk.open();
  const sqlitePerStepMs = await steps(desk, count, 'sqlite');
  desk.leases.close();
  await sqlite.close();
  const result: Record<string, unknown> = {
    steps: count,
    perStep: 'take the lease, read the step, three journal transitions, two audit rows, release: 7 writes and a read',
    sqlitePerStepMs: Number(sqlitePerStepMs.toFixed(3)),
  };
  const missing = postgresMissing();
  if (missing) return { ...result, postgres: `skipped: ${missing}` };
  const server = await startPostgres();
  try {
    const url = await server.createDatabase('bench');
    const [a, b] = [await openStoreBackend({ postgresUrl: url }), await openStoreBackend({ postgresUrl: url })];
    const alice = consoleOn(a, 'alice');
    const bob = consoleOn(b, 'bob');
    await alice.open();
    await bob.open();
    const postgresPerStepMs = await steps(alice, count, 'pg');
    const shared = 200;
    const bothStarted = performance.now();
    await Promise.all([steps(alice, shared, 'a'), steps(bob, shared, 'b')]);
    const twoConsolesPerStepMs = (performance.now() - bothStarted) / (2 * shared);
    // Live: one row on A, timed until B's bus announces it (LISTEN/NOTIFY, then B's catch-up read).
    const delays: number[] = [];
    const busB = new EventBus();
    const logB = new AuditLog(busB, { now: Date.now }, { actor: 'bob', console: 'bob/000001' });
    await logB.open(new AuditStore(b));
    for (let i = 0; i < 50; i++) {
      const seen = new Promise<void>((resolve) => {
        const off = busB.on((event) => {
          if (event === 'audit.appended') {
            off();
            resolve();
          }
        });
      });
      const t = performance.now();
      await alice.audit.append({ action: 'x', target: 't', targetName: `n${i}`, outcome: 'accepted', message: 'm' });
      await seen;
      delays.push(performance.now() - t);
    }
    delays.sort((x, y) => x - y);
    alice.leases.close();
    bob.leases.close();
    logB.close();
    await a.close();
    await b.close();
    return {
      ...result,
      postgresPerStepMs: Number(postgresPerStepMs.toFixed(3)),
      postgresOverSqlite: Number((postgresPerStepMs / sqlitePerStepMs).toFixed(1)),
      twoConsolesAtOncePerStepMs: Number(twoConsolesPerStepMs.toFixed(3)),
      rowToOtherConsoleMs: { p50: Number(delays[25]!.toFixed(1)), p95: Number(delays[47]!.toFixed(1)), max: Number(delays[49]!.toFixed(1)), target: 1000 },
      note: 'PostgreSQL 15 on loopback with fsync=off (the test cluster): a real server adds its disk flush to each write',
    };
  } finally {
    await server.stop();
  }
}
