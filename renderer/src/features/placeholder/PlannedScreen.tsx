/** Screens whose feature is still being built say so, and what the operator can do meanwhile. */
export function PlannedScreen({ title, what }: { title: string; what: string }) {
  return (
    <div className="page">
      <h1>{title}</h1>
      <div className="empty">
        <p>{what}</p>
        <p className="muted">Not available in this build yet.</p>
      </div>
    </div>
  );
}
