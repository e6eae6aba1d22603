/** The web host's gate: token, Host and Origin checks, and static-only without the token. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../../shared/security';
import { EventBus } from '../../rpc/event-bus';
import { createRouter } from '../../rpc/router';
import { tokensMatch } from '../../services/vault/tokens';
import { startWebHost, type RunningWebHost } from './web-host';

const TOKEN = 'a'.repeat(43);
let host: RunningWebHost;
let staticDir: string;
const bus = new EventBus();
const quietLog = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  staticDir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-static-'));
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Ironpane</title>');
  writeFileSync(path.join(os.tmpdir(), 'ironpane-outside.txt'), 'outside');
  const router = createRouter(
    new Proxy({} as never, {
      get: (_t, method) => async () =>
        method === 'app.describeHost' ? { kind: 'web', version: 'test', capabilities: { nativeDialogs: false, encryptedSecrets: 'x' }, lab: null } : [],
    }),
    quietLog,
  );
  host = await startWebHost({ router, bus, staticDir, log: quietLog, token: TOKEN });
});
afterAll(() => host.close());

function rawGet(
  pathname: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path: pathname, method, headers: { host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSocket(options: { token?: string; origin?: string; host?: string; protocols?: string[] }): Promise<{ socket: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const protocols = options.protocols ?? [WS_PROTOCOL, ...(options.token === undefined ? [] : [`${WS_TOKEN_PREFIX}${options.token}`])];
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, protocols, {
      origin: options.origin ?? `http://127.0.0.1:${host.port}`,
      headers: options.host ? { host: options.host } : {},
    });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.once('error', () => resolve({ status: -1 }));
  });
}

function call(socket: WebSocket, method: string, input: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    socket.once('message', (data) => resolve(JSON.parse(String(data))));
    socket.send(JSON.stringify({ id: 1, method, input }));
  });
}

describe('web host', () => {
  it('serves the renderer with a strict CSP', async () => {
    const res = await rawGet('/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Ironpane');
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('serves nothing but static files without the token', async () => {
    expect((await rawGet('/rpc')).status).toBe(404);
    expect((await rawGet('/', {}, 'POST')).status).toBe(405);
    expect((await rawGet('/../ironpane-outside.txt')).status).toBe(404);
    expect((await rawGet('/%2e%2e/ironpane-outside.txt')).status).toBe(404);
  });

  it('serves a file it keeps in memory until a rebuild changes it', async () => {
    const first = await rawGet('/');
    expect(first).toMatchObject({ status: 200, body: '<!doctype html><title>Ironpane</title>' });
    expect(first.headers['content-length']).toBe(String(first.body.length));
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Ironpane, rebuilt</title>');
    expect((await rawGet('/')).body).toBe('<!doctype html><title>Ironpane, rebuilt</title>');
    expect(await rawGet('/', {}, 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect((await rawGet('/missing.js')).status).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await rawGet('/', { host: 'evil.example:80' })).status).toBe(421);
    expect(await openSocket({ token: TOKEN, host: `evil.example:${host.port}` })).toEqual({ status: 421 });
  });

  it('refuses a WebSocket without the token, with a wrong token, or from a foreign Origin', async () => {
    expect(await openSocket({})).toEqual({ status: 401 });
    expect(await openSocket({ token: 'b'.repeat(43) })).toEqual({ status: 401 });
    expect(await openSocket({ token: TOKEN.slice(1) })).toEqual({ status: 401 });
    expect(await openSocket({ token: TOKEN, origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await openSocket({ token: TOKEN, origin: `http://127.0.0.1:${host.port + 1}` })).toEqual({ status: 403 });
  });

  it('carries RPC and events once the token matches', async () => {
    const opened = await openSocket({ token: TOKEN });
    if (!('socket' in opened)) throw new Error(`refused: ${opened.status}`);
    expect(opened.socket.protocol).toBe(WS_PROTOCOL);
    expect(await call(opened.socket, 'app.describeHost', {})).toMatchObject({ id: 1, result: { ok: true, value: { kind: 'web' } } });
    const event = new Promise((resolve) => opened.socket.once('message', (d) => resolve(JSON.parse(String(d)))));
    bus.emit('fleet.changed', { version: 1, upserts: [], removed: ['x'] });
    // A fleet patch crosses packed (shared/fleet-wire.ts).
    expect(await event).toEqual({ event: 'fleet.changed', payload: { version: 1, upserts: { shapes: [], values: [], rows: [] }, removed: ['x'] } });
    opened.socket.close();
  });

  it('refuses to start without a long token', async () => {
    await expect(
      startWebHost({ router: { call: async () => ({ ok: true, value: null }) }, bus, staticDir: '.', log: quietLog, token: 'short' }),
    ).rejects.toThrow(/token/);
  });

  it('compares tokens in constant time, length first', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abc', 'abd')).toBe(false);
    expect(tokensMatch('abc', 'abcd')).toBe(false);
    expect(tokensMatch('abc', undefined)).toBe(false);
    expect(tokensMatch('abc', ['abc', 'abc'])).toBe(false);
    expect(tokensMatch('', '')).toBe(false);
  });
});
