/**
 * An in-memory transport for component tests: handlers typed from the contract, results shaped
 * exactly as the router shapes them, events pushed by the test.
 */
import { forWindow } from '../../shared/contract';
import { methods, type EventName, type EventPayload, type MethodName, type MethodOutput, type MethodParsedInput } from '../../shared/contract';
import { AppError, type Result } from '../../shared/errors';
import { RpcClient } from '../../renderer/src/bridge/client';
import type { LinkState, Transport, TransportEventListener } from '../../renderer/src/bridge/transport';

export type FakeHandlers = Partial<{ [K in MethodName]: (input: MethodParsedInput<K>) => MethodOutput<K> | Promise<MethodOutput<K>> }>;

export class FakeTransport implements Transport {
  readonly calls: { method: string; input: unknown }[] = [];
  private readonly listeners = new Set<TransportEventListener>();

  constructor(private readonly handlers: FakeHandlers) {}

  async invoke(method: string, input: unknown): Promise<Result<unknown>> {
    this.calls.push({ method, input });
    const spec = methods[method as MethodName];
    const handler = this.handlers[method as MethodName] as ((i: unknown) => unknown) | undefined;
    if (!spec || !handler) return { ok: false, error: { code: 'internal', message: `No fake for ${method}`, retryable: false } };
    const parsed = spec.input.safeParse(input);
    if (!parsed.success) return { ok: false, error: { code: 'invalid', message: parsed.error.issues[0]?.message ?? 'invalid', retryable: false } };
    try {
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, error: error.toData() };
      throw error;
    }
  }

  subscribe(listener: TransportEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onLinkState(listener: (state: LinkState) => void): () => void {
    listener('open');
    return () => undefined;
  }

  /** Sends an event as a host would: in its window form (a fleet patch packed, shared/contract forWindow). */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const sent = forWindow(event, payload);
    for (const listener of this.listeners) listener(event, sent);
  }

  client(): RpcClient {
    return new RpcClient(this);
  }
}
