// Renders resources/icon.svg to the PNG sizes desktops want (Linux hicolor 16–512, macOS up to
// 1024, Windows 256 for its .ico) in resources/icons/NxN.png, with Debian's Chromium through
// playwright-core (never a downloaded browser). Run it after changing the SVG; the PNGs are
// committed so packaging needs no browser. electron-builder makes .icns and .ico from them.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const svg = readFileSync(path.join(root, 'resources/icon.svg'), 'utf8');
const outDir = path.join(root, 'resources/icons');
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  for (const size of ICON_SIZES) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
    );
    await page.locator('svg').screenshot({ path: path.join(outDir, `${size}x${size}.png`), omitBackground: true });
  }
} finally {
  await browser.close();
}
console.log(`wrote ${ICON_SIZES.length} icons to ${path.relative(root, outDir)}`);
