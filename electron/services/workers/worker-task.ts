/**
 * Runs one CPU-heavy job (parsing a large untrusted file) in a worker thread, so main's event loop
 * stays free for the window and the consoles: a 15 MiB inventory parsed on main froze it 7–11 s.
 *
 * The worker's code arrives as a string bundled at build time (scripts/build.mjs), run with
 * `eval: true`: nothing is resolved from disk at run time, so it loads the same from `out/` and from
 * inside a packaged `app.asar`. Results come back in batches, so no single message takes main long
 * to deserialise. The worker has its own heap limit and a deadline.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../../../shared/errors';

export interface WorkerTaskOptions {
  /** What the job is, for messages: "Reading the inventory file". */
  what: string;
  timeoutMs?: number;
  /** The worker's own old-generation heap cap. */
  maxHeapMb?: number;
}

/** What a worker posts: batches of items, then one `done` with the rest of the result. */
export type WorkerMessage<T, R> = { batch: T[] } | { done: R };

export function runWorkerTask<I, T, R>(source: string, input: I, options: WorkerTaskOptions): Promise<{ items: T[]; result: R }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 512 }, stdout: false, stderr: false });
    const items: T[] = [];
    let settled = false;
    const finish = (error: AppError | null, result?: R) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (error) reject(error);
      else resolve({ items, result: result as R });
    };
    const timer = setTimeout(
      () => finish(new AppError('timeout', `${options.what} took longer than ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s; Ironpane stopped it.`)),
      options.timeoutMs ?? 60_000,
    );
    timer.unref?.();
    worker.on('message', (message: WorkerMessage<T, R>) => {
      if ('batch' in message) for (const item of message.batch) items.push(item);
      else finish(null, message.done);
    });
    worker.on('error', (error: Error) => {
      const heap = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      finish(
        new AppError(
          'invalid',
          heap ? `${options.what} needed more memory than Ironpane allows it (${options.maxHeapMb ?? 512} MiB).` : `${options.what} failed: ${error.message}`,
          { retryable: false },
        ),
      );
    });
    worker.on('exit', (code) => finish(new AppError('internal', `${options.what} stopped unexpectedly (exit ${code}).`)));
    worker.postMessage(input);
  });
}
