/**
 * A worker thread kept for a stream of jobs (the pages of a fleet sync), where worker-task.ts starts
 * one per job. Same rules: the code is a string bundled at build time and run with `eval: true`, so it
 * loads the same from `out/` and from inside a packaged `app.asar`; the worker has its own heap cap;
 * every job has a deadline. Started on the first job, let go after a quiet spell, started again if
 * it dies: a crashed worker fails the jobs in flight (each as an error a person can read), never main.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../../../shared/errors';

export interface WorkerServiceOptions {
  /** What the jobs are, for messages: "Reading the device list". */
  what: string;
  timeoutMs?: number;
  maxHeapMb?: number;
  /** The worker is let go after this long without a job. */
  idleMs?: number;
}

/** A job as posted: its id and input. The worker answers `{ id, output }`. */
export interface WorkerJob<I> {
  id: number;
  input: I;
}

interface Pending<O> {
  resolve(output: O): void;
  reject(error: AppError): void;
  timer: NodeJS.Timeout;
}

export class WorkerService<I, O> {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending<O>>();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: string,
    private readonly options: WorkerServiceOptions,
  ) {}

  /** Runs one job; `transfer` hands buffers over instead of copying them. */
  run(input: I, transfer: ArrayBuffer[] = []): Promise<O> {
    const worker = this.started();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const id = this.nextId++;
    return new Promise<O>((resolve, reject) => {
      const timeoutMs = this.options.timeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AppError('timeout', `${this.options.what} took longer than ${Math.max(1, Math.round(timeoutMs / 1000))} s; Ironpane stopped it.`));
        // A job that ran away keeps the thread busy: start afresh for the next one.
        this.stop();
      }, timeoutMs);
      timer.unref?.();
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, input } satisfies WorkerJob<I>, transfer);
    });
  }

  /** Whether the thread is up (booted or booting). */
  get running(): boolean {
    return this.worker !== null;
  }

  /**
   * Starts the worker ahead of its first job (a sync that read its first page itself), so the thread
   * boots while other work goes on; let go after the quiet spell if no job comes.
   */
  warm(): void {
    if (this.worker) return;
    const worker = this.started();
    if (this.pending.size === 0) this.idleSoon(worker);
  }

  /** Lets the worker go; jobs in flight fail. */
  stop(): void {
    const worker = this.worker;
    this.worker = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (worker) void worker.terminate();
    this.failAll(new AppError('unavailable', `${this.options.what} was stopped before it finished; retry.`));
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const maxHeapMb = this.options.maxHeapMb ?? 512;
    const worker = new Worker(this.source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: maxHeapMb }, stdout: false, stderr: false });
    worker.unref();
    worker.on('message', (message: { id: number; output: O }) => {
      const job = this.pending.get(message.id);
      if (!job) return;
      this.pending.delete(message.id);
      clearTimeout(job.timer);
      job.resolve(message.output);
      if (this.pending.size === 0) this.idleSoon(worker);
    });
    worker.on('error', (error: Error) => {
      const heap = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      // A worker already let go (stop) failed its jobs then; the jobs now pending are a new worker's.
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(
        new AppError(
          'invalid',
          heap ? `${this.options.what} needed more memory than Ironpane allows it (${maxHeapMb} MiB).` : `${this.options.what} failed: ${error.message}`,
          {
            retryable: true,
          },
        ),
      );
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(new AppError('internal', `${this.options.what} stopped unexpectedly (exit ${code}); retry.`, { retryable: true }));
    });
    this.worker = worker;
    return worker;
  }

  private idleSoon(worker: Worker): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.worker === worker && this.pending.size === 0) this.stop();
    }, this.options.idleMs ?? 30_000);
    this.idleTimer.unref?.();
  }

  private failAll(error: AppError): void {
    for (const [id, job] of this.pending) {
      clearTimeout(job.timer);
      job.reject(error);
      this.pending.delete(id);
    }
  }
}
