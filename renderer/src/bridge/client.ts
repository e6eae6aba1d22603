/**
 * The typed client every screen uses. Method names, inputs and outputs come from the contract, so
 * a renamed method fails to compile here. Failures throw `ClientError` carrying the error data.
 */
import { fromHost, type EventName, type EventPayload, type MethodInput, type MethodName, type MethodOutput } from '../../../shared/contract';
import type { AppErrorData } from '../../../shared/errors';
import type { LinkState, Transport } from './transport';

export class ClientError extends Error {
  constructor(readonly data: AppErrorData) {
    super(data.message);
    this.name = 'ClientError';
  }
}

export function errorData(error: unknown): AppErrorData {
  if (error instanceof ClientError) return error.data;
  return { code: 'internal', message: error instanceof Error ? error.message : String(error), retryable: false };
}

export class RpcClient {
  constructor(private readonly transport: Transport) {}

  // Outputs are trusted: they come from our own main process, which validated what it sent.
  async call<K extends MethodName>(method: K, input: MethodInput<K>): Promise<MethodOutput<K>> {
    const result = await this.transport.invoke(method, input);
    if (!result.ok) throw new ClientError(result.error);
    return result.value as MethodOutput<K>;
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.transport.subscribe((name, payload) => {
      if (name === event) listener(fromHost(name, payload) as EventPayload<E>);
    });
  }

  onLinkState(listener: (state: LinkState) => void): () => void {
    return this.transport.onLinkState(listener);
  }
}
