/**
 * Paths a user or a file names are files (docs/architecture.md#what-ironpane-trusts): a device, a
 * FIFO, a folder or a socket is refused within 2 s, naming the path and why, and does not tie up
 * Node's file pool; a regular file over the cap is refused before it is read; writes are atomic.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUntrustedFile, writeFileAtomic } from './safe-files';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (file: string, maxBytes = 64 * 1024) => readUntrustedFile(file, { what: 'key file', maxBytes });

describe('readUntrustedFile', () => {
  it.skipIf(process.platform === 'win32')('refuses a device, a folder and a socket, naming the path and why', async () => {
    await expect(read('/dev/zero')).rejects.toThrow('/dev/zero is a device, not a key file.');
    await expect(read(dir)).rejects.toThrow(`${dir} is a folder, not a key file.`);
    const socketPath = path.join(dir, 'agent.sock');
    const server = net.createServer().listen(socketPath);
    await new Promise((r) => server.once('listening', r));
    await expect(read(socketPath)).rejects.toThrow(`${socketPath} is a socket, not a key file.`);
    server.close();
  });

  it.skipIf(process.platform === 'win32')('answers four FIFOs at once within 2 s and leaves the file pool free', async () => {
    const fifos = [1, 2, 3, 4, 5].map((n) => path.join(dir, `fifo-${n}`));
    for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const answers = await Promise.allSettled(fifos.map((f) => read(f)));
    const took = Date.now() - started;
    expect(answers.every((a) => a.status === 'rejected' && /is a named pipe \(FIFO\), not a key file/.test(String(a.reason)))).toBe(true);
    // The pool is free: an ordinary write and read still go through at once.
    const plain = path.join(dir, 'plain');
    await writeFileAtomic(plain, 'ok');
    expect((await read(plain)).toString()).toBe('ok');
    console.info(`[hostile files] 5 FIFOs refused in ${took} ms`);
    expect(took).toBeLessThan(2000);
  });

  it('refuses a file over the cap from its size, before reading it', async () => {
    const big = path.join(dir, 'big');
    const handle = await fs.open(big, 'w');
    await handle.truncate(1024 * 1024 * 1024); // a sparse 1 GiB file: nothing is written
    await handle.close();
    await expect(read(big)).rejects.toThrow(`${big} is 1024 MiB; a key file may be at most 64 KiB.`);
  });

  it('refuses a relative path and says when nothing is there', async () => {
    await expect(read('id_ed25519')).rejects.toThrow(/must be absolute/);
    await expect(read(path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('writes atomically with the mode asked for, leaving no temp files', async () => {
    const file = path.join(dir, 'sub', 'store.json');
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, JSON.stringify({ i }))));
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toHaveProperty('i');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
