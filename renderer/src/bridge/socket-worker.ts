/**
 * The web host's WebSocket, held in a dedicated worker and relayed to the page (see
 * worker-socket.ts for why). It only moves messages: binary frames are transferred, not copied;
 * text stays text; nothing is parsed or kept here.
 */
import type { WorkerSocketCommand, WorkerSocketEvent } from './worker-socket';

const scope = self as unknown as { onmessage: ((event: MessageEvent<WorkerSocketCommand>) => void) | null; postMessage(message: WorkerSocketEvent, transfer?: Transferable[]): void };
let socket: WebSocket | null = null;

scope.onmessage = ({ data: command }) => {
  if (command.type === 'open') {
    socket = new WebSocket(command.url, command.protocols);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => scope.postMessage({ type: 'open' });
    socket.onmessage = (message: MessageEvent<ArrayBuffer | string>) => {
      const { data } = message;
      if (data instanceof ArrayBuffer) scope.postMessage({ type: 'message', data }, [data]);
      else scope.postMessage({ type: 'message', data });
    };
    socket.onclose = (event) => {
      socket = null;
      scope.postMessage({ type: 'close', code: event.code, reason: event.reason });
    };
  } else if (command.type === 'send') {
    if (socket?.readyState === WebSocket.OPEN) socket.send(command.text);
  } else {
    socket?.close();
  }
};
