/**
 * A second web host on a data folder that one already uses stops before it reads or resumes anything
 * (two hosts on one folder each resumed the same interrupted bulk reprovision: 6 of 12 nodes were
 * reinstalled twice). Once the first is stopped, the folder is free.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchWeb } from './launch';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const dir = mkdtempSync(path.join(os.tmpdir(), 'ironpane-launch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('launchWeb on a data folder already in use', () => {
  it('refuses the second host at once, naming the first one’s pid and the folder', async () => {
    const dataDir = path.join(dir, 'data');
    const first = await launchWeb({ staticDir: dir, dataDir, lab: null, log: quiet });
    try {
      await expect(launchWeb({ staticDir: dir, dataDir, lab: null, log: quiet })).rejects.toThrow(`Another Ironpane (pid ${process.pid}) is using ${dataDir}.`);
    } finally {
      await first.stop();
    }
    const again = await launchWeb({ staticDir: dir, dataDir, lab: null, log: quiet });
    await again.stop();
  });
});
