// `npm start`: the desktop app when Electron's binary is installed; otherwise say so plainly and
// start the web host, which prints the URL (with its one-time token) to open in a browser.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

function electronBinary() {
  try {
    // The `electron` package exports the binary's path, and throws if the download was skipped.
    const binary = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
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
