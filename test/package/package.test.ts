/**
 * Package: electron-builder builds the Linux app folder against a stand-in `electronDist` (Electron's
 * binary cannot be downloaded here; electron-builder accepts any folder), then we check what would
 * ship: app.asar holds the built main, preload and renderer and production dependencies only; native
 * addons are unpacked; the fuses electron-builder.yml asks for are flipped in the binary (the stand-in
 * carries Electron's fuse wire, so @electron/fuses really writes it); icons at every size. A .deb is
 * assembled with dpkg-deb (scripts/deb.mjs) and checked with dpkg-deb --info/--contents and
 * desktop-file-validate. Skipped with the reason where a tool is missing.
 */
import { spawnSync } from 'node:child_process';
import { runInNewContext } from 'node:vm';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listPackage, extractFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { build, Platform } from 'electron-builder';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// @ts-expect-error a plain ES module script, shared with `npm run package:deb`
import { buildDeb } from '../../scripts/deb.mjs';

const ROOT = path.resolve(__dirname, '../..');
const built = existsSync(path.join(ROOT, 'out/main/main.cjs'));
const dpkg = spawnSync('dpkg-deb', ['--version']).status === 0;
const validator = spawnSync('desktop-file-validate', ['--help']).status === 0;
const title = built ? 'desktop package (electron-builder --dir, stand-in Electron)' : 'desktop package — SKIPPED: out/ is missing, run npm run build';
const ENABLE = '1'.charCodeAt(0);
const DISABLE = '0'.charCodeAt(0);

/**
 * A worker program the build inlined into main as a string literal (scripts/build.mjs): each starts
 * with a banner, right after the literal's opening quote; the one holding `marker` is read up to its
 * closing quote and evaluated as the literal it is.
 */
function bundledWorker(main: string, marker: string): string {
  const escaped = (i: number) => {
    let slashes = 0;
    while (main[i - 1 - slashes] === '\\') slashes++;
    return slashes % 2 === 1;
  };
  for (let at = main.indexOf('/*ironpane-worker*/'); at >= 0; at = main.indexOf('/*ironpane-worker*/', at + 1)) {
    const quote = main[at - 1]!;
    if (!['"', "'", '`'].includes(quote)) continue;
    let close = at;
    while (close < main.length && !(main[close] === quote && !escaped(close))) close++;
    const source = runInNewContext(main.slice(at - 1, close + 1)) as string;
    if (source.includes(marker)) return source;
  }
  throw new Error(`main.cjs holds no worker with "${marker}"`);
}

/** Electron's fuse wire as a real binary carries it: sentinel, version 1, length, one byte per fuse (Electron 45's defaults). */
function standInElectron(dir: string): string {
  const dist = path.join(dir, 'electron-dist');
  mkdirSync(dist, { recursive: true });
  const wire = Buffer.concat([
    Buffer.from('#!/bin/sh\necho stand-in electron\n# '),
    Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
    Buffer.from([1, 8]),
    Buffer.from('10110001'),
    Buffer.from('\n'),
  ]);
  writeFileSync(path.join(dist, 'electron'), wire, { mode: 0o755 });
  for (const file of ['LICENSE', 'LICENSES.chromium.html', 'chrome-sandbox', 'resources.pak']) writeFileSync(path.join(dist, file), '');
  writeFileSync(path.join(dist, 'version'), JSON.parse(readFileSync(path.join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version);
  mkdirSync(path.join(dist, 'resources'));
  mkdirSync(path.join(dist, 'locales'));
  return dist;
}

describe.skipIf(!built)(title, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-package-'));
  const unpacked = path.join(dir, 'dist/linux-unpacked');
  const asar = path.join(unpacked, 'resources/app.asar');
  let files: string[] = [];

  beforeAll(async () => {
    const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
    await build({
      projectDir: ROOT,
      targets: Platform.LINUX.createTarget('dir'),
      config: { ...config, electronDist: standInElectron(dir), directories: { ...(config.directories as object), output: path.join(dir, 'dist') } },
    });
    files = listPackage(asar, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
  }, 180_000);

  it('ships the built main, preload and renderer, and nothing of the sources, tests, web host or maps', () => {
    for (const file of ['/package.json', '/out/main/main.cjs', '/out/preload/preload.cjs', '/out/renderer/index.html']) expect(files).toContain(file);
    expect(files.some((f) => f.startsWith('/out/renderer/assets/') && f.endsWith('.js'))).toBe(true);
    const own = files.filter((f) => !f.startsWith('/node_modules/'));
    expect(own.filter((f) => /^\/(electron|shared|renderer|test|scripts|docs|out\/web|out\/lab|out\/screenshots|out\/bench)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(own.filter((f) => /\.tsx?$/.test(f))).toEqual([]);
    const pkg = JSON.parse(extractFile(asar, 'package.json').toString()) as { main: string };
    expect(files).toContain(`/${pkg.main}`);
  });

  it('carries the device-page worker inside main.cjs in app.asar, and it runs from there: nothing to load from disk', async () => {
    const main = extractFile(asar, 'out/main/main.cjs').toString('utf8');
    const source = bundledWorker(main, 'Reading a device page failed in its worker.');
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(source, { eval: true });
    try {
      const page = JSON.stringify({
        devices: [{ id: 'd-1', hostname: 'am6-node-01', state: 'active', plan: { slug: 'c3.small.x86' } }],
        meta: { last_page: 1 },
      });
      const body = new TextEncoder().encode(page);
      const input = { body, accountId: 'acct', kind: 'metal', host: '127.0.0.1', what: 'GET /devices', maxJsonDepth: 64, whole: true };
      const answer = await new Promise<{ id: number; output: { page?: { devices: { node: { id: string; hostname: string; plan: string } }[] } } }>(
        (resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.postMessage({ id: 7, input });
        },
      );
      expect(answer.id).toBe(7);
      expect(answer.output.page?.devices[0]?.node).toMatchObject({ id: 'acct:d-1', hostname: 'am6-node-01', plan: 'c3.small.x86' });
    } finally {
      await worker.terminate();
    }
  });

  it('packs production dependencies only', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const modules = new Set(
      files
        .filter((f) => f.startsWith('/node_modules/'))
        .map((f) =>
          f
            .split('/')
            .slice(2, f.split('/')[2]!.startsWith('@') ? 4 : 3)
            .join('/'),
        ),
    );
    for (const dep of ['ssh2', 'better-sqlite3', 'ws', 'zod', 'yaml']) expect(modules).toContain(dep);
    const devOnly = Object.keys(pkg.devDependencies).filter((d) => !(d in pkg.dependencies));
    expect(devOnly.filter((d) => modules.has(d))).toEqual([]);
    for (const heavy of ['electron', 'electron-builder', 'typescript', 'vitest', 'playwright-core', 'eslint', 'vite']) expect(modules.has(heavy)).toBe(false);
    // The renderer's libraries are bundled into out/renderer by Vite: shipping them again would double them.
    for (const bundled of ['react', 'react-dom', '@xterm/xterm', '@codemirror/view', '@xyflow/react', 'uplot', 'zustand'])
      expect(modules.has(bundled)).toBe(false);
  });

  it('unpacks native addons where Electron can load them (the database, ssh2 crypto)', () => {
    const unpackedDir = `${asar}.unpacked`;
    expect(existsSync(path.join(unpackedDir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
    const sshcrypto = path.join(ROOT, 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node');
    if (existsSync(sshcrypto)) expect(existsSync(path.join(unpackedDir, 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'))).toBe(true);
    // Inside the archive, an addon would be a file Electron cannot dlopen.
    const packedAddons = listPackage(asar, { isPack: true }).filter((f) => f.endsWith('.node') && !f.includes('unpack'));
    expect(packedAddons).toEqual([]);
  });

  it('flips the fuses electron-builder.yml asks for in the packaged binary', async () => {
    const wire = await getCurrentFuseWire(path.join(unpacked, 'ironpane'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(ENABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(ENABLE);
  });

  it('registers the app:// scheme as privileged before the app is ready, and ironpane:// as the link scheme', () => {
    const main = extractFile(asar, 'out/main/main.cjs').toString();
    expect(main).toMatch(/registerSchemesAsPrivileged\(\[\{\s*scheme:\s*"app",\s*privileges:\s*\{\s*standard:\s*true,\s*secure:\s*true/);
    const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as { protocols: { schemes: string[] }[] };
    expect(config.protocols[0]!.schemes).toEqual(['ironpane']);
  });

  it('has the icon at every size Linux, macOS and Windows want', () => {
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const png = readFileSync(path.join(ROOT, `resources/icons/${size}x${size}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
    }
  });

  it.skipIf(!dpkg || !validator)(
    `builds a .deb whose desktop entry validates${!dpkg || !validator ? ' — SKIPPED: install dpkg-dev and desktop-file-utils' : ''}`,
    () => {
      const deb = buildDeb(unpacked, path.join(dir, 'ironpane.deb')) as string;
      const info = spawnSync('dpkg-deb', ['--info', deb], { encoding: 'utf8' }).stdout;
      expect(info).toMatch(/Package: ironpane/);
      expect(info).toMatch(/Version: \d+\.\d+\.\d+/);
      expect(info).toMatch(/Depends: .*libnss3/);
      const contents = spawnSync('dpkg-deb', ['--contents', deb], { encoding: 'utf8' }).stdout;
      for (const entry of [
        './opt/Ironpane/ironpane',
        './opt/Ironpane/resources/app.asar',
        './usr/share/applications/ironpane.desktop',
        './usr/share/icons/hicolor/256x256/apps/ironpane.png',
      ])
        expect(contents).toContain(entry);
      expect(contents).toMatch(/\.\/usr\/bin\/ironpane -> \.\.\/\.\.\/opt\/Ironpane\/ironpane/);
      expect(contents).toMatch(/root\/root/);
      const extracted = path.join(dir, 'deb-root');
      expect(spawnSync('dpkg-deb', ['-x', deb, extracted]).status).toBe(0);
      const validate = spawnSync('desktop-file-validate', [path.join(extracted, 'usr/share/applications/ironpane.desktop')], { encoding: 'utf8' });
      expect(`${validate.stdout}${validate.stderr}`).toBe('');
      expect(validate.status).toBe(0);
    },
  );
});
