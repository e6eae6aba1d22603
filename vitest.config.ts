import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// One runner, one project per tier, so `vitest run --project <tier>` runs a tier alone.
export default defineConfig({
  plugins: [react()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'test/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'component',
          environment: 'jsdom',
          include: ['renderer/**/*.test.tsx', 'renderer/**/*.test.ts'],
          setupFiles: ['test/setup/jsdom.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'contract', environment: 'node', include: ['test/contract/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        extends: true,
        // electron-builder against a stand-in Electron, then what the package holds (and a .deb).
        test: { name: 'package', environment: 'node', include: ['test/package/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 180_000 },
      },
      {
        extends: true,
        test: { name: 'rig', environment: 'node', include: ['test/rig/**/*.rig.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.e2e.ts'],
          testTimeout: 90_000,
          hookTimeout: 60_000,
          // Polls wait for the UI; a loaded 2-core CI machine can be slow, so be patient.
          expect: { poll: { timeout: 15_000, interval: 50 } },
          // One Chromium at a time on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
