/**
 * An account's published request limit, kept on our side: at most `limit` requests leave in any
 * `windowMs` (a sliding window, so a fixed-window server never sees one too many), and when requests
 * queue for the budget, reads go first. Reads are what lets running operations verify and finish
 * (a fleet sync, following a changing node); writes start new work and can wait. p-throttle and
 * bottleneck do the window but not this ordering with a strict window, which is why this is our own.
 */
import { sql } from 'kysely';
import type { Logger } from '../ports';
import { storeAway, type StoreBackend } from '../store/store-backend';

export type RequestPriority = 'read' | 'write';

export class RequestBudget implements RequestPacer {
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

/** What a client asks of a budget, wherever it is kept. */
export interface RequestPacer {
  readonly queued: number;
  take(priority: RequestPriority): Promise<number>;
}

/** A connection's limit as a provider publishes it: `limit` requests in any `windowMs`. */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/**
 * Makes the budget for one provider account (`key`: its API address and project, never a secret).
 * A team's consoles on one PostgreSQL store share it; otherwise it is this console's own.
 */
export type RequestBudgetFactory = (key: string, limit: RateLimit) => RequestPacer;

/** How many of a burst one store round trip may take at once (each is a row). */
const MAX_SLOTS_PER_TAKE = 50;

/**
 * An account's budget shared by every console on a team's store: each request that leaves is a row
 * (`request_budget_sends`), counted over the sliding window under a per-account transaction lock
 * (`pg_advisory_xact_lock`, https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS),
 * so two consoles together stay under the limit. Times are the database's clock, one for all
 * consoles. Queued reads still go before writes, as in RequestBudget. While the store is away this
 * console keeps, on its own, to half the limit: it cannot know how many others are running.
 */
export class SharedRequestBudget implements RequestPacer {
  private readonly queues: Record<RequestPriority, { queuedAt: number; go: (waited: number) => void }[]> = { read: [], write: [] };
  private pumping = false;
  private readonly alone: RequestBudget;

  constructor(
    private readonly store: StoreBackend,
    private readonly key: string,
    private readonly rate: RateLimit,
    private readonly log: Logger,
  ) {
    this.alone = new RequestBudget(Math.max(1, Math.floor(rate.limit / 2)), rate.windowMs);
  }

  get queued(): number {
    return this.queues.read.length + this.queues.write.length;
  }

  take(priority: RequestPriority): Promise<number> {
    return new Promise<number>((resolve) => {
      this.queues[priority].push({ queuedAt: Date.now(), go: resolve });
      void this.pump();
    });
  }

  private next() {
    return this.queues.read.shift() ?? this.queues.write.shift();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queued > 0) {
        let granted: { slots: number; waitMs: number };
        try {
          granted = await this.takeSlots(Math.min(this.queued, MAX_SLOTS_PER_TAKE));
        } catch (error) {
          this.log.warn('the shared request budget did not answer; keeping to half the limit alone until it does', { budget: this.key, cause: error });
          const waiting = this.next()!;
          await this.alone.take('read');
          waiting.go(Date.now() - waiting.queuedAt);
          continue;
        }
        for (let i = 0; i < granted.slots; i++) {
          const waiting = this.next();
          waiting?.go(Date.now() - waiting.queuedAt);
        }
        if (granted.slots === 0) await new Promise((resolve) => setTimeout(resolve, granted.waitMs));
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Takes up to `wanted` slots now; with none free, says how long until the oldest one leaves the window. */
  private async takeSlots(wanted: number): Promise<{ slots: number; waitMs: number }> {
    const backend = this.store;
    const status = backend.status();
    if (!status.reachable) throw storeAway(status.label, status.since);
    const { limit, windowMs } = this.rate;
    return backend.db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${this.key}))`.execute(tx);
      const now = Number((await sql<{ now: number }>`SELECT extract(epoch from clock_timestamp()) * 1000 AS now`.execute(tx)).rows[0]!.now);
      await tx
        .deleteFrom('request_budget_sends')
        .where('budget', '=', this.key)
        .where('sent_at', '<=', now - windowMs)
        .execute();
      const used = await tx
        .selectFrom('request_budget_sends')
        .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('sent_at').as('oldest')])
        .where('budget', '=', this.key)
        .executeTakeFirstOrThrow();
      const free = limit - Number(used.n);
      if (free <= 0) return { slots: 0, waitMs: Math.max(5, Number(used.oldest) + windowMs - now + 1) };
      const slots = Math.min(free, wanted);
      await tx
        .insertInto('request_budget_sends')
        .values(Array.from({ length: slots }, () => ({ budget: this.key, sent_at: now })))
        .execute();
      return { slots, waitMs: 0 };
    });
  }
}
