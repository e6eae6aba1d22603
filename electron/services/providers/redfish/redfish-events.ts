/**
 * A BMC's changes as they happen, where it offers them: the event service's server-sent event
 * stream (DSP0266 §13.5 "Server-sent events"; EventService v1.3+ `ServerSentEventUri`). Each event
 * names what changed in `OriginOfCondition` (Event v1.1+); the provider reads those systems again
 * at the fleet's next delta instead of listing the whole BMC every few seconds.
 *
 * The stream is a peer's answer like any other (docs/architecture.md#what-ironpane-trusts): it is
 * opened only on the BMC's origin with its pinned certificate; it is dropped and opened again after
 * 10 minutes of silence, 30 minutes of life or 32 MiB; one event over 256 KiB, or JSON nested
 * too deep, ends it. Whenever it is not open, or an event names nothing the provider can place,
 * `take` answers null: the fleet lists everything, as it does for a BMC without a stream.
 */
import { createParser } from 'eventsource-parser';
import { AppError, isAppError } from '../../../../shared/errors';
import { parseJsonLimited } from '../../net/peer-http';
import type { RedfishClient } from './redfish-client';
import { EventMessageWire, EventServiceWire } from './wire';

const STREAM_LIMITS = { idleMs: 10 * 60_000, deadlineMs: 30 * 60_000, maxBytes: 32 * 1024 * 1024 };
/** Bytes one event may take, counted from the end of the previous one. */
const MAX_EVENT_BYTES = 256 * 1024;
const MAX_EVENT_DEPTH = 32;
/** More changed resources than this between two deltas, and a full list is cheaper. */
const MAX_CHANGED = 500;
/** Waits before opening the stream again after it failed: 1st, 2nd, 3rd… failure in a row. */
const RETRY_MS = [2_000, 5_000, 15_000, 60_000];
/** A stream that ends sooner than this is treated as a failure (backed off), not as a stream that ran its course. */
const MIN_STREAM_LIFE_MS = 10_000;
/** Redfish's heartbeat (HeartbeatEvent registry) says the service is alive, not that anything changed. */
const HEARTBEAT = /^HeartbeatEvent\./;

export type EventStreamState = 'starting' | 'open' | 'closed' | 'unsupported';

export interface EventStreamOptions {
  /** Waits before reopening (tests shorten them). */
  retryMs?: readonly number[];
  limits?: Partial<typeof STREAM_LIMITS>;
  log?: { warn(message: string, meta?: Record<string, unknown>): void };
}

export class RedfishEventStream {
  state: EventStreamState = 'starting';
  /** Why the stream is not open, for the connection's detail (null while open or before the first try). */
  problem: string | null = null;
  private readonly changed = new Set<string>();
  /** Something may have changed that `changed` does not name: the stream was down, or an event named nothing. */
  private missed = true;
  private abort: AbortController | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly client: RedfishClient,
    private readonly options: EventStreamOptions = {},
  ) {}

  /** False once the BMC showed it has no stream (no event service, no `ServerSentEventUri`, 404/405). */
  get supported(): boolean {
    return this.state !== 'unsupported';
  }

  /** Starts following the BMC, once; a stream that ends or fails is opened again. */
  start(): void {
    if (this.running || this.stopped || this.state === 'unsupported') return;
    this.running = this.run().finally(() => (this.running = null));
  }

  /** A full list is starting: whatever happened before it, it reads. */
  listed(): void {
    this.changed.clear();
    this.missed = this.state !== 'open';
  }

  /** The resources events named since the last list or take (`@odata.id` paths); null when only a full list can tell. */
  take(): string[] | null {
    if (this.missed || this.state !== 'open') return null;
    const paths = [...this.changed];
    this.changed.clear();
    return paths;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const uri = await this.streamUri();
        if (uri === null) {
          this.state = 'unsupported';
          this.problem = 'The BMC offers no server-sent event stream; Ironpane polls it.';
          return;
        }
        const started = Date.now();
        await this.follow(uri);
        // A stream that ran a while is opened again at once; one the BMC ends at once counts as a
        // failure, so a BMC that hangs up on every stream is not asked again in a tight loop.
        failures = Date.now() - started >= MIN_STREAM_LIFE_MS ? 0 : failures + 1;
      } catch (error) {
        if (this.stopped) return;
        // A stream the BMC refuses outright (404/405/501, not an event stream) will not come: poll instead.
        if (isAppError(error) && (error.code === 'not_found' || error.code === 'invalid') && this.state !== 'open') {
          this.state = 'unsupported';
          this.problem = `The BMC's event stream is not usable (${error.message}); Ironpane polls it.`;
          return;
        }
        this.problem = isAppError(error) ? error.message : 'The event stream failed.';
        this.options.log?.warn('BMC event stream failed', { origin: this.client.origin, cause: this.problem });
        failures += 1;
      }
      this.state = 'closed';
      this.missed = true;
      if (this.stopped) return;
      const retry = this.options.retryMs ?? RETRY_MS;
      await this.sleep(failures === 0 ? 0 : retry[Math.min(failures, retry.length) - 1]!);
    }
  }

  /** The stream's address, or null when the BMC has none. */
  private async streamUri(): Promise<string | null> {
    const root = await this.client.serviceRoot();
    if (!root.EventService) return null;
    const service = await this.client.get(root.EventService['@odata.id'], EventServiceWire, 'event service');
    if (service.ServiceEnabled === false || !service.ServerSentEventUri) return null;
    return service.ServerSentEventUri;
  }

  private async follow(uri: string): Promise<void> {
    const controller = new AbortController();
    this.abort = controller;
    const decoder = new TextDecoder();
    let sinceEvent = 0;
    let opened = false;
    const parser = createParser({
      onEvent: (event) => {
        sinceEvent = 0;
        this.onMessage(event.data);
      },
    });
    await this.client.stream(uri, { ...STREAM_LIMITS, ...this.options.limits }, controller.signal, (chunk, contentType) => {
      if (!opened) {
        if (!/^text\/event-stream\b/i.test(contentType))
          throw new AppError('invalid', `${uri} is not an event stream (it answered ${contentType || 'no type'})`);
        opened = true;
        this.state = 'open';
        this.problem = null;
      }
      sinceEvent += chunk.length;
      if (sinceEvent > MAX_EVENT_BYTES)
        throw new AppError('unavailable', `The BMC sent an event over ${MAX_EVENT_BYTES / 1024} KiB; Ironpane opens the stream again.`);
      parser.feed(decoder.decode(chunk, { stream: true }));
    });
  }

  private onMessage(data: string): void {
    let message: EventMessageWire | null = null;
    try {
      const parsed = EventMessageWire.safeParse(parseJsonLimited(Buffer.from(data), MAX_EVENT_DEPTH, () => 'an event from the BMC'));
      if (parsed.success) message = parsed.data;
    } catch {
      message = null;
    }
    // An event Ironpane cannot read may still say something changed.
    if (!message) {
      this.missed = true;
      return;
    }
    for (const event of message.Events) {
      if (event.MessageId && HEARTBEAT.test(event.MessageId)) continue;
      const origin = typeof event.OriginOfCondition === 'string' ? event.OriginOfCondition : event.OriginOfCondition?.['@odata.id'];
      if (!origin) {
        this.missed = true;
        continue;
      }
      // Once a full list is due, what the events name no longer matters: nothing more is kept, so a
      // BMC naming new resources for ever cannot grow the set.
      if (this.missed) continue;
      this.changed.add(origin.replace(/#.*$/, '').replace(/\/+$/, ''));
      if (this.changed.size > MAX_CHANGED) {
        this.missed = true;
        this.changed.clear();
      }
    }
  }

  /** How many changed resources are held (tests check the bound). */
  get held(): number {
    return this.changed.size;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
