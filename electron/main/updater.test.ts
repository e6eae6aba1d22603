/**
 * Auto-update: a real electron-updater (DebUpdater) against a loopback feed server, with `electron`
 * mocked. Electron's `net` is the one thing that cannot run here, so the updater's HTTP goes through
 * Node's http (builder-util-runtime's own executor interface). No update, an update downloaded and
 * checked against the feed's sha512, a corrupt download refused, and the restart that waits.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({ app: {}, autoUpdater: { emit: vi.fn() }, Notification: class {} }));

import { configureRequestOptions, configureRequestUrl, HttpExecutor, type DownloadOptions } from 'builder-util-runtime';
import { DebUpdater } from 'electron-updater';
import type { UpdateState } from '../../shared/app-updates';
import { UpdateController } from './updater';

/** Electron's executor with Node's http in place of Electron's net: the same download path (and sha512 check). */
class NodeHttpExecutor extends HttpExecutor<http.ClientRequest> {
  createRequest(options: http.RequestOptions, callback: (response: http.IncomingMessage) => void): http.ClientRequest {
    return http.request(options, callback);
  }

  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise((resolve, reject, onCancel) => {
      const requestOptions: http.RequestOptions = { headers: options.headers || undefined };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        { destination, options, onCancel, callback: (error) => (error == null ? resolve(destination) : reject(error)), responseHandler: null },
        0,
      );
    });
  }
}

const servers: http.Server[] = [];
afterEach(() => Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r)))));

/** A feed like electron-builder publishes: latest-linux.yml naming the package, its size and sha512. */
async function feed(version: string, payload: Buffer, publishedSha512 = createHash('sha512').update(payload).digest('base64')) {
  const file = `Ironpane-${version}.deb`;
  const yml = `version: ${version}\nfiles:\n  - url: ${file}\n    sha512: ${publishedSha512}\n    size: ${payload.length}\npath: ${file}\nsha512: ${publishedSha512}\nreleaseDate: '2026-12-01T00:00:00.000Z'\n`;
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const name = (req.url ?? '').split('?')[0]!.slice(1);
    if (name === 'latest-linux.yml') return res.writeHead(200, { 'Content-Type': 'text/yaml' }).end(yml);
    if (name === file) return res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': payload.length }).end(payload);
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
}

function controller(feedUrl: string, busy = { runningOperations: 0, loggingConsoles: 0 }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-updater-'));
  const app = {
    version: '0.1.0',
    name: 'Ironpane',
    isPackaged: true,
    appUpdateConfigPath: path.join(dir, 'app-update.yml'),
    userDataPath: dir,
    baseCachePath: dir,
    whenReady: () => Promise.resolve(),
    relaunch: vi.fn(),
    quit: vi.fn(),
    onQuit: vi.fn(),
  };
  // What electron-builder writes into a published build's resources.
  writeFileSync(app.appUpdateConfigPath, `provider: generic\nurl: ${feedUrl}\nupdaterCacheDirName: ironpane-updater\n`);
  const updater = new DebUpdater(undefined, app);
  (updater as unknown as { httpExecutor: HttpExecutor<http.ClientRequest> }).httpExecutor = new NodeHttpExecutor();
  updater.logger = null;
  updater.setFeedURL({ provider: 'generic', url: feedUrl });
  const quitAndInstall = vi.spyOn(updater, 'quitAndInstall').mockImplementation(() => undefined);
  const states: UpdateState[] = [];
  const control = new UpdateController({ updater, channel: 'stable', onChange: (s) => states.push(s), busy: () => busy, log: { warn: vi.fn() } });
  return { control, states, quitAndInstall, busy, dir };
}

describe('auto-update against a loopback feed', () => {
  it('says the app is current when the feed has the same version', async () => {
    const server = await feed('0.1.0', Buffer.from('same'));
    const { control, states } = controller(server.url);
    expect((await control.check()).status).toBe('current');
    expect(states.map((s) => s.status)).toEqual(['checking', 'current']);
    expect(server.requests.some((r) => r.startsWith('/latest-linux.yml'))).toBe(true);
  });

  it('downloads a newer release, checks its sha512, and restarts only when nothing would be cut off', async () => {
    const payload = Buffer.alloc(256 * 1024, 7);
    const server = await feed('0.2.0', payload);
    const { control, states, quitAndInstall, busy } = controller(server.url, { runningOperations: 1, loggingConsoles: 0 });
    await control.check();
    await vi.waitFor(() => expect(control.state().status).toBe('ready'), { timeout: 10_000 });
    expect(control.state()).toMatchObject({ version: '0.2.0', progress: 1, error: null });
    expect(states.some((s) => s.status === 'downloading')).toBe(true);
    // An operation is running: the restart waits, saying why.
    expect(control.install().restartBlockedReason).toBe('1 operation is running; restart when it finishes.');
    expect(quitAndInstall).not.toHaveBeenCalled();
    busy.runningOperations = 0;
    busy.loggingConsoles = 2;
    expect(control.install().restartBlockedReason).toBe('2 consoles are logging to a file; close them first.');
    busy.loggingConsoles = 0;
    control.install();
    expect(quitAndInstall).toHaveBeenCalledTimes(1);
  });

  it('refuses a download whose sha512 does not match the feed, and installs nothing', async () => {
    const wrong = createHash('sha512').update('something else').digest('base64');
    const server = await feed('0.3.0', Buffer.alloc(64 * 1024, 1), wrong);
    const { control, quitAndInstall, dir } = controller(server.url);
    await control.check();
    await vi.waitFor(() => expect(control.state().status).toBe('error'), { timeout: 10_000 });
    // Nothing of it is kept where an install would look for it.
    const cache = path.join(dir, 'ironpane-updater', 'pending');
    expect(existsSync(cache) ? readdirSync(cache).filter((f) => f.endsWith('.deb')) : []).toEqual([]);
    expect(control.state().error).toMatch(/did not match the checksum its feed published, so it was thrown away/);
    expect(control.install().error).toBe('There is no downloaded update to install.');
    expect(quitAndInstall).not.toHaveBeenCalled();
  });

  it('reads the beta feed on the beta channel', async () => {
    const server = await feed('0.1.0', Buffer.from('x'));
    const { control } = controller(server.url);
    control.setChannel('beta');
    await control.check();
    expect(server.requests.some((r) => r.startsWith('/beta-linux.yml'))).toBe(true);
    expect(control.state()).toMatchObject({ channel: 'beta', status: 'error', error: 'The update feed has no release for this platform and channel yet.' });
  });
});
