/**
 * The two halves of the serial fast path in main: a batcher that sends a lone chunk at once and
 * merges what follows within 5 ms into one message, and the watermark counter that pauses the SSH
 * stream while the renderer is behind.
 */
import { CONSOLE_BATCH_MAX_BYTES, CONSOLE_BATCH_MS, FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK } from '../../../shared/flow-control';

export class DataBatcher {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Set while a batching window is open: chunks then wait for its end (or for `maxBytes`). */
  private timer: NodeJS.Timeout | null = null;

  /**
   * The first chunk after an idle line goes at once (an echoed keystroke must not wait for a batch),
   * and opens a `delayMs` window in which whatever follows is merged: batching only under load, as
   * VS Code's terminal does. A batch also goes at once when `maxBytes` have piled up: with a
   * 100,000-byte high watermark, waiting the full 5 ms under a flood would cap the console at ~20 MB/s.
   */
  constructor(
    private readonly flush: (data: Buffer) => void,
    private readonly delayMs = CONSOLE_BATCH_MS,
    private readonly maxBytes = CONSOLE_BATCH_MAX_BYTES,
  ) {}

  push(chunk: Buffer): void {
    if (!this.timer && this.chunks.length === 0) {
      this.flush(chunk);
      this.openWindow();
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.maxBytes) this.send();
    else if (!this.timer) this.openWindow();
  }

  /** Sends what is waiting now (before a teardown). */
  drain(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.send();
  }

  private openWindow(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      // Data came during the window: send it and keep batching; nothing came: the line is idle again.
      if (this.chunks.length > 0) {
        this.send();
        this.openWindow();
      }
    }, this.delayMs);
  }

  private send(): void {
    if (this.chunks.length === 0) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    this.flush(data);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.chunks = [];
    this.size = 0;
  }
}

export class FlowController {
  private unacked = 0;
  private paused = false;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly high = FLOW_HIGH_WATERMARK,
    private readonly low = FLOW_LOW_WATERMARK,
  ) {}

  get pending(): number {
    return this.unacked;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  sent(bytes: number): void {
    this.unacked += bytes;
    if (!this.paused && this.unacked > this.high) {
      this.paused = true;
      this.pause();
    }
  }

  acked(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.unacked < this.low) {
      this.paused = false;
      this.resume();
    }
  }

  /** A fresh renderer has nothing in flight: forget what the old one never acknowledged. */
  reset(): void {
    this.acked(this.unacked);
  }
}
