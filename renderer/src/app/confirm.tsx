/**
 * One confirm dialog for the whole app. `confirm()` resolves true only on an explicit click or
 * Enter on the confirm button; Escape, the backdrop and Cancel resolve false. Destructive confirms
 * name their target in the title and the button, so the wrong node is hard to hit by accident.
 */
import { useEffect, useRef } from 'react';
import { create } from 'zustand';

interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  tone: 'danger' | 'normal';
  resolve: (confirmed: boolean) => void;
}

const useConfirmStore = create<{ request: ConfirmRequest | null }>(() => ({ request: null }));

export function confirm(options: Omit<ConfirmRequest, 'resolve'>): Promise<boolean> {
  return new Promise((resolve) => {
    useConfirmStore.getState().request?.resolve(false);
    useConfirmStore.setState({ request: { ...options, resolve } });
  });
}

function settle(confirmed: boolean): void {
  const request = useConfirmStore.getState().request;
  useConfirmStore.setState({ request: null });
  request?.resolve(confirmed);
}

export function ConfirmHost() {
  const request = useConfirmStore((s) => s.request);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!request) return;
    const previous = document.activeElement as HTMLElement | null;
    // Focus starts on Cancel: a stray Enter must not fire a destructive action.
    cancelRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        settle(false);
      } else if (event.key === 'Tab' && dialogRef.current) {
        const buttons = [...dialogRef.current.querySelectorAll('button')];
        const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
        event.preventDefault();
        buttons[(index + (event.shiftKey ? buttons.length - 1 : 1)) % buttons.length]?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [request]);

  if (!request) return null;
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && settle(false)}>
      <div ref={dialogRef} className="modal" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-body">
        <h2 id="confirm-title">{request.title}</h2>
        <p id="confirm-body">{request.body}</p>
        <div className="modal-actions">
          <button ref={cancelRef} type="button" onClick={() => settle(false)}>
            Cancel
          </button>
          <button type="button" className={request.tone === 'danger' ? 'danger' : 'primary'} onClick={() => settle(true)}>
            {request.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
