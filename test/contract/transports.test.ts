/**
 * Contract: both transports give the same answers. The web host's WebSocket and the desktop's IPC
 * (simulated with structuredClone, which is what Electron's IPC serialisation does) carry the same
 * router; for every read method and for errors, the results must be equal.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { METHOD_NAMES } from '../../shared/contract';
import { WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../shared/security';
import { launchWeb, type WebLaunch } from '../../electron/hosts/web/launch';

let launch: WebLaunch;
let socket: WebSocket;
let nextId = 1;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-transports-'));
  launch = await launchWeb({
    staticDir: dir,
    dataDir: dir,
    lab: { enabled: true, nodeCount: 30, timeScale: 0.001 },
    log: { info() {}, warn() {}, error() {} },
    compose: { pollIntervalMs: 60_000 },
  });
  await launch.services.fleet.refresh();
  socket = new WebSocket(`ws://127.0.0.1:${launch.host.port}/rpc`, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${launch.host.token}`], {
    origin: `http://127.0.0.1:${launch.host.port}`,
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
});
afterAll(async () => {
  socket.close();
  await launch.stop();
});

function overWebSocket(method: string, input: unknown): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id !== id) return;
      socket.off('message', onMessage);
      resolve(message.result);
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ id, method, input }));
  });
}

async function overIpc(method: string, input: unknown): Promise<unknown> {
  return structuredClone(await launch.services.router.call(structuredClone(method), structuredClone(input)));
}

/** Request ids differ per call by design; everything else must match. */
const withoutRequestId = (result: unknown) => JSON.parse(JSON.stringify(result, (k, v) => (k === 'requestId' ? undefined : v)));

describe('transports', () => {
  it('every contract method is answered over the WebSocket (never "unknown method")', async () => {
    for (const method of METHOD_NAMES) {
      const result = (await overWebSocket(method, {})) as { ok: boolean; error?: { message: string } };
      if (!result.ok) expect(result.error!.message).not.toMatch(/Unknown method/);
    }
  });

  it('read methods give equal results over IPC and WebSocket', async () => {
    const nodeId = launch.services.fleet.snapshot().nodes[0]!.id;
    const calls: [string, unknown][] = [
      ['app.describeHost', {}],
      ['connections.list', {}],
      ['fleet.snapshot', {}],
      ['fleet.nodeEvents', { nodeId }],
      ['audit.list', { limit: 10 }],
    ];
    for (const [method, input] of calls) {
      const [ipc, ws] = [await overIpc(method, input), await overWebSocket(method, input)];
      expect(ws, method).toEqual(ipc);
      expect((ipc as { ok: boolean }).ok, method).toBe(true);
    }
  });

  it('errors come back with the same code and message over both', async () => {
    const cases: [string, unknown][] = [
      ['no.such.method', {}],
      ['actions.power', { nodeId: 'lab:missing', action: 'reboot' }],
      ['actions.power', { nodeId: 'x', action: 'detonate' }],
      ['connections.add', { kind: 'metal', name: '', settings: { baseUrl: 'ftp://x', token: '', projectId: '' } }],
    ];
    for (const [method, input] of cases) {
      const ipc = withoutRequestId(await overIpc(method, input));
      const ws = withoutRequestId(await overWebSocket(method, input));
      expect(ipc.ok).toBe(false);
      expect(ws).toEqual(ipc);
    }
  });
});
