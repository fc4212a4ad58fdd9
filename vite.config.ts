import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The renderer is loaded by Electron from file://, so every asset URL must be relative.
// In development `vite` proxies /api (HTTP and the events WebSocket) to a running `berth serve`.
const root = fileURLToPath(new URL('./renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/renderer', import.meta.url));
const target = process.env.BERTH_SERVE_URL ?? 'http://127.0.0.1:7860';

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: false },
  server: {
    port: 5173,
    strictPort: false,
    proxy: { '/api': { target, ws: true, changeOrigin: false } },
  },
});
