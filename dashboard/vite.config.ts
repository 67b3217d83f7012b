// Dashboard build: root is dashboard/, output goes to dist/dashboard (served by the service at /).
// VITE_API_BASE_URL (read from the repository's .env or the environment) points a dev server on
// :5173 at a service elsewhere; '' means same origin. In dev with no base URL, /api is proxied to
// SHORI_DEV_API (default http://127.0.0.1:8000) so `vite` alone works against a local service.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { bundleSizeReport } from './build/bundle-size.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  base: './',
  envDir: repoRoot,
  plugins: [react(), bundleSizeReport()],
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: process.env.VITE_API_BASE_URL ? undefined : { '/api': { target: process.env.SHORI_DEV_API ?? 'http://127.0.0.1:8000', changeOrigin: true } },
  },
});
