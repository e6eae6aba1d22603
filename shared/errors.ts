/**
 * Errors cross every boundary (service → router → transport → renderer) as plain data with a
 * fixed code, a message a person can act on, and whether retrying can help. No stacks, no secrets.
 */
import { z } from 'zod';

export const ERROR_CODES = [
  'auth',
  'unreachable',
  'timeout',
  'not_found',
  'conflict',
  'invalid',
  'rate_limited',
  'unavailable',
  'cancelled',
  'host_key_unknown',
  'host_key_changed',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const AppErrorDataSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  retryable: z.boolean(),
  detail: z.string().optional(),
  requestId: z.string().optional(),
});
export type AppErrorData = z.infer<typeof AppErrorDataSchema>;

/** Codes where trying again later can succeed without the user changing anything. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set(['unreachable', 'timeout', 'rate_limited', 'unavailable']);

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly detail?: string;

  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; detail?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.detail = options.detail;
  }

  toData(requestId?: string): AppErrorData {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(requestId === undefined ? {} : { requestId }),
    };
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = (error: AppErrorData): Result<never> => ({ ok: false, error });

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
