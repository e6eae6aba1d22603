// `npm start`: the desktop app when Electron's binary is installed; otherwise say so plainly and
// start the web host, which prints the URL (with its one-time token) to open in a browser.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The Electron binary's path, or null. Reads the package's `path.txt` the way `electron/index.js`
 * does, but never requires that file: since Electron 45 requiring it starts a download when the
 * binary is missing, and this must not reach the network.
 */
function electronBinary() {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = path.join(dir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const relative = readFileSync(pathFile, 'utf8');
    const binary = process.env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative) : path.join(dir, 'dist', relative);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function run(command, args) {
  const child = spawn(command, args, { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code) => process.exit(code ?? 0));
  return child;
}

const binary = process.env.IRONPANE_WEB === '1' ? null : electronBinary();
if (binary) {
  run(binary, ['.']);
} else {
  console.log(
    [
      '',
      process.env.IRONPANE_WEB === '1'
        ? 'IRONPANE_WEB=1: starting the web host instead of the desktop app.'
        : "Electron's binary is not installed here (npm ci ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or the download failed),",
      process.env.IRONPANE_WEB === '1' ? '' : 'so the desktop window cannot open. Starting the web host instead; open the link below in a browser.',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  run(process.execPath, ['out/web/serve.mjs']);
}
