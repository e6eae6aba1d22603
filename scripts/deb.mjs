// Builds a .deb from electron-builder's `linux-unpacked` folder with dpkg-deb, for machines where
// electron-builder's own deb target cannot run (it downloads fpm). The layout is what the deb target
// makes: the app in /opt/Ironpane, a /usr/bin link, a desktop entry that handles ironpane:// links,
// and hicolor icons. Usage: node scripts/deb.mjs <linux-unpacked> <out.deb> [version]
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARCH = { x64: 'amd64', arm64: 'arm64' };

export const DESKTOP_ENTRY = `[Desktop Entry]
Type=Application
Name=Ironpane
GenericName=Fleet console
Comment=Ops console for bare-metal fleets: topology, serial consoles, config and updates
Exec=/opt/Ironpane/ironpane %U
Icon=ironpane
Terminal=false
Categories=System;Monitor;
Keywords=bare-metal;fleet;serial;console;redfish;ipmi;
MimeType=x-scheme-handler/ironpane;
StartupWMClass=Ironpane
`;

export function buildDeb(unpacked, outFile, version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version) {
  if (!existsSync(path.join(unpacked, 'ironpane'))) throw new Error(`${unpacked} has no ironpane executable: run electron-builder --linux dir first`);
  const stage = mkdtempSync(path.join(os.tmpdir(), 'ironpane-deb-'));
  try {
    cpSync(unpacked, path.join(stage, 'opt/Ironpane'), { recursive: true, verbatimSymlinks: true });
    mkdirSync(path.join(stage, 'usr/bin'), { recursive: true });
    symlinkSync('../../opt/Ironpane/ironpane', path.join(stage, 'usr/bin/ironpane'));
    mkdirSync(path.join(stage, 'usr/share/applications'), { recursive: true });
    writeFileSync(path.join(stage, 'usr/share/applications/ironpane.desktop'), DESKTOP_ENTRY);
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
      const dir = path.join(stage, `usr/share/icons/hicolor/${size}x${size}/apps`);
      mkdirSync(dir, { recursive: true });
      cpSync(path.join(root, `resources/icons/${size}x${size}.png`), path.join(dir, 'ironpane.png'));
    }
    mkdirSync(path.join(stage, 'DEBIAN'));
    writeFileSync(
      path.join(stage, 'DEBIAN/control'),
      [
        'Package: ironpane',
        `Version: ${version}`,
        'Section: utils',
        'Priority: optional',
        `Architecture: ${ARCH[process.arch] ?? process.arch}`,
        'Maintainer: Ironpane <ironpane@ironpane.dev>',
        // Chromium's runtime libraries, as electron-builder's deb target lists them.
        'Depends: libgtk-3-0 | libgtk-3-0t64, libnotify4, libnss3, libxss1, libxtst6, xdg-utils, libatspi2.0-0 | libatspi2.0-0t64, libuuid1, libsecret-1-0, libgbm1, libasound2 | libasound2t64',
        'Recommends: ipmitool, openssh-client',
        'Homepage: https://ironpane.dev',
        'Description: Ops console for bare-metal fleets',
        ' Fleet topology, OS and update state, declarative node config, serial consoles',
        ' over SSH, Redfish and IPMI BMCs, and verified one-click reprovision and rollback.',
        '',
      ].join('\n'),
    );
    // Chromium's setuid sandbox helper, where the build has one, must be setuid root to work.
    if (existsSync(path.join(stage, 'opt/Ironpane/chrome-sandbox'))) {
      writeFileSync(
        path.join(stage, 'DEBIAN/postinst'),
        '#!/bin/sh\nset -e\nchmod 4755 /opt/Ironpane/chrome-sandbox || true\nupdate-desktop-database -q || true\n',
      );
      chmodSync(path.join(stage, 'DEBIAN/postinst'), 0o755);
    }
    // gzip: a few times faster than dpkg's default xz for a slightly larger file.
    const built = spawnSync('dpkg-deb', ['--build', '--root-owner-group', '-Zgzip', stage, outFile], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`dpkg-deb failed: ${built.stderr || built.error}`);
    return outFile;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [unpacked, out, version] = process.argv.slice(2);
  if (!unpacked || !out) {
    console.error('usage: node scripts/deb.mjs <dist/linux-unpacked> <out.deb> [version]');
    process.exit(2);
  }
  console.log(buildDeb(path.resolve(unpacked), path.resolve(out), version));
}
