/**
 * One xterm.js 6 terminal bound to one console session. Bytes arrive from the data hub and are
 * written as Uint8Array (xterm decodes UTF-8 across chunks); each write's callback acknowledges
 * bytes to main in FLOW_ACK_STEP steps, which is what lets main pause the SSH stream when the
 * terminal falls behind (VS Code's scheme, shared/flow-control.ts). The backlog replayed on attach
 * is never acknowledged. Input goes to main as typed; multi-line pastes ask first.
 */
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { FLOW_ACK_STEP } from '../../../../shared/flow-control';
import { errorData } from '../../bridge/client';
import { useClient } from '../../app/client-context';
import { toast } from '../../stores/toasts';
import { sendConsoleInput } from '../../stores/consoles';
import { registerConsoleSink } from './data-hub';
import { LineStamper, type TimestampMode } from './timestamps';

export interface ConsoleTerminalHandle {
  findNext(text: string): boolean;
  findPrevious(text: string): boolean;
  clearFind(): void;
  copySelection(): Promise<boolean>;
  size(): { rows: number; cols: number };
  focus(): void;
  setTimestamps(mode: TimestampMode): void;
}

interface Props {
  sessionId: string;
  readOnly: boolean;
  visible: boolean;
  theme: 'light' | 'dark';
  onPaste(text: string): void;
  onFindShortcut(): void;
}

const THEMES = {
  dark: { background: '#0b0e12', foreground: '#d7dde5', cursor: '#5b8cff', selectionBackground: '#2b3f66' },
  light: { background: '#fbfcfd', foreground: '#1b1f24', cursor: '#2f6fed', selectionBackground: '#cfdcfb' },
};

/** SwiftShader (no GPU) runs WebGL on the CPU, slower than the DOM renderer (measured with the console bench). */
function hasRealGpu(): boolean {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    return !/swiftshader|llvmpipe|software/i.test(renderer);
  } catch {
    return false;
  }
}

function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export const ConsoleTerminal = forwardRef<ConsoleTerminalHandle, Props>(function ConsoleTerminal(props, ref) {
  const { sessionId, visible, theme } = props;
  const client = useClient();
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const searchRef = useRef<SearchAddon | null>(null);
  const stamperRef = useRef(new LineStamper());
  const propsRef = useRef(props);
  propsRef.current = props;

  useImperativeHandle(ref, () => ({
    findNext: (text) =>
      searchRef.current?.findNext(text, { decorations: { matchOverviewRuler: '#f0b429', activeMatchColorOverviewRuler: '#ff6b6b' } }) ?? false,
    findPrevious: (text) => searchRef.current?.findPrevious(text) ?? false,
    clearFind: () => searchRef.current?.clearDecorations(),
    async copySelection() {
      const text = termRef.current?.getSelection() ?? '';
      if (!text) return false;
      await navigator.clipboard.writeText(text).catch(() => undefined);
      return true;
    },
    size: () => ({ rows: termRef.current?.rows ?? 24, cols: termRef.current?.cols ?? 80 }),
    focus: () => termRef.current?.focus(),
    setTimestamps: (mode) => {
      stamperRef.current.mode = mode;
    },
  }));

  useEffect(() => {
    const term = new Terminal({
      allowProposedApi: true, // unicode11 needs it (xterm src/browser/public/Terminal.ts)
      scrollback: 10_000,
      fontFamily: "ui-monospace, 'SF Mono', 'JetBrains Mono', Menlo, Consolas, monospace",
      fontSize: 13,
      cursorBlink: true,
      theme: THEMES[propsRef.current.theme],
    });
    termRef.current = term;
    const fit = new FitAddon();
    fitRef.current = fit;
    const search = new SearchAddon();
    searchRef.current = search;
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new Unicode11Addon());
    term.unicode.activeVersion = '11';
    // Terminal output is untrusted: links open only through main's https allow-list, in the system browser.
    term.loadAddon(
      new WebLinksAddon((_event, uri) => {
        void client.call('app.openExternal', { url: uri }).then((r) => {
          if (!r.opened && /^https:\/\//.test(uri)) window.open(uri, '_blank', 'noopener,noreferrer');
        });
      }),
    );
    term.open(hostRef.current!);
    if (hasRealGpu()) {
      try {
        const webgl = new WebglAddon();
        webgl.onContextLoss(() => webgl.dispose()); // falls back to the DOM renderer
        term.loadAddon(webgl);
      } catch {
        // DOM renderer it is.
      }
    }
    term.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown') return true;
      // Alt+1…7 switch screens from anywhere, the terminal included (VS Code's commandsToSkipShell):
      // xterm leaves the key alone and the app's own shortcut handler gets it.
      if (event.altKey && !event.ctrlKey && !event.metaKey && /^[1-7]$/.test(event.key)) return false;
      if (event.ctrlKey && event.shiftKey && event.code === 'KeyF') {
        propsRef.current.onFindShortcut();
        return false;
      }
      if (event.ctrlKey && event.shiftKey && event.code === 'KeyC') {
        void navigator.clipboard.writeText(term.getSelection()).catch(() => undefined);
        return false;
      }
      return true;
    });

    let pendingAck = 0;
    let ackTimer: number | null = null;
    const flushAck = () => {
      ackTimer = null;
      if (pendingAck === 0) return;
      const bytes = pendingAck;
      pendingAck = 0;
      void client.call('console.ack', { sessionId, bytes }).catch(() => undefined);
    };
    const acked = (bytes: number) => {
      pendingAck += bytes;
      if (pendingAck >= FLOW_ACK_STEP) flushAck();
      else ackTimer ??= window.setTimeout(flushAck, 50);
    };

    let disposed = false;
    let replaying = false;
    // Data that arrives while the backlog is fetched waits, so output stays in order.
    let queue: Uint8Array[] | null = [];
    const write = (data: Uint8Array) => {
      const shown = stamperRef.current.apply(data);
      term.write(shown, () => acked(data.byteLength));
    };
    const offSink = registerConsoleSink(sessionId, (data) => {
      if (queue) queue.push(data);
      else write(data);
    });
    void client.call('console.attach', { sessionId }).then(
      ({ backlog }) => {
        if (disposed) return;
        if (backlog) {
          // Replay: never acknowledged, and what xterm answers to old queries in it (device
          // attributes, cursor position) is not sent: those answers are stale, and with a
          // disconnected tab each one was an "Input was not sent" toast on every screen switch.
          replaying = true;
          term.write(base64ToBytes(backlog), () => (replaying = false));
        }
        const waiting = queue ?? [];
        queue = null;
        waiting.forEach(write);
      },
      (error: unknown) => {
        queue = null;
        toast('error', 'Could not attach to the console', errorData(error).message);
      },
    );

    const onData = term.onData((data) => {
      if (propsRef.current.readOnly || replaying) return;
      void sendConsoleInput(client, sessionId, data).catch((error: unknown) => toast('error', 'Input was not sent', errorData(error).message));
    });

    // Serial lines have no bracketed paste: every pasted line runs. Ask before sending several.
    const textarea = term.textarea;
    const onPaste = (event: ClipboardEvent) => {
      const text = event.clipboardData?.getData('text/plain') ?? '';
      event.preventDefault();
      event.stopImmediatePropagation();
      if (!propsRef.current.readOnly && text) propsRef.current.onPaste(text);
    };
    textarea?.addEventListener('paste', onPaste, { capture: true });

    let fitTimer: number | null = null;
    const observer = new ResizeObserver(() => {
      if (fitTimer) window.clearTimeout(fitTimer);
      fitTimer = window.setTimeout(() => {
        if (hostRef.current?.offsetParent) fit.fit();
      }, 50);
    });
    observer.observe(hostRef.current!);

    return () => {
      disposed = true;
      offSink();
      onData.dispose();
      textarea?.removeEventListener('paste', onPaste, { capture: true });
      observer.disconnect();
      if (ackTimer) window.clearTimeout(ackTimer);
      flushAck();
      term.dispose();
      termRef.current = null;
    };
  }, [client, sessionId]);

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = THEMES[theme];
  }, [theme]);

  useEffect(() => {
    if (!visible) return;
    fitRef.current?.fit();
    termRef.current?.focus();
  }, [visible]);

  return <div ref={hostRef} className="terminal-host" data-session-id={sessionId} hidden={!visible} />;
});
