/**
 * Commands from the desktop shell (its native menu, an `ironpane://` link): navigation only. The
 * console's find and copy go to the Consoles screen as a window event it listens for.
 */
import type { AppCommand } from '../../../shared/app-commands';
import type { RpcClient } from '../bridge/client';
import { useFleet } from '../stores/fleet';
import { toast } from '../stores/toasts';
import { openNode, showScreen } from '../stores/ui';

export const CONSOLE_COMMAND_EVENT = 'ironpane:console-command';

export function runAppCommand(command: AppCommand): void {
  switch (command.command) {
    case 'navigate':
      showScreen(command.screen);
      return;
    case 'openNode': {
      showScreen('fleet');
      if (useFleet.getState().nodes.has(command.nodeId)) openNode(command.nodeId);
      else toast('info', 'That node is not in the fleet', `${command.nodeId} is not in any connection's fleet (yet); it may have been removed.`);
      return;
    }
    case 'focusSearch':
      showScreen('fleet');
      // After the fleet screen has rendered.
      requestAnimationFrame(() => document.querySelector<HTMLInputElement>('input[aria-label="Search nodes"]')?.focus());
      return;
    case 'find':
    case 'copy':
      if (command.command === 'find') showScreen('consoles');
      window.dispatchEvent(new CustomEvent(CONSOLE_COMMAND_EVENT, { detail: command.command }));
  }
}

export function startAppCommands(client: RpcClient): () => void {
  return client.on('app.command', runAppCommand);
}
