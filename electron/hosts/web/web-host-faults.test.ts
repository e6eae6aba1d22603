/**
 * The web host under hostile and broken clients: refused upgrades that reset, malformed WebSocket
 * frames after authentication, oversize messages, and a client that floods requests and never reads.
 * Each case used to take the whole process down (an 'error' with no listener) or grow it without
 * bound; now each touches only its own connection, and the host still answers afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../../shared/security';
import { EventBus } from '../../rpc/event-bus';
import type { Router } from '../../rpc/router';
import { startWebHost, type RunningWebHost } from './web-host';

const TOKEN = 'f'.repeat(43);
const quietLog = { info() {}, warn() {}, error() {} };
/** A reply of about 64 KB, like a fleet snapshot of a few dozen nodes. */
const BIG_VALUE = { nodes: 'x'.repeat(64 * 1024) };
let host: RunningWebHost;

const router: Router = {
  async call(method) {
    if (method === 'fleet.snapshot') return { ok: true, value: BIG_VALUE };
    return { ok: true, value: { kind: 'web' } };
  },
};

beforeAll(async () => {
  const staticDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-static-'));
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Ironpane</title>');
  host = await startWebHost({ router, bus: new EventBus(), staticDir, log: quietLog, token: TOKEN, limits: { stallMs: 1500, closeGraceMs: 3000 } });
});
afterAll(() => host.close());

function rawConnect(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(host.port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

function upgradeRequest(options: { token?: string; origin?: string }): string {
  const protocols = [WS_PROTOCOL, ...(options.token ? [`${WS_TOKEN_PREFIX}${options.token}`] : [])].join(', ');
  return [
    'GET /rpc HTTP/1.1',
    `Host: 127.0.0.1:${host.port}`,
    `Origin: ${options.origin ?? `http://127.0.0.1:${host.port}`}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Protocol: ${protocols}`,
    '',
    '',
  ].join('\r\n');
}

/** An authenticated raw socket, past the 101 response. */
async function authenticatedSocket(): Promise<Socket> {
  const socket = await rawConnect();
  socket.write(upgradeRequest({ token: TOKEN }));
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
    };
    socket.on('data', onData);
  });
  return socket;
}

/** A WebSocket frame (RFC 6455 §5.2), masked unless told otherwise. */
function frame(opcode: number, payload: Buffer, options: { fin?: boolean; rsv1?: boolean; masked?: boolean; lengthOverride?: bigint } = {}): Buffer {
  const masked = options.masked ?? true;
  const first = (options.fin === false ? 0 : 0x80) | (options.rsv1 ? 0x40 : 0) | opcode;
  let header: Buffer;
  const length = options.lengthOverride ?? BigInt(payload.length);
  if (length < 126n) header = Buffer.from([first, Number(length)]);
  else if (length < 65536n) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (masked) header[1]! |= 0x80;
  if (!masked) return Buffer.concat([header, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([header, mask, body]);
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.on('error', () => undefined);
    socket.once('close', () => resolve());
  });
}

/** The host is alive: a fresh client authenticates and gets an answer. */
async function hostAnswers(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${TOKEN}`], { origin: `http://127.0.0.1:${host.port}` });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const reply = await new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data))));
    ws.send(JSON.stringify({ id: 7, method: 'app.describeHost', input: {} }));
  });
  expect(reply).toMatchObject({ id: 7, result: { ok: true } });
  ws.close();
}

describe('web host faults', () => {
  it('survives 400 refused upgrades whose clients reset the connection', async () => {
    const refusals = [{}, { token: 'wrong'.repeat(9) }, { token: TOKEN, origin: 'http://evil.example' }];
    for (let i = 0; i < 400; i++) {
      const socket = await rawConnect();
      socket.on('error', () => undefined);
      socket.write(upgradeRequest(refusals[i % refusals.length]!));
      // Reset at different moments: at once, or just as the refusal is being written.
      if (i % 2 === 0) socket.resetAndDestroy();
      else setTimeout(() => socket.resetAndDestroy(), i % 5);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    await hostAnswers();
  });

  const faults: Array<[string, () => Buffer]> = [
    ['invalid UTF-8 in a text frame', () => frame(0x1, Buffer.from([0xc3, 0x28, 0xff]))],
    ['an unmasked client frame', () => frame(0x1, Buffer.from('{"id":1}'), { masked: false })],
    ['a reserved opcode', () => frame(0x3, Buffer.from('x'))],
    ['RSV1 set without an extension', () => frame(0x1, Buffer.from('{}'), { rsv1: true })],
    ['a 200-byte ping', () => frame(0x9, Buffer.alloc(200, 1))],
    ['close code 999', () => frame(0x8, Buffer.from([0x03, 0xe7]))],
    ['a 2^63 length', () => frame(0x2, Buffer.alloc(0), { lengthOverride: 2n ** 63n })],
    ['a stray continuation frame', () => frame(0x0, Buffer.from('tail'))],
    ['a message over the 1 MiB cap', () => frame(0x1, Buffer.alloc(1_048_577, 0x20))],
    ['a binary frame', () => frame(0x2, Buffer.from([1, 2, 3]))],
    ['a text frame that is not JSON', () => frame(0x1, Buffer.from('hello'))],
  ];

  it.each(faults)(
    'closes only the connection that sent %s',
    async (_name, build) => {
      const bystander = await authenticatedSocket();
      const faulty = await authenticatedSocket();
      faulty.on('error', () => undefined);
      faulty.write(build());
      await closed(faulty);
      expect(bystander.destroyed).toBe(false);
      bystander.destroy();
      await hostAnswers();
    },
    15_000,
  );

  it('bounds memory for a client that floods requests and never reads, then closes it with a reason', async () => {
    const socket = await authenticatedSocket();
    socket.on('error', () => undefined);
    socket.pause(); // never read a reply
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const request = (id: number) => frame(0x1, Buffer.from(JSON.stringify({ id, method: 'fleet.snapshot', input: {} })));
    // 20,000 requests × a 64 KB reply would be 1.3 GB of unsent replies if nothing pushed back.
    for (let id = 1; id <= 20_000; id++) {
      if (!socket.write(request(id))) {
        const drained = await Promise.race([
          new Promise<boolean>((resolve) => socket.once('drain', () => resolve(true))),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500)),
        ]);
        if (!drained) break; // the host stopped reading from us: backpressure works
      }
    }
    // The host closes a client that makes no progress (stallMs), then cuts it (closeGraceMs).
    await new Promise((resolve) => setTimeout(resolve, 1500 + 3000 + 500));
    clearInterval(sampler);
    socket.resume(); // read what the kernel still holds, up to the end of the stream
    await closed(socket);
    const grewMiB = (peak - before) / 1048576;
    console.info(`slow reader: RSS grew ${grewMiB.toFixed(1)} MiB before the host closed it`);
    expect(grewMiB).toBeLessThan(200);
    await hostAnswers();
  }, 30_000);

  it('tells a client that never drains why it was closed', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${TOKEN}`], { origin: `http://127.0.0.1:${host.port}` });
    await new Promise((resolve) => ws.once('open', resolve));
    // Stop reading at the TCP level, send enough requests to fill the host's send buffer, then read again.
    const raw = (ws as unknown as { _socket: Socket })._socket;
    raw.pause();
    for (let id = 1; id <= 200; id++) ws.send(JSON.stringify({ id, method: 'fleet.snapshot', input: {} }));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const close = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    raw.resume();
    const { code, reason } = await close;
    expect({ code, reason }).toMatchObject({ code: 1008, reason: expect.stringMatching(/stopped reading replies/) });
  }, 30_000);
});
