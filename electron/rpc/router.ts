/**
 * Maps contract methods to service calls. Validates input, wraps answers in the Result envelope,
 * maps thrown errors to codes and knows nothing about transports.
 */
import { randomUUID } from 'node:crypto';
import { isMethodName, methods, type MethodName, type MethodOutput, type MethodParsedInput } from '../../shared/contract';
import { AppError, err, ok, type Result } from '../../shared/errors';
import { describeIssue, plainWordsErrorMap, truncate } from '../../shared/plain-words';

const MAX_ISSUES_SHOWN = 5;

export type Handlers = { [K in MethodName]: (input: MethodParsedInput<K>) => Promise<MethodOutput<K>> };

export interface RouterLog {
  error(message: string, fields: Record<string, unknown>): void;
}

export interface Router {
  call(method: unknown, input: unknown): Promise<Result<unknown>>;
}

export function createRouter(handlers: Handlers, log: RouterLog): Router {
  return {
    async call(method, input) {
      if (!isMethodName(method)) {
        return err({ code: 'invalid', message: `Unknown method ${JSON.stringify(truncate(String(method), 80))}.`, retryable: false });
      }
      const spec = methods[method];
      const parsed = spec.input.safeParse(input ?? {}, { error: plainWordsErrorMap });
      if (!parsed.success) {
        // Bounded: a few issues, each truncated, however many the input produced.
        const issues = parsed.error.issues;
        const shown = issues.slice(0, MAX_ISSUES_SHOWN).map(describeIssue);
        if (issues.length > shown.length) shown.push(`…and ${issues.length - shown.length} more problems`);
        return err({ code: 'invalid', message: shown[0] ?? 'Invalid input.', retryable: false, detail: shown.join('\n') });
      }
      try {
        const handler = handlers[method] as (i: unknown) => Promise<unknown>;
        const value = await handler(parsed.data);
        return ok(value);
      } catch (cause) {
        const requestId = randomUUID().slice(0, 8);
        if (cause instanceof AppError) {
          if (cause.code === 'internal') log.error(`${method} failed`, { requestId, cause });
          return err(cause.toData(requestId));
        }
        // Anything that is not an AppError is a bug: keep its details in main's log only.
        log.error(`${method} threw`, { requestId, cause });
        return err({
          code: 'internal',
          message: `Something went wrong in Ironpane (request ${requestId}). The details are in the main process log.`,
          retryable: false,
          requestId,
        });
      }
    },
  };
}
