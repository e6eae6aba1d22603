/**
 * Masks the exact bytes of secrets in a console's byte stream before anything leaves main: the frames
 * to every attached window, the attach backlog, the session log file and a runbook's transcript. A
 * runbook step that sent a password which the machine echoed (`echo …`, a shell with echo on) used to
 * carry it to both windows in `console.data` frames and into the backlog.
 *
 * A secret can be split across chunks, so the tail of each chunk that could begin a secret is held
 * back until the next chunk (or `flush`, which the session calls after a short quiet spell) decides.
 */
const MASK = Buffer.from('••••••', 'utf8');

export class SecretMasker {
  private readonly secrets: Buffer[];
  private readonly firstBytes: Set<number>;
  private carry: Buffer = Buffer.alloc(0);

  constructor(secrets: readonly string[]) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = secrets
      .filter((s) => s.length > 0)
      .map((s) => Buffer.from(s, 'utf8'))
      .sort((a, b) => b.length - a.length);
    this.firstBytes = new Set(this.secrets.map((s) => s[0]!));
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** Bytes that are safe to pass on now; what might start a secret stays until the next call. */
  push(chunk: Buffer): Buffer {
    if (!this.active) return chunk;
    return this.scan(this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk, false);
  }

  /** Whatever was held back, masked: no secret can complete any more (the line went quiet or ended). */
  flush(): Buffer {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return rest.length ? this.scan(rest, true) : rest;
  }

  private scan(data: Buffer, final: boolean): Buffer {
    const out: Buffer[] = [];
    let from = 0;
    let i = 0;
    scan: while (i < data.length) {
      if (!this.firstBytes.has(data[i]!)) {
        i++;
        continue;
      }
      // Longest first: at this byte, a secret that is still arriving wins over a shorter one that is complete.
      for (const secret of this.secrets) {
        const available = Math.min(secret.length, data.length - i);
        if (data.compare(secret, 0, available, i, i + available) !== 0) continue;
        if (available < secret.length) {
          if (final) continue;
          // The data ends inside what could be this secret: hold it back from here.
          out.push(data.subarray(from, i));
          this.carry = Buffer.from(data.subarray(i));
          return Buffer.concat(out);
        }
        out.push(data.subarray(from, i), MASK);
        i += secret.length;
        from = i;
        continue scan;
      }
      i++;
    }
    out.push(data.subarray(from));
    this.carry = Buffer.alloc(0);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  get holding(): number {
    return this.carry.length;
  }
}
