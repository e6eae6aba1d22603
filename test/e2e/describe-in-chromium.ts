/** A suite that needs Debian's Chromium: skipped, saying why and how to fix it, where it is absent. */
import { describe } from 'vitest';
import { chromiumAvailable, CHROMIUM_PATH } from './browser';

export function describeInChromium(name: string, suite: () => void): void {
  const title = chromiumAvailable ? name : `${name} — SKIPPED: no browser at ${CHROMIUM_PATH} (apt-get install chromium)`;
  if (!chromiumAvailable) console.warn(`[e2e] ${title}`);
  describe.skipIf(!chromiumAvailable)(title, suite);
}
