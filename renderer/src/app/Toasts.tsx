import { dismissToast, useToasts } from '../stores/toasts';

export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toasts" role="region" aria-live="polite" aria-label="Notifications">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'}>
          <div>
            <strong>{t.title}</strong>
            {t.count > 1 && (
              <span className="toast-count">
                <span aria-hidden="true">×{t.count}</span>
                <span className="sr-only">{t.count} times</span>
              </span>
            )}
            {t.body && <p>{t.body}</p>}
          </div>
          <button type="button" className="icon" aria-label="Dismiss notification" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
