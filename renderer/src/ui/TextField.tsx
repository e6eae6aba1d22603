/** A labelled text input whose problem, when shown, is its description (`aria-describedby`). */
export function TextField({
  id,
  label,
  value,
  problem,
  onChange,
  ...props
}: { id: string; label: string; value: string; problem?: string | null; onChange(value: string): void } & Omit<
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
          aria-describedby={problem ? `${id}-error` : undefined}
          {...props}
        />
      </label>
      {problem && (
        <span className="field-error" id={`${id}-error`}>
          {problem}
        </span>
      )}
    </>
  );
}
