/**
 * Operations: every action that changed (or is changing) a machine, from the journal, live. Each
 * shows n of N done and failed; opening one shows its per-node timeline (requested → sent →
 * verified or failed, with the reason), including steps a restart resumed.
 */
import { useEffect, useState } from 'react';
import type { OperationDetail, OperationSummary } from '../../../../shared/model';
import { RelativeTime } from '../../ui/RelativeTime';
import { errorData } from '../../bridge/client';
import { operationStatusLabel } from '../../util/format';
import { Button } from '../../ui/Button';
import { useMutation } from '../../ui/use-mutation';
import { toast } from '../../stores/toasts';
import { useClient } from '../../app/client-context';
import { dateTime } from '../../util/format';
import { confirm } from '../../app/confirm';
import { Modal } from '../../ui/Modal';

const STATE_LABEL: Record<OperationDetail['steps'][number]['state'], string> = {
  pending: 'waiting',
  sending: 'sending',
  sent: 'verifying',
  succeeded: '✓ verified',
  failed: '✗ failed',
};

export function OperationsPanel() {
  const client = useClient();
  const [operations, setOperations] = useState<OperationSummary[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [detail, setDetail] = useState<OperationDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [transcript, setTranscript] = useState<{ hostname: string; label: string; text: string } | null>(null);

  const showTranscript = (stepId: string) =>
    client.call('operations.transcript', { stepId }).then(setTranscript, (e: unknown) => setError(errorData(e).message));

  const retry = async (op: OperationSummary) => {
    const ok = await confirm({
      title: `Retry the ${op.failed} failed step${op.failed === 1 ? '' : 's'} of “${op.label}”?`,
      body: 'They run again as a new operation under the same policy, each from where its node is now.',
      confirmLabel: `Retry ${op.failed}`,
      tone: 'danger',
    });
    if (!ok) return;
    try {
      const next = await client.call('operations.retryFailed', { operationId: op.id });
      setOpen(next.id);
    } catch (e) {
      setError(errorData(e).message);
    }
  };

  useEffect(() => {
    client.call('operations.list', { limit: 50 }).then(setOperations, (e: unknown) => setError(errorData(e).message));
    return client.on('operations.changed', (summary) =>
      setOperations((list) => {
        const rest = (list ?? []).filter((o) => o.id !== summary.id);
        return [summary, ...rest].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 50);
      }),
    );
  }, [client]);

  const send = useMutation((operationId: string, action: 'pause' | 'resume' | 'cancel') => client.call('operations.control', { operationId, action }), {
    failure: (_, action) =>
      action === 'cancel' ? 'Could not stop the operation' : action === 'pause' ? 'Could not pause the operation' : 'Could not resume the operation',
    // The list moves at once (main also sends the change), so the button pressed is never the only sign.
    onSuccess: (summary) => setOperations((list) => list?.map((o) => (o.id === summary.id ? summary : o)) ?? list),
  });
  const control = async (operationId: string, action: 'pause' | 'resume' | 'cancel') => {
    if (action === 'cancel') {
      const op = operations?.find((o) => o.id === operationId);
      const ok = await confirm({
        title: `Cancel “${op?.label ?? 'the operation'}”?`,
        body: 'Nodes not yet started are left as they are; nodes already reinstalling finish and are verified.',
        // Not "Cancel" beside "Cancel": the dialog's own way out reads Keep running.
        confirmLabel: 'Stop the rest',
        cancelLabel: 'Keep running',
        tone: 'danger',
      });
      if (!ok) return;
    }
    const summary = await send.run(operationId, action);
    // Say at once what happens next: a cancel waits for the steps in flight, which can take a while.
    if (summary && action === 'cancel')
      toast(
        'info',
        `Stopping “${summary.label}”`,
        summary.inFlight > 0
          ? `${summary.inFlight} node${summary.inFlight === 1 ? ' is' : 's are'} already under way: ${summary.inFlight === 1 ? 'it finishes' : 'they finish'} and ${summary.inFlight === 1 ? 'is' : 'are'} verified first; nothing new starts.`
          : 'Nothing new starts.',
      );
  };

  const openSummary = operations?.find((o) => o.id === open);
  const openKey = openSummary ? `${openSummary.done}/${openSummary.failed}/${openSummary.inFlight}/${openSummary.status}` : '';
  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    client.call('operations.get', { operationId: open }).then(
      (d) => !cancelled && setDetail(d),
      (e: unknown) => !cancelled && setError(errorData(e).message),
    );
    return () => {
      cancelled = true;
    };
  }, [client, open, openKey]);

  return (
    <section aria-label="Operations" className="operations">
      <h2>Operations</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {operations && operations.length === 0 && (
        <p className="muted">No operations yet. Power actions and other changes to machines appear here with each node's result.</p>
      )}
      <ul className="plain operation-list">
        {operations?.map((op) => (
          <li key={op.id} className={`operation op-${op.status}`} data-operation={op.id}>
            <button type="button" className="operation-head" aria-expanded={open === op.id} onClick={() => setOpen(open === op.id ? null : op.id)}>
              <span className={`badge outcome-${op.status === 'running' ? 'accepted' : op.status}`}>{operationStatusLabel(op)}</span>
              <strong>{op.label}</strong>
              <span className="muted">
                {op.done} of {op.total} done{op.failed ? ` · ${op.failed} failed` : ''}
                {op.cancelled ? ` · ${op.cancelled} cancelled` : ''}
                {op.inFlight ? ` · ${op.inFlight} in flight` : ''} · {op.actor} · <RelativeTime iso={op.createdAt} />
              </span>
            </button>
            {op.policy && op.status === 'running' && (
              <div className="operation-controls" role="group" aria-label={`Control ${op.label}`}>
                <progress
                  max={op.total}
                  value={op.done + op.failed + op.cancelled}
                  aria-label={`${op.done + op.failed + op.cancelled} of ${op.total} settled`}
                />
                <span className="muted" role="status">
                  {op.control === 'cancelled'
                    ? `stopping: waiting for ${op.inFlight} in flight to finish and be verified`
                    : op.control === 'paused'
                      ? 'paused'
                      : op.etaMs !== null
                        ? `about ${Math.max(1, Math.round(op.etaMs / 60_000))} min left`
                        : 'working out the pace…'}
                </span>
                {op.control !== 'cancelled' && (
                  <>
                    {op.control === 'paused' ? (
                      <Button busy={send.busy} onClick={() => void control(op.id, 'resume')}>
                        Resume
                      </Button>
                    ) : (
                      <Button busy={send.busy} onClick={() => void control(op.id, 'pause')}>
                        Pause
                      </Button>
                    )}
                    <Button className="danger-outline" busy={send.busy} onClick={() => void control(op.id, 'cancel')}>
                      Cancel…
                    </Button>
                  </>
                )}
              </div>
            )}
            {op.status !== 'running' && op.failed > 0 && !op.retriedBy && (
              <div className="operation-controls">
                <button type="button" onClick={() => void retry(op)}>
                  Retry failed ({op.failed})
                </button>
              </div>
            )}
            {op.retriedBy && <p className="muted small">Its failed steps were retried as another operation below.</p>}
            {open === op.id && detail?.id === op.id && (
              <ol className="events operation-steps">
                {detail.steps.map((s) => (
                  <li key={s.id} className={`event ${s.state === 'failed' ? 'event-failed' : ''}`} data-step-state={s.state}>
                    <span className="mono">{s.hostname}</span>
                    <span>
                      <span className="badge">{STATE_LABEL[s.state]}</span> {s.message}
                      {s.attempts > 1 && <span className="muted"> · sent after a restart</span>}
                      {s.finishedAt && <span className="muted"> · {dateTime(s.finishedAt)}</span>}
                      {s.hasTranscript && (
                        <>
                          {' '}
                          <button type="button" className="link" onClick={() => void showTranscript(s.id)}>
                            Transcript
                          </button>
                        </>
                      )}
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </li>
        ))}
      </ul>
      {transcript && (
        <Modal label={`Transcript: ${transcript.label} on ${transcript.hostname}`} onClose={() => setTranscript(null)} wide>
          <h2>
            {transcript.label} on {transcript.hostname}
          </h2>
          <p className="muted small">What the serial console printed; » marks what Ironpane typed. The password is never written here.</p>
          <pre className="transcript" tabIndex={0}>
            {transcript.text}
          </pre>
          <div className="modal-actions">
            <button type="button" onClick={() => void navigator.clipboard?.writeText(transcript.text)}>
              Copy
            </button>
            <button type="button" onClick={() => setTranscript(null)} autoFocus>
              Close
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}
