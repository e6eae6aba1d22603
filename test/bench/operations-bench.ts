/**
 * The operations journal's cost (printed, not asserted): one operation of 1,000 steps, each taken
 * through sending → sent → succeeded with its writes, on a real WAL database file in a temp folder, through the store's Kysely queries.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OperationJournal } from '../../electron/services/operations/journal';
import { openStoreBackend } from '../../electron/services/store/store-backend';

export async function operationsBench(steps = 1_000) {
  const store = await openStoreBackend({ sqliteFile: path.join(mkdtempSync(path.join(os.tmpdir(), 'ironpane-ops-bench-')), 'ironpane.db') });
  const journal = new OperationJournal(store);
  const plan = Array.from({ length: steps }, (_, i) => ({
    nodeId: `lab:${i}`,
    hostname: `node-${i}`,
    kind: 'power',
    params: { action: 'reboot', baseline: { state: 'active', updatedAt: '2026-12-01T00:00:00Z' } },
  }));
  const createStarted = performance.now();
  const { operation, steps: records } = await journal.create('power', 'bench', 'bench', plan, new Date());
  const createMs = performance.now() - createStarted;
  const started = performance.now();
  for (const step of records) {
    await journal.transition(step.id, 'sending', 'Sending.', new Date());
    await journal.transition(step.id, 'sent', 'Requested.', new Date());
    await journal.transition(step.id, 'succeeded', 'Done.', new Date());
  }
  const elapsed = performance.now() - started;
  const settle = performance.now();
  await journal.settle(operation.id, new Date(), 'Cancelled before it ran.');
  const settleMs = performance.now() - settle;
  await store.close();
  return {
    steps,
    planOperationMs: Number(createMs.toFixed(1)),
    perStepMs: Number((elapsed / steps).toFixed(3)),
    perJournalWriteMs: Number((elapsed / steps / 3).toFixed(3)),
    settleMs: Number(settleMs.toFixed(2)),
    note: 'three journal writes per step (sending, sent, outcome), synchronous=NORMAL in WAL mode',
  };
}
