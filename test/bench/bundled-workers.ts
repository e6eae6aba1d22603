/**
 * Imported first by the bench: bundles the worker programs as scripts/build.mjs does and makes them
 * the globals the build would have defined, so that main's services running here (TypeScript, not
 * the build) read device pages off the event loop as the hosts do.
 */
import { buildSync } from 'esbuild';

const bundle = (entry: string) =>
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', write: false, minify: false, logLevel: 'warning' }).outputFiles[0]!.text;

Object.assign(globalThis, {
  __METAL_PAGE_READER__: bundle('electron/services/providers/metal/device-page-worker.ts'),
  __INVENTORY_PARSER__: bundle('electron/services/providers/inventory/inventory-parse-worker.ts'),
});
