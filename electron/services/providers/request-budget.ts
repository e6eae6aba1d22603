/**
 * An account's published request limit, kept on our side: at most `limit` requests leave in any
 * `windowMs` (a sliding window, so a fixed-window server never sees one too many), and when requests
 * queue for the budget, reads go first. Reads are what lets running operations verify and finish
 * (a fleet sync, following a changing node); writes start new work and can wait. p-throttle and
 * bottleneck do the window but not this ordering with a strict window, which is why this is our own.
 */
export type RequestPriority = 'read' | 'write';

export class RequestBudget {
  /** When each of the last `limit` requests left, oldest first. */
  private readonly sent: number[] = [];
  private readonly queues: Record<RequestPriority, (() => void)[]> = { read: [], write: [] };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Requests waiting for the budget now. */
  get queued(): number {
    return this.queues.read.length + this.queues.write.length;
  }

  /** Resolves when the request may go, with how long it waited. */
  take(priority: RequestPriority): Promise<number> {
    const queuedAt = this.now();
    return new Promise<number>((resolve) => {
      this.queues[priority].push(() => resolve(this.now() - queuedAt));
      this.pump();
    });
  }

  private pump(): void {
    if (this.timer) return;
    while (this.queued > 0) {
      const now = this.now();
      if (this.sent.length >= this.limit) {
        const freeAt = this.sent[0]! + this.windowMs;
        if (freeAt > now) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.pump();
          }, freeAt - now);
          this.timer.unref?.();
          return;
        }
        this.sent.shift();
      }
      this.sent.push(now);
      (this.queues.read.shift() ?? this.queues.write.shift())!();
    }
  }
}
