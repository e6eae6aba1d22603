/**
 * Console tabs. Each tab is one session in main; its terminal stays alive while the tab is hidden.
 * The toolbar carries what an operator needs on a serial line: status, disconnect/reconnect,
 * watch read-only or take over, BREAK and SysRq, "sync size" (a serial line has no resize), find,
 * copy, per-line timestamps, the session log and multi-line paste safety.
 */
import { CONSOLE_COMMAND_EVENT } from '../../app/app-commands';
import { useEffect, useRef, useState } from 'react';
import type { ConsoleSessionInfo } from '../../../../shared/model';
import { useClient } from '../../app/client-context';
import { confirm } from '../../app/confirm';
import { forgetConsole, sendConsoleInput, useConsoles } from '../../stores/consoles';
import { toast } from '../../stores/toasts';
import { showScreen, useUi } from '../../stores/ui';
import { ConsoleTerminal, type ConsoleTerminalHandle } from './ConsoleTerminal';
import { FindBar } from './FindBar';
import { ConsoleTabs } from './ConsoleTabs';
import { Button } from '../../ui/Button';
import { useMutation } from '../../ui/use-mutation';
import { PasteDialog, pasteLines } from './PasteDialog';
import type { TimestampMode } from './timestamps';

/** SysRq keys that take a machine down (https://docs.kernel.org/admin-guide/sysrq.html). */
const DESTRUCTIVE_SYSRQ: Record<string, { verb: string; effect: string }> = {
  b: { verb: 'Reboot', effect: 'reboots' },
  c: { verb: 'Crash', effect: 'crashes the kernel of' },
  o: { verb: 'Power off', effect: 'powers off' },
  e: { verb: 'Terminate every process on', effect: 'terminates every process on' },
  i: { verb: 'Kill every process on', effect: 'kills every process on' },
};

const STATUS_LABEL: Record<ConsoleSessionInfo['status'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
  error: 'Error',
};

function StatusBadge({ info }: { info: ConsoleSessionInfo }) {
  return (
    <span className={`badge console-${info.status}`} data-console-status={info.status}>
      <span className={info.status === 'connecting' || info.status === 'reconnecting' ? 'dot spin' : 'dot'} aria-hidden="true" />
      {STATUS_LABEL[info.status]}
      {info.readOnly && ' · read-only'}
    </span>
  );
}

/** Why a console that is not connected takes no keys, in words. */
const NOT_TYPING: Record<ConsoleSessionInfo['status'], string> = {
  connecting: 'The console is still connecting.',
  connected: '',
  reconnecting: 'The link dropped; the console types again once it reconnects.',
  closed: 'The console is disconnected: reconnect it first.',
  error: 'The console is not connected (the reason is below).',
};

export function ConsolesScreen() {
  const client = useClient();
  const order = useConsoles((s) => s.order);
  const sessions = useConsoles((s) => s.sessions);
  const activeId = useConsoles((s) => s.activeId);
  const theme = useUi((s) => s.theme);
  const terminals = useRef(new Map<string, ConsoleTerminalHandle>());
  const [find, setFind] = useState<{ open: boolean; text: string }>({ open: false, text: '' });
  const [sysrqKey, setSysrqKey] = useState('h');
  const [timestamps, setTimestamps] = useState<TimestampMode>('off');
  const [confirmPaste, setConfirmPaste] = useState(true);
  const [paste, setPaste] = useState<{ sessionId: string; text: string } | null>(null);
  const active = activeId ? sessions[activeId] : undefined;
  // Why nothing can be typed on the active console now, or null.
  const typingBlocked = !active
    ? null
    : active.readOnly
      ? 'You are watching read-only: take over to type.'
      : active.status !== 'connected'
        ? NOT_TYPING[active.status]
        : null;
  const terminal = () => (activeId ? terminals.current.get(activeId) : undefined);
  const copySelection = () =>
    void terminal()
      ?.copySelection()
      .then((ok) => toast(ok ? 'success' : 'info', ok ? 'Copied the selection' : 'Select text in the console first'));
  // The native menu's Find in Console and Copy Console Selection (desktop app).
  useEffect(() => {
    const onCommand = (event: Event) => {
      const command = (event as CustomEvent<string>).detail;
      if (command === 'find') setFind((f) => ({ ...f, open: true }));
      if (command === 'copy') copySelection();
    };
    window.addEventListener(CONSOLE_COMMAND_EVENT, onCommand);
    return () => window.removeEventListener(CONSOLE_COMMAND_EVENT, onCommand);
  });

  const action = useMutation((_label: string, call: () => Promise<unknown>) => call(), { failure: (label) => `${label} failed` });
  const run = async (label: string, call: () => Promise<unknown>) => void (await action.run(label, call));

  const sendText = async (sessionId: string, lines: string[], pacingMs: number) => {
    for (const [i, line] of lines.entries()) {
      const last = i === lines.length - 1;
      await sendConsoleInput(client, sessionId, line);
      if (pacingMs > 0 && !last) await new Promise((r) => setTimeout(r, pacingMs));
    }
  };

  const closeConsole = async (info: ConsoleSessionInfo) => {
    const live = info.status === 'connected' || info.status === 'connecting' || info.status === 'reconnecting';
    if (live && info.logging) {
      const ok = await confirm({
        title: `Close the console of ${info.hostname}?`,
        body: `It is connected and logging to ${info.logPath ?? 'a file'}. Closing ends the session and the log.`,
        confirmLabel: `Close ${info.hostname}`,
        tone: 'normal',
      });
      if (!ok) return;
    }
    await run('Close', async () => {
      await client.call('console.close', { sessionId: info.sessionId });
      forgetConsole(info.sessionId);
    });
  };

  // The keys that stop a machine act at once on the kernel: ask first, naming the node.
  const sendSysrq = async (info: ConsoleSessionInfo, key: string) => {
    const danger = DESTRUCTIVE_SYSRQ[key];
    if (danger) {
      const ok = await confirm({
        title: `SysRq ${key} on ${info.hostname}?`,
        body: `This ${danger.effect} ${info.hostname} at once, without shutting anything down cleanly. Unsaved data on the machine is lost.`,
        confirmLabel: `${danger.verb} ${info.hostname}`,
        tone: 'danger',
      });
      if (!ok) return;
    }
    await run('SysRq', () => client.call('console.sysrq', { sessionId: info.sessionId, key }));
  };

  const onPaste = (sessionId: string, text: string) => {
    if (confirmPaste && /\r|\n/.test(text.replace(/\r?\n$/, ''))) setPaste({ sessionId, text });
    else void run('Paste', () => sendText(sessionId, [pasteLines(text).join('')], 0));
  };

  if (order.length === 0) {
    return (
      <div className="page">
        <h1>Consoles</h1>
        <div className="empty">
          <p>No consoles open. Open one from a node in the fleet: select it and press Open console (or press C in the table).</p>
          <button type="button" className="primary" onClick={() => showScreen('fleet')}>
            Go to the fleet
          </button>
        </div>
      </div>
    );
  }

  return (
    <div className="consoles">
      <ConsoleTabs onClose={(info) => void closeConsole(info)} />

      {active && (
        <div className="console-toolbar" role="toolbar" aria-label="Console actions">
          <StatusBadge info={active} />
          <span className="muted mono target">{active.target}</span>
          {active.status === 'reconnecting' && (
            <button type="button" onClick={() => void run('Reconnect', () => client.call('console.reconnect', { sessionId: active.sessionId, mode: 'rw' }))}>
              Reconnect now
            </button>
          )}
          {active.status === 'connected' || active.status === 'connecting' || active.status === 'reconnecting' ? (
            <button type="button" onClick={() => void run('Disconnect', () => client.call('console.disconnect', { sessionId: active.sessionId }))}>
              Disconnect
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              onClick={() => void run('Reconnect', () => client.call('console.reconnect', { sessionId: active.sessionId, mode: 'rw' }))}
            >
              Reconnect
            </button>
          )}
          {(active.readOnly || active.error?.code === 'conflict') && (
            <>
              <button
                type="button"
                onClick={() => void run('Take over', () => client.call('console.reconnect', { sessionId: active.sessionId, mode: 'takeover' }))}
              >
                Take over
              </button>
              {!active.readOnly && (
                <button type="button" onClick={() => void run('Watch', () => client.call('console.reconnect', { sessionId: active.sessionId, mode: 'ro' }))}>
                  Watch read-only
                </button>
              )}
            </>
          )}
          <span className="sep" />
          <Button
            disabledReason={typingBlocked}
            onClick={() => void run('Send BREAK', () => client.call('console.sendBreak', { sessionId: active.sessionId }))}
          >
            Send BREAK
          </Button>
          <label className="sysrq">
            SysRq
            <input aria-label="SysRq key" maxLength={1} value={sysrqKey} onChange={(e) => setSysrqKey(e.target.value.slice(-1))} />
          </label>
          <Button
            disabledReason={typingBlocked ?? (/^[0-9a-zA-Z]$/.test(sysrqKey) ? null : 'The SysRq key is one letter or digit (h lists them).')}
            onClick={() => void sendSysrq(active, sysrqKey)}
          >
            Send SysRq
          </Button>
          <Button
            title="A serial line has no window size: types stty rows/cols for this terminal"
            disabledReason={typingBlocked}
            onClick={() => {
              const size = terminal()?.size() ?? { rows: 24, cols: 80 };
              void run('Sync size', () => client.call('console.syncSize', { sessionId: active.sessionId, ...size }));
            }}
          >
            Sync size
          </Button>
          <span className="sep" />
          <button type="button" aria-pressed={find.open} onClick={() => setFind((f) => ({ ...f, open: !f.open }))} title="Ctrl+Shift+F">
            Find
          </button>
          <button type="button" title="Ctrl+Shift+C" onClick={copySelection}>
            Copy
          </button>
          <label className="filter">
            <span>Timestamps</span>
            <select
              aria-label="Line timestamps"
              value={timestamps}
              onChange={(e) => {
                const mode = e.target.value as TimestampMode;
                setTimestamps(mode);
                terminals.current.forEach((t) => t.setTimestamps(mode));
              }}
            >
              <option value="off">Off</option>
              <option value="absolute">Clock time</option>
              <option value="relative">Since first line</option>
            </select>
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={active.logging}
              onChange={(e) => void run('Session log', () => client.call('console.setLogging', { sessionId: active.sessionId, enabled: e.target.checked }))}
            />
            Log to file
          </label>
          <label className="check">
            <input type="checkbox" checked={confirmPaste} onChange={(e) => setConfirmPaste(e.target.checked)} />
            Confirm multi-line paste
          </label>
        </div>
      )}
      {active?.logging && active.logPath && (
        <div className="console-note">
          Logging to <span className="mono">{active.logPath}</span>
        </div>
      )}
      {active?.error && (
        <div className={`console-note ${active.status === 'error' ? 'error' : ''}`} role={active.status === 'error' ? 'alert' : 'status'}>
          {active.error.message}
        </div>
      )}
      {find.open && (
        <FindBar
          text={find.text}
          onText={(text) => setFind({ open: true, text })}
          onClose={() => {
            terminal()?.clearFind();
            setFind({ open: false, text: find.text });
            terminal()?.focus();
          }}
          onNext={() => {
            if (!terminal()?.findNext(find.text)) toast('info', `No match for “${find.text}”`);
          }}
          onPrevious={() => terminal()?.findPrevious(find.text)}
        />
      )}
      <div className="terminals">
        {order.map((id) => (
          <div
            key={id}
            id={`console-panel-${id}`}
            role="tabpanel"
            hidden={id !== activeId}
            className="terminal-panel"
            aria-label={`Console of ${sessions[id]!.hostname}`}
          >
            <ConsoleTerminal
              ref={(handle) => {
                if (handle) terminals.current.set(id, handle);
                else terminals.current.delete(id);
              }}
              sessionId={id}
              readOnly={sessions[id]!.readOnly}
              visible={id === activeId}
              theme={theme}
              onPaste={(text) => onPaste(id, text)}
              onFindShortcut={() => setFind((f) => ({ ...f, open: true }))}
            />
          </div>
        ))}
      </div>
      {paste && (
        <PasteDialog
          text={paste.text}
          onCancel={() => setPaste(null)}
          onSend={(lines, pacing) => {
            const target = paste.sessionId;
            setPaste(null);
            void run('Paste', () => sendText(target, lines, pacing));
          }}
        />
      )}
    </div>
  );
}
