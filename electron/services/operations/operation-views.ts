/**
 * What the window reads of operations: a summary (counts, the pace so far and an ETA for bulk work,
 * cancelled steps apart from failed ones), a detail with every step, a step's transcript. Read from
 * the journal; nothing here changes anything.
 */
import { AppError } from '../../../shared/errors';
import type { OperationDetail, OperationSummary } from '../../../shared/model';
import type { OperationJournal } from './journal';
import { executorFor } from './step-kinds';
import { CANCELLED_BEFORE_RUN } from './step-runner';

export class OperationViews {
  constructor(private readonly journal: OperationJournal) {}

  async summary(operationId: string): Promise<OperationSummary | null> {
    const op = await this.journal.operation(operationId);
    if (!op) return null;
    const c = await this.journal.counts(operationId);
    const cancelled = c.failed > 0 && op.control === 'cancelled' ? await this.journal.cancelledCount(operationId, CANCELLED_BEFORE_RUN) : 0;
    const remaining = c.pending + c.sending + c.sent;
    // The pace so far, spread over the steps allowed in flight; one aggregate query, not every step read back.
    const averageMs = op.status === 'running' && remaining > 0 && op.policy ? await this.journal.averageStepMs(operationId) : null;
    const etaMs = averageMs === null || !op.policy ? null : Math.round((averageMs * remaining) / Math.max(1, op.policy.maxParallel));
    return {
      id: op.id,
      kind: op.kind,
      label: op.label,
      actor: op.actor,
      createdAt: op.createdAt,
      finishedAt: op.finishedAt,
      status: op.status,
      control: op.control,
      policy: op.policy,
      total: remaining + c.succeeded + c.failed,
      done: c.succeeded,
      failed: c.failed - cancelled,
      cancelled,
      retriedBy: op.retriedBy,
      inFlight: c.sending + c.sent,
      etaMs,
    };
  }

  async list(limit: number): Promise<OperationSummary[]> {
    const summaries = [];
    for (const op of await this.journal.recent(limit)) {
      const summary = await this.summary(op.id);
      if (summary) summaries.push(summary);
    }
    return summaries;
  }

  async detail(operationId: string): Promise<OperationDetail> {
    const summary = await this.summary(operationId);
    if (!summary) throw new AppError('not_found', 'That operation is not in the journal.');
    const transcripts = await this.journal.stepsWithTranscript(operationId);
    return {
      ...summary,
      steps: (await this.journal.steps(operationId)).map((s) => ({
        id: s.id,
        nodeId: s.nodeId,
        hostname: s.hostname,
        kind: s.kind,
        label: executorFor(s.kind)?.label(s.params) ?? s.kind,
        state: s.state,
        attempts: s.attempts,
        startedAt: s.startedAt,
        sentAt: s.sentAt,
        finishedAt: s.finishedAt,
        message: s.message,
        hasTranscript: transcripts.has(s.id),
      })),
    };
  }

  async transcript(stepId: string): Promise<{ hostname: string; label: string; text: string }> {
    const step = await this.journal.step(stepId);
    const text = step ? await this.journal.transcript(stepId) : null;
    if (!step || text === null) throw new AppError('not_found', 'That step kept no transcript.');
    return { hostname: step.hostname, label: executorFor(step.kind)?.label(step.params) ?? step.kind, text };
  }
}
