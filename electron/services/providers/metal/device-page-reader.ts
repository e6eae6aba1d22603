/**
 * Reads device pages off main's event loop: in a worker kept for the sync (device-page-worker.ts,
 * bundled by the build as `__METAL_PAGE_READER__`), small pages inline. Where no bundled worker exists
 * (unit tests run the TypeScript), a caller may pass the worker's code itself, or none to read inline.
 */
import { AppError } from '../../../../shared/errors';
import { WorkerService } from '../../workers/worker-service';
import { readDevicePage, type DevicePage, type DevicePageAnswer, type DevicePageRequest } from './device-pages';

declare const __METAL_PAGE_READER__: string | undefined;

const bundledPageReader: string | null = typeof __METAL_PAGE_READER__ === 'string' ? __METAL_PAGE_READER__ : null;

/** Below this, reading inline costs less than the hop to the worker and back. */
const INLINE_BELOW_BYTES = 64 * 1024;

export class DevicePageReader {
  private readonly worker: WorkerService<DevicePageRequest, DevicePageAnswer> | null;

  constructor(source: string | null = bundledPageReader) {
    this.worker = source ? new WorkerService(source, { what: 'Reading the device list', timeoutMs: 60_000, maxHeapMb: 512, idleMs: 30_000 }) : null;
  }

  /** Whether pages go to the worker (the bench and the tests say which way they measured). */
  get offMain(): boolean {
    return this.worker !== null;
  }

  /** Whether pages would go to a thread already up (false: none, or it was let go after a quiet spell). */
  get workerUp(): boolean {
    return this.worker?.running ?? false;
  }

  /** Boots the worker now, for the pages to come. */
  warm(): void {
    this.worker?.warm();
  }

  /**
   * One page, in the worker unless it is small or `inline` says otherwise: a list's first page with
   * no worker up is read here, since a worker's first page took 440 ms (its boot and cold code)
   * where main took 115–135 ms, and that page is the first rows a user sees.
   */
  async read(request: DevicePageRequest, inline = false): Promise<DevicePage> {
    if (!this.worker || inline || request.body.byteLength < INLINE_BELOW_BYTES) return readDevicePage(request);
    // The answer's bytes are handed over, not copied, when they own their memory (a large answer does).
    const body = request.body;
    const owns = body.byteOffset === 0 && body.buffer.byteLength === body.byteLength && body.buffer instanceof ArrayBuffer;
    const answer = await this.worker.run(request, owns ? [body.buffer as ArrayBuffer] : []);
    if ('error' in answer) throw new AppError(answer.error.code, answer.error.message, { retryable: answer.error.retryable, detail: answer.error.detail });
    return answer.page;
  }

  stop(): void {
    this.worker?.stop();
  }
}
