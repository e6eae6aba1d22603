/**
 * Bulk work the user started from the fleet, followed where it was started. Power actions are
 * tracked node by node until each settles: main reports every accepted action's outcome
 * (`actions.outcome`), so the window can say "12 of 27 done · 1 failed" instead of stopping at
 * "requested". Operations (reprovision, runbooks) are followed by their summary
 * (`operations.changed`), so the fleet shows their progress without a jump to Activity.
 */
import { create } from 'zustand';
import type { EventPayload } from '../../../shared/contract';
import type { OperationSummary } from '../../../shared/model';
import type { PowerAction } from '../../../shared/node-rules';
import type { RpcClient } from '../bridge/client';
import { toast } from './toasts';

export type BulkNodeStatus = 'pending' | 'succeeded' | 'failed' | 'refused';

export interface BulkJob {
  id: number;
  action: PowerAction;
  label: string;
  startedAt: number;
  nodes: Record<string, { hostname: string; status: BulkNodeStatus; message?: string }>;
}

/** An operation started from the fleet; `summary` is null until main first reports it. */
export interface FollowedOperation {
  id: string;
  label: string;
  summary: OperationSummary | null;
}

export const useBulk = create<{ jobs: BulkJob[]; operations: FollowedOperation[] }>(() => ({ jobs: [], operations: [] }));
let nextJob = 1;

export function startBulkJob(
  action: PowerAction,
  label: string,
  results: Array<{ nodeId: string; hostname: string; ok: boolean; error?: { message: string } }>,
): void {
  const nodes: BulkJob['nodes'] = {};
  for (const r of results) nodes[r.nodeId] = { hostname: r.hostname, status: r.ok ? 'pending' : 'refused', message: r.error?.message };
  useBulk.setState((s) => ({ jobs: [...s.jobs, { id: nextJob++, action, label, startedAt: Date.now(), nodes }] }));
}

export const dismissBulkJob = (id: number) => useBulk.setState((s) => ({ jobs: s.jobs.filter((j) => j.id !== id) }));

export function bulkCounts(job: BulkJob): Record<BulkNodeStatus, number> & { total: number } {
  const counts = { pending: 0, succeeded: 0, failed: 0, refused: 0, total: 0 };
  for (const node of Object.values(job.nodes)) {
    counts[node.status]++;
    counts.total++;
  }
  return counts;
}

function applyOutcome(outcome: EventPayload<'actions.outcome'>): void {
  let tracked = false;
  useBulk.setState((s) => ({
    jobs: s.jobs.map((job) => {
      const node = job.nodes[outcome.nodeId];
      if (job.action !== outcome.action || node?.status !== 'pending') return job;
      tracked = true;
      return { ...job, nodes: { ...job.nodes, [outcome.nodeId]: { ...node, status: outcome.outcome, message: outcome.message } } };
    }),
  }));
  // A single action's result: say it when it went wrong (success shows in the table already).
  if (!tracked && outcome.outcome === 'failed') toast('error', `${outcome.hostname}: the action did not complete`, outcome.message);
}

/** Follows an operation the user just started; its first summary is asked for once, then events keep it current. */
export function followOperation(client: RpcClient, operationId: string, label: string): void {
  useBulk.setState((s) => ({ operations: [...s.operations.filter((o) => o.id !== operationId), { id: operationId, label, summary: null }] }));
  void client.call('operations.get', { operationId }).then(
    ({ steps: _steps, ...summary }) => applySummary(summary, true),
    () => undefined, // The events still arrive; a failed first read only delays the figures.
  );
}

export const dismissOperation = (id: string) => useBulk.setState((s) => ({ operations: s.operations.filter((o) => o.id !== id) }));

function applySummary(summary: OperationSummary, firstRead = false): void {
  const followed = useBulk.getState().operations.find((o) => o.id === summary.id);
  // Not followed here, or a first read that lands after a newer event (it must not move the figures back).
  if (!followed || (firstRead && followed.summary)) return;
  useBulk.setState((s) => ({ operations: s.operations.map((o) => (o.id === summary.id ? { ...o, summary } : o)) }));
  // A strip that ended well goes a minute after it ended (Activity keeps it); one that failed stays until dismissed.
  if (summary.status === 'succeeded' && followed.summary?.status !== 'succeeded') setTimeout(() => dismissOperation(summary.id), FINISHED_STRIP_MS);
}

const FINISHED_STRIP_MS = 60_000;

export function startBulkSync(client: RpcClient): () => void {
  const stopOutcomes = client.on('actions.outcome', applyOutcome);
  const stopOperations = client.on('operations.changed', (summary) => applySummary(summary));
  return () => {
    stopOutcomes();
    stopOperations();
  };
}
