/**
 * The one button. A button that cannot act says why: `disabledReason` is shown as its tooltip and
 * read out as its description (`aria-describedby`). It stays focusable (`aria-disabled`, not
 * `disabled`), so a keyboard user can reach the reason too; a click on it does nothing. `busy` marks
 * work in flight and swallows the double click.
 * Pattern: Oxide console's `Button` with `disabledReason`, and the WAI-ARIA note on focusable
 * disabled controls (https://www.w3.org/WAI/ARIA/apg/practices/keyboard-interface/#focusabilityofdisabledcontrols).
 */
import { useId, type ButtonHTMLAttributes, type MouseEvent } from 'react';

export interface ButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'disabled'> {
  /** Why the button cannot act now; null or undefined means it can. */
  disabledReason?: string | null;
  /** Work this button started is still running. */
  busy?: boolean;
  /** Blocked without a reason worth saying (rare: prefer disabledReason). */
  disabled?: boolean;
}

export function Button({ disabledReason, busy = false, disabled = false, title, onClick, type = 'button', children, ...rest }: ButtonProps) {
  const reasonId = useId();
  const blocked = Boolean(disabledReason) || busy || disabled;
  const click = (event: MouseEvent<HTMLButtonElement>) => {
    if (blocked) {
      event.preventDefault();
      return;
    }
    onClick?.(event);
  };
  const describedBy = [rest['aria-describedby'], disabledReason ? reasonId : null].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <button
        type={type}
        {...rest}
        aria-disabled={blocked || undefined}
        aria-busy={busy || undefined}
        aria-describedby={describedBy}
        title={disabledReason ?? title}
        onClick={click}
      >
        {children}
      </button>
      {/* Outside the button, so the reason describes it without becoming part of its name. */}
      {disabledReason && (
        <span id={reasonId} className="sr-only">
          {disabledReason}
        </span>
      )}
    </>
  );
}
