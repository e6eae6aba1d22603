import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is served from app://console (desktop) or the loopback web host; both use "/".
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../out/renderer', emptyOutDir: true, sourcemap: true, target: 'chrome130' },
});
