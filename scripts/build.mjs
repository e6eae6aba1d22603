// Builds the three bundles into out/: renderer (Vite), main + preload (esbuild, CommonJS for
// Electron), and the web host (esbuild, ESM). The web host is never packaged into the desktop app.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

const quiet = process.argv.includes('--quiet');
const started = Date.now();

await viteBuild({ configFile: 'vite.config.ts', logLevel: quiet ? 'warn' : 'info' });

const WORKER_BANNER = '/*ironpane-worker*/';
const node = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', packages: 'external' };
// Worker programs, bundled whole (their packages included) into a string that main runs with
// `new Worker(source, { eval: true })`: nothing to resolve on disk, inside app.asar or out.
// Each starts with a banner the package tier finds it by inside the packaged main.cjs.
const workerSource = async (entry) =>
  (
    await esbuild({
      ...node,
      sourcemap: false,
      packages: undefined,
      entryPoints: [entry],
      format: 'cjs',
      write: false,
      minify: true,
      banner: { js: WORKER_BANNER },
    })
  ).outputFiles[0].text;
const workers = {
  __INVENTORY_PARSER__: JSON.stringify(await workerSource('electron/services/providers/inventory/inventory-parse-worker.ts')),
  __METAL_PAGE_READER__: JSON.stringify(await workerSource('electron/services/providers/metal/device-page-worker.ts')),
};
node.define = workers;
await Promise.all([
  esbuild({ ...node, entryPoints: ['electron/main/main.ts'], outfile: 'out/main/main.cjs', format: 'cjs', external: ['electron'] }),
  // Sandboxed preloads can require only `electron`: bundle everything else in.
  esbuild({
    ...node,
    packages: undefined,
    entryPoints: ['electron/preload/preload.ts'],
    outfile: 'out/preload/preload.cjs',
    format: 'cjs',
    external: ['electron'],
  }),
  esbuild({ ...node, entryPoints: ['electron/hosts/web/serve.ts'], outfile: 'out/web/serve.mjs', format: 'esm' }),
  esbuild({ ...node, entryPoints: ['electron/hosts/lab/lab-process.ts'], outfile: 'out/lab/lab.mjs', format: 'esm' }),
  esbuild({ ...node, entryPoints: ['electron/hosts/store/store-cli.ts'], outfile: 'out/store/store.mjs', format: 'esm' }),
]);

if (!quiet) console.log(`built out/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
