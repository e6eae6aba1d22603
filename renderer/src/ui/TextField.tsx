/** A labelled text input whose problem, when shown, is its description (`aria-describedby`); else its hint is. */
export function TextField({
  id,
  label,
  value,
  problem,
  hint,
  onChange,
  ...props
}: { id: string; label: string; value: string; problem?: string | null; hint?: string; onChange(value: string): void } & Omit<
  React.InputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onChange'
>) {
  return (
    <>
      <label className="field">
        <span>{label}</span>
        <input
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-error` : hint ? `${id}-hint` : undefined}
          {...props}
        />
      </label>
      {problem ? (
        <span className="field-error" id={`${id}-error`}>
          {problem}
        </span>
      ) : (
        hint && (
          <span className="field-hint" id={`${id}-hint`}>
            {hint}
          </span>
        )
      )}
    </>
  );
}
