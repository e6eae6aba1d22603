/**
 * Runs in the console's own page (evaluated by the console bench): a second xterm with the console's
 * options over the console's own panel, fed the flood's bytes straight from memory with write
 * callbacks as flow control. What it reaches is xterm's write ceiling on this machine, the anchor
 * the end-to-end console throughput is a ratio of.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { Terminal } from '@xterm/xterm';

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Bytes xterm may hold unparsed; far under its 50 MB discard mark, far over one write. */
const IN_FLIGHT = 1024 * 1024;

async function xtermCeiling(blockBase64: string, totalBytes: number, writeBytes: number, rect: Rect): Promise<{ seconds: number; cols: number; rows: number }> {
  const block = Uint8Array.from(atob(blockBase64), (c) => c.charCodeAt(0));
  const host = document.createElement('div');
  Object.assign(host.style, {
    position: 'fixed',
    left: `${rect.x}px`,
    top: `${rect.y}px`,
    width: `${rect.width}px`,
    height: `${rect.height}px`,
    zIndex: '9999',
  });
  document.body.appendChild(host);
  const term = new Terminal({
    allowProposedApi: true,
    scrollback: 10_000,
    fontFamily: "ui-monospace, 'SF Mono', 'JetBrains Mono', Menlo, Consolas, monospace",
    fontSize: 13,
    cursorBlink: true,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.loadAddon(new Unicode11Addon());
  term.unicode.activeVersion = '11';
  term.open(host);
  fit.fit();
  await new Promise((resolve) => requestAnimationFrame(resolve));
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let pending = 0;
    const pump = () => {
      while (sent < totalBytes && pending < IN_FLIGHT) {
        const offset = sent % block.length;
        const piece = block.subarray(offset, offset + Math.min(writeBytes, totalBytes - sent, block.length - offset));
        sent += piece.length;
        pending += piece.length;
        term.write(piece, () => {
          pending -= piece.length;
          if (sent >= totalBytes && pending === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  // The last bytes on screen: the frame after the last write was parsed.
  await new Promise((resolve) => requestAnimationFrame(resolve));
  const seconds = (performance.now() - started) / 1000;
  const size = { cols: term.cols, rows: term.rows };
  term.dispose();
  host.remove();
  return { seconds, ...size };
}

(window as unknown as { __xtermCeiling: typeof xtermCeiling }).__xtermCeiling = xtermCeiling;
