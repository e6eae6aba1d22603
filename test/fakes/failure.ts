/** Awaits a promise that must reject with an AppError, and returns that error for the test to read. */
import { AppError } from '../../shared/errors';

export async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}
