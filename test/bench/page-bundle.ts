/**
 * Bundles a bench page script (test/bench/pages/) for evaluation in Chromium. Evaluated through the
 * DevTools protocol, it runs in pages whose CSP refuses inline scripts (the console's own page).
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export async function bundleForPage(name: string): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./pages/${name}`, import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    minify: true,
    jsx: 'automatic',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.css': 'text' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
