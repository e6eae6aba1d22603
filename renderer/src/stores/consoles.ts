/**
 * Console sessions as main reports them: status, read-only, logging, plus pending questions
 * (unknown host keys, keyboard-interactive prompts). Terminal bytes never enter this store; they go
 * straight from the transport to xterm (see features/serial-console/data-hub.ts).
 */
import { create } from 'zustand';
import type { AuthPrompt, ConsoleSessionInfo, HostKeyPrompt } from '../../../shared/model';
import { MAX_CONSOLE_WRITE_BYTES, splitUtf8 } from '../../../shared/limits';
import { errorData, type RpcClient } from '../bridge/client';
import { toast } from './toasts';
import { showScreen } from './ui';

export interface ConsolesState {
  sessions: Record<string, ConsoleSessionInfo>;
  order: string[];
  activeId: string | null;
  hostKeyPrompts: HostKeyPrompt[];
  authPrompts: AuthPrompt[];
}

export const useConsoles = create<ConsolesState>(() => ({ sessions: {}, order: [], activeId: null, hostKeyPrompts: [], authPrompts: [] }));

function upsert(info: ConsoleSessionInfo): void {
  useConsoles.setState((s) => ({
    sessions: { ...s.sessions, [info.sessionId]: info },
    order: s.order.includes(info.sessionId) ? s.order : [...s.order, info.sessionId],
    activeId: s.activeId ?? info.sessionId,
  }));
}

export const setActiveConsole = (activeId: string) => useConsoles.setState({ activeId });

export function forgetConsole(sessionId: string): void {
  useConsoles.setState((s) => {
    const order = s.order.filter((id) => id !== sessionId);
    const sessions = { ...s.sessions };
    delete sessions[sessionId];
    const index = s.order.indexOf(sessionId);
    return { sessions, order, activeId: s.activeId === sessionId ? (order[Math.min(index, order.length - 1)] ?? null) : s.activeId };
  });
}

const opening = new Set<string>();

/** One tab per node: a node that already has a console gets its tab focused, not a second session. */
export async function openConsole(client: RpcClient, nodeId: string): Promise<void> {
  const existing = Object.values(useConsoles.getState().sessions).find((s) => s.nodeId === nodeId);
  if (existing && existing.status !== 'closed' && existing.status !== 'error') {
    setActiveConsole(existing.sessionId);
    showScreen('consoles');
    return;
  }
  if (opening.has(nodeId)) return; // a double-click: the first open is on its way
  opening.add(nodeId);
  try {
    const info = await client.call('console.open', { nodeId });
    upsert(info);
    setActiveConsole(info.sessionId);
    showScreen('consoles');
  } catch (error) {
    toast('error', 'Could not open the console', errorData(error).message);
  } finally {
    opening.delete(nodeId);
  }
}

/**
 * Sends typed or pasted text to a console, split into pieces the contract accepts (bytes, not
 * characters: 400,000 × "€" is 1.2 MB), in order, one after another.
 */
export async function sendConsoleInput(client: RpcClient, sessionId: string, text: string): Promise<void> {
  for (const data of splitUtf8(text, MAX_CONSOLE_WRITE_BYTES)) await client.call('console.write', { sessionId, data });
}

export const dropHostKeyPrompt = (promptId: string) =>
  useConsoles.setState((s) => ({ hostKeyPrompts: s.hostKeyPrompts.filter((p) => p.promptId !== promptId) }));
export const dropAuthPrompt = (promptId: string) => useConsoles.setState((s) => ({ authPrompts: s.authPrompts.filter((p) => p.promptId !== promptId) }));

export function startConsolesSync(client: RpcClient): () => void {
  const offs = [
    client.on('console.status', upsert),
    client.on('console.hostKeyPrompt', (prompt) => useConsoles.setState((s) => ({ hostKeyPrompts: [...s.hostKeyPrompts, prompt] }))),
    client.on('console.authPrompt', (prompt) => useConsoles.setState((s) => ({ authPrompts: [...s.authPrompts, prompt] }))),
    client.onLinkState((state) => {
      // Sessions live in main: after a reload (or a reconnect of the web socket) pick them up again.
      if (state === 'open')
        void client.call('console.list', {}).then(
          (list) => list.forEach(upsert),
          () => undefined,
        );
    }),
  ];
  return () => offs.forEach((off) => off());
}
