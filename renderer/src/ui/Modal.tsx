/**
 * A dialog over the screen: a click on the backdrop or Escape closes it (unless a confirm is open
 * on top of it, which handles Escape itself).
 */
import { useEffect } from 'react';

export function Modal({ label, onClose, wide = false, children }: { label: string; onClose(): void; wide?: boolean; children: React.ReactNode }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && !document.querySelector('[role="alertdialog"]') && onClose();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={wide ? 'modal wide' : 'modal'} role="dialog" aria-modal="true" aria-label={label}>
        {children}
      </div>
    </div>
  );
}

/** What went wrong in a dialog, announced as it appears; nothing when there is no error. */
export function DialogError({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}
