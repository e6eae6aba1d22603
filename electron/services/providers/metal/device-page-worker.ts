/**
 * The Metal device-page reader as a worker thread's program (see ../../workers/worker-service.ts):
 * each job is one page's bytes; the answer is the page as MetalProvider keeps it, or the error as
 * data. Bundled on its own by scripts/build.mjs (`__METAL_PAGE_READER__`); never imported by main.
 */
import { parentPort } from 'node:worker_threads';
import { isAppError } from '../../../../shared/errors';
import type { WorkerJob } from '../../workers/worker-service';
import { readDevicePage, type DevicePageAnswer, type DevicePageRequest } from './device-pages';

const port = parentPort!;
port.on('message', ({ id, input }: WorkerJob<DevicePageRequest>) => {
  let output: DevicePageAnswer;
  try {
    output = { page: readDevicePage(input) };
  } catch (error) {
    output = {
      error: isAppError(error) ? error.toData() : { code: 'internal', message: 'Reading a device page failed in its worker.', retryable: false },
    };
  }
  port.postMessage({ id, output });
});
