/**
 * The one way a screen calls main to change something: busy while it runs (a second call meanwhile
 * is ignored, so a double click acts once), the error kept as data for an inline message, and a
 * toast naming what failed unless the screen shows the error itself.
 * Pattern: Oxide console's `useApiMutation`.
 */
import { useCallback, useLayoutEffect, useRef, useState } from 'react';
import type { AppErrorData } from '../../../shared/errors';
import { errorData } from '../bridge/client';
import { toast } from '../stores/toasts';

export interface MutationOptions<A extends unknown[], R> {
  /** Title of the failure toast ("Could not save"), or null to show the error inline only. */
  failure: string | ((...args: A) => string) | null;
  onSuccess?(result: R, ...args: A): void;
  onError?(error: AppErrorData, ...args: A): void;
}

export interface Mutation<A extends unknown[], R> {
  /** Runs the call; resolves to its result, or undefined when it failed or one was already running. */
  run(...args: A): Promise<R | undefined>;
  busy: boolean;
  error: AppErrorData | null;
  clearError(): void;
}

export function useMutation<A extends unknown[], R>(call: (...args: A) => Promise<R>, options: MutationOptions<A, R>): Mutation<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppErrorData | null>(null);
  const running = useRef(false);
  // The latest call and options, so `run` keeps one identity and never calls a stale closure.
  const latest = useRef({ call, options });
  useLayoutEffect(() => {
    latest.current = { call, options };
  });

  const run = useCallback(async (...args: A): Promise<R | undefined> => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setError(null);
    const { call: fn, options: opts } = latest.current;
    try {
      const result = await fn(...args);
      opts.onSuccess?.(result, ...args);
      return result;
    } catch (e) {
      const data = errorData(e);
      setError(data);
      const title = typeof opts.failure === 'function' ? opts.failure(...args) : opts.failure;
      if (title) toast('error', title, data.message);
      opts.onError?.(data, ...args);
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);

  const clearError = useCallback(() => setError(null), []);
  return { run, busy, error, clearError };
}
