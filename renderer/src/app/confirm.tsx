/**
 * One confirm dialog for the whole app. `confirm()` resolves true only on an explicit click or
 * Enter on the confirm button; Escape, the backdrop and Cancel resolve false. Destructive confirms
 * name their target in the title and the button, so the wrong node is hard to hit by accident; bulk
 * ones also make the user type the count (`typeToConfirm`).
 */
import { useEffect, useRef, useState } from 'react';
import { create } from 'zustand';

interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  tone: 'danger' | 'normal';
  /** When set, the confirm button stays disabled until exactly this is typed. */
  typeToConfirm?: string;
  /** The way out's label when "Cancel" would be ambiguous (cancelling a cancel). */
  cancelLabel?: string;
  resolve: (confirmed: boolean) => void;
  id: number;
}

const useConfirmStore = create<{ request: ConfirmRequest | null; shield: boolean }>(() => ({ request: null, shield: false }));
/** How long clicks are swallowed after the dialog closes: the second click of a double-click. */
const SHIELD_MS = 500;
let shieldTimer: ReturnType<typeof setTimeout> | undefined;

let nextId = 1;

export function confirm(options: Omit<ConfirmRequest, 'resolve' | 'id'>): Promise<boolean> {
  return new Promise((resolve) => {
    useConfirmStore.getState().request?.resolve(false);
    useConfirmStore.setState({ request: { ...options, resolve, id: nextId++ } });
  });
}

function settle(confirmed: boolean): void {
  const request = useConfirmStore.getState().request;
  // A double-click on the confirm button must not land its second click on the table behind.
  useConfirmStore.setState({ request: null, shield: true });
  clearTimeout(shieldTimer);
  shieldTimer = setTimeout(() => useConfirmStore.setState({ shield: false }), SHIELD_MS);
  request?.resolve(confirmed);
}

export function ConfirmHost() {
  const request = useConfirmStore((s) => s.request);
  const shield = useConfirmStore((s) => s.shield);
  // A fresh dialog per request, so typed text never carries over from the last one.
  if (request) return <ConfirmDialog key={request.id} request={request} />;
  return shield ? <div className="click-shield" data-testid="click-shield" aria-hidden="true" onMouseDown={(e) => e.preventDefault()} /> : null;
}

function ConfirmDialog({ request }: { request: ConfirmRequest }) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const typedRef = useRef<HTMLInputElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const [typed, setTyped] = useState('');

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    // Focus starts on Cancel (or the count field): a stray Enter must not fire a destructive action.
    (request.typeToConfirm ? typedRef.current : cancelRef.current)?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        settle(false);
      } else if (event.key === 'Tab' && dialogRef.current) {
        const buttons = [...dialogRef.current.querySelectorAll<HTMLElement>('input, button:not(:disabled)')];
        const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
        event.preventDefault();
        buttons[(index + (event.shiftKey ? buttons.length - 1 : 1) + buttons.length) % buttons.length]?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [request]);

  const armed = !request.typeToConfirm || typed.trim() === request.typeToConfirm;
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && settle(false)}>
      <div ref={dialogRef} className="modal" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-body">
        <h2 id="confirm-title">{request.title}</h2>
        <p id="confirm-body">{request.body}</p>
        {request.typeToConfirm && (
          <label className="field">
            <span>Type {request.typeToConfirm} to confirm</span>
            <input
              ref={typedRef}
              value={typed}
              // A count is typed as digits; a hostname is text (a numeric keypad could not type it).
              inputMode={/^\d+$/.test(request.typeToConfirm) ? 'numeric' : 'text'}
              autoComplete="off"
              onChange={(e) => setTyped(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && armed && settle(true)}
            />
          </label>
        )}
        <div className="modal-actions">
          <button ref={cancelRef} type="button" onClick={() => settle(false)}>
            {request.cancelLabel ?? 'Cancel'}
          </button>
          <button type="button" className={request.tone === 'danger' ? 'danger' : 'primary'} disabled={!armed} onClick={() => settle(true)}>
            {request.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
