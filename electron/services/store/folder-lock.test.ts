/**
 * One writer per data folder (docs/architecture.md#what-ironpane-trusts): a second process on the
 * folder is refused at once, naming the holder's pid and the folder; the lock goes with its process
 * however it ends (SIGKILL included), so it never goes stale. A damaged database is refused with the
 * file named and kept aside, never replaced silently.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database';
import { lockDataFolder } from './folder-lock';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const folder = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-lock-'));
  dirs.push(dir);
  return dir;
};

/** Another process that takes the lock and holds it until killed. */
function holder(dir: string): Promise<{ pid: number; kill(signal: NodeJS.Signals): Promise<void> }> {
  const script = `import { lockDataFolder } from ${JSON.stringify(path.resolve('electron/services/store/folder-lock.ts'))};\nlockDataFolder(${JSON.stringify(dir)});\nprocess.stdout.write('locked\\n');\nsetInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
    child.stdout!.once('data', () => {
      child.removeAllListeners('exit');
      resolve({ pid: child.pid!, kill: (signal) => new Promise((done) => (child.once('exit', () => done()), child.kill(signal))) });
    });
  });
}

describe('the data-folder lock', () => {
  it('refuses a second process at once, naming the holder, and is free again once the holder is killed', async () => {
    const dir = folder();
    const other = await holder(dir);
    const started = Date.now();
    expect(() => lockDataFolder(dir)).toThrow(`Another Ironpane (pid ${other.pid}) is using ${dir}.`);
    expect(Date.now() - started).toBeLessThan(1000);
    // SIGKILL runs no clean-up: the OS lets go of the lock itself.
    await other.kill('SIGKILL');
    const mine = lockDataFolder(dir);
    mine.release();
  }, 20_000);

  it('refuses a second holder in the same process, and frees the folder on release', () => {
    const dir = folder();
    const first = lockDataFolder(dir);
    expect(() => lockDataFolder(dir)).toThrow(/Another Ironpane \(pid \d+\) is using/);
    first.release();
    lockDataFolder(dir).release();
  });
});

describe('a damaged database', () => {
  const aside = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('ironpane.db.damaged-'));

  it('refuses an empty file, naming it and where it was kept, and never starts on a silent new one', () => {
    const dir = folder();
    const file = path.join(dir, 'ironpane.db');
    writeFileSync(file, '');
    expect(() => openDatabase(file)).toThrow(
      new RegExp(
        `^Ironpane's database ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged: it is empty \\(0 bytes\\).*moved it to .*ironpane\\.db\\.damaged-`,
      ),
    );
    expect(existsSync(file)).toBe(false);
    expect(aside(dir)).toHaveLength(1);
  });

  it('refuses a file that is not SQLite, and one whose pages are malformed', () => {
    const dir = folder();
    const file = path.join(dir, 'ironpane.db');
    writeFileSync(file, 'this is not a database at all, just some text that is long enough');
    expect(() => openDatabase(file)).toThrow(/is damaged: it is not a SQLite database/);
    const db = openDatabase(file);
    db.exec('CREATE TABLE t (x TEXT); INSERT INTO t VALUES (randomblob(100000));');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    // Scribble over the second page: the header stays valid, the b-tree does not.
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xab), 0, 4096, 4096);
    closeSync(fd);
    expect(() => openDatabase(file)).toThrow(/is damaged: its pages are damaged \("database disk image is malformed"\)/);
    expect(aside(dir).length).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(process.platform === 'win32')('creates the database, its -wal and -shm 0600', () => {
    const dir = folder();
    const file = path.join(dir, 'ironpane.db');
    const db = openDatabase(file);
    db.exec('CREATE TABLE t (x)');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(f).mode & 0o777).toBe(0o600);
    db.close();
  });
});
