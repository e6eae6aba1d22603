/**
 * Multi-line paste confirmation (on by default: a serial console has no bracketed paste, so every
 * line runs). Shows line and character counts and a preview; sends at once, or line by line with a
 * pause between lines for slow UARTs that drop characters (docs/architecture.md#console-fast-path).
 */
import { useEffect, useRef, useState } from 'react';

interface Props {
  text: string;
  onSend(lines: string[], pacingMs: number): void;
  onCancel(): void;
}

/**
 * The pieces to send, each line with its Enter (`\r`, what a terminal sends), except a last line the
 * text did not end: "a\nb\nc\n" is three lines that all run, "a\nb" runs a and leaves b typed.
 */
export function pasteLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const endsWithNewline = lines.at(-1) === '';
  if (endsWithNewline) lines.pop();
  return lines.map((line, i) => (i < lines.length - 1 || endsWithNewline ? `${line}\r` : line));
}

export function PasteDialog({ text, onSend, onCancel }: Props) {
  const lines = pasteLines(text);
  const [pacing, setPacing] = useState(50);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div className="modal-backdrop" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div className="modal wide" role="alertdialog" aria-modal="true" aria-labelledby="paste-title">
        <h2 id="paste-title">
          Paste {lines.length} {lines.length === 1 ? 'line' : 'lines'} ({text.length.toLocaleString()} characters)?
        </h2>
        <p>A serial console runs each line as it arrives. Check the text before it goes to the machine.</p>
        <pre className="paste-preview" aria-label="Text to paste">
          {text}
        </pre>
        <label className="field inline">
          <span>Pause between lines (ms)</span>
          <input type="number" min={0} max={5000} value={pacing} onChange={(e) => setPacing(Number(e.target.value))} />
        </label>
        <div className="modal-actions">
          <button ref={cancelRef} type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" onClick={() => onSend(lines, pacing)}>
            Send line by line
          </button>
          <button type="button" className="primary" onClick={() => onSend([lines.join('')], 0)}>
            Send all
          </button>
        </div>
      </div>
    </div>
  );
}
