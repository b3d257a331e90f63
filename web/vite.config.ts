import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { defineConfig, type Plugin, type ProxyOptions } from 'vite';
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

// Every text file of the build also as .br and .gz, compressed once at their best levels, which the
// server sends to a browser that accepts them (@fastify/static's preCompressed) instead of
// compressing on each request or not at all. A file that would not get smaller is left alone.
function precompress(outDir: string): Plugin {
  return {
    name: 'quoteleads-precompress',
    apply: 'build',
    closeBundle() {
      for (const entry of fs.readdirSync(outDir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(js|css|html|svg|json|txt)$/.test(entry.name)) continue;
        const file = path.join(entry.parentPath, entry.name);
        const raw = fs.readFileSync(file);
        if (raw.length < 1024) continue;
        const br = zlib.brotliCompressSync(raw, {
          params: { [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
        });
        const gz = zlib.gzipSync(raw, { level: zlib.constants.Z_BEST_COMPRESSION });
        if (br.length < raw.length) fs.writeFileSync(`${file}.br`, br);
        if (gz.length < raw.length) fs.writeFileSync(`${file}.gz`, gz);
      }
    },
  };
}

const outDir = fileURLToPath(new URL('./dist', import.meta.url));

export default defineConfig({
  root: webDir,
  base: '/app/',
  plugins: [react(), precompress(outDir)],
  build: {
    outDir,
    emptyOutDir: true,
  },
  server: {
    // web/src imports the pure helpers src/lib/money.ts, sms-segments.ts and html.ts, outside web/.
    fs: { allow: [repoRoot] },
    proxy: Object.fromEntries(['/v1', '/app/api', '/q'].map((path) => [path, toServer])),
  },
});
