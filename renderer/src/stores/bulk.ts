/**
 * Bulk power actions the user started, tracked node by node until each settles: main reports every
 * accepted action's outcome (`actions.outcome`), so the window can say "12 of 27 done · 1 failed"
 * instead of stopping at "requested".
 */
import { create } from 'zustand';
import type { EventPayload } from '../../../shared/contract';
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

export const useBulk = create<{ jobs: BulkJob[] }>(() => ({ jobs: [] }));
let nextJob = 1;

export function startBulkJob(action: PowerAction, label: string, results: Array<{ nodeId: string; hostname: string; ok: boolean; error?: { message: string } }>): void {
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

export function startBulkSync(client: RpcClient): () => void {
  return client.on('actions.outcome', applyOutcome);
}
