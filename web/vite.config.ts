import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
// The API server that `npm run dev:web` proxies to; another port with DASHBOARD_API_URL.
const server = process.env.DASHBOARD_API_URL ?? 'http://localhost:3000';

export default defineConfig({
  root: webDir,
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    // web/src imports the pure helpers src/lib/money.ts and src/lib/sms-segments.ts, outside web/.
    fs: { allow: [repoRoot] },
    proxy: {
      '/v1': server,
      '/app/api': server,
      '/q': server,
    },
  },
});
