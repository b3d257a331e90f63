import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';
import react from '@vitejs/plugin-react';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
// The API server that `npm run dev:web` proxies to; another port with DASHBOARD_API_URL.
const server = process.env.DASHBOARD_API_URL ?? 'http://localhost:3000';

// The server refuses a cookie-authenticated POST whose Origin is not its own (CSRF check). Through
// this proxy the dev server stands in for the server's origin, so the proxied request says so.
const toServer: ProxyOptions = {
  target: server,
  changeOrigin: true,
  configure: (proxy) => {
    proxy.on('proxyReq', (proxyReq) => {
      if (proxyReq.getHeader('origin')) proxyReq.setHeader('origin', new URL(server).origin);
    });
  },
};

export default defineConfig({
  root: webDir,
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    // web/src imports the pure helpers src/lib/money.ts, sms-segments.ts and html.ts, outside web/.
    fs: { allow: [repoRoot] },
    proxy: Object.fromEntries(['/v1', '/app/api', '/q'].map((path) => [path, toServer])),
  },
});
