/**
 * Per-line timestamps for serial output (what Tabby, minicom and tio offer): a prefix inserted at the start of every line, absolute wall-clock or relative to
 * the first line, with millisecond precision for boot timing.
 */
export type TimestampMode = 'off' | 'absolute' | 'relative';

const encoder = new TextEncoder();

export class LineStamper {
  private atLineStart = true;
  private firstLineAt: number | null = null;

  constructor(public mode: TimestampMode = 'off') {}

  private prefix(now: number): Uint8Array {
    if (this.mode === 'relative') {
      this.firstLineAt ??= now;
      return encoder.encode(`\x1b[2m[+${((now - this.firstLineAt) / 1000).toFixed(3).padStart(8)}s]\x1b[0m `);
    }
    const d = new Date(now);
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    return encoder.encode(`\x1b[2m[${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}]\x1b[0m `);
  }

  /** Returns the bytes with a stamp before each line that starts in them. */
  apply(data: Uint8Array, now = Date.now()): Uint8Array {
    if (this.mode === 'off') {
      if (data.length > 0) this.atLineStart = data[data.length - 1] === 0x0a;
      return data;
    }
    const parts: Uint8Array[] = [];
    let start = 0;
    let stamp: Uint8Array | null = null;
    for (let i = 0; i < data.length; i++) {
      if (this.atLineStart) {
        stamp ??= this.prefix(now);
        parts.push(data.subarray(start, i), stamp);
        start = i;
        this.atLineStart = false;
      }
      if (data[i] === 0x0a) this.atLineStart = true;
    }
    parts.push(data.subarray(start));
    if (parts.length === 1) return data;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}
