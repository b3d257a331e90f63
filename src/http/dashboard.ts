import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../lib/errors.js';

/** Where `npm run build` puts the dashboard (web/vite.config.ts). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>QuoteLeads</title></head>
<body><main><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> (npm install does it too), then reload.</p></main></body></html>`;

/**
 * Serves the built dashboard under /app/: its files as built, compressed when the browser accepts it
 * (hashed assets cached for a year),
 * and index.html for every other /app/ path, so that the app's own routes survive a reload.
 */
export async function registerDashboard(app: FastifyInstance, dir = DASHBOARD_DIR) {
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/app/'));
  app.get('/app', { schema: { hide: true } }, (_request, reply) => reply.redirect('/app/'));

  const built = fs.existsSync(path.join(dir, 'index.html'));
  if (!built) {
    app.log.warn({ dir }, 'dashboard not built: run npm run build');
    app.get('/app/*', { config: { secretPath: true }, schema: { hide: true } }, (_request, reply) => reply.code(503).type('text/html').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/app/',
    // Files are routed as found at start; anything else falls to the index route below.
    wildcard: false,
    index: false,
    // Ours, set below: send's own would be max-age=0 for every file.
    cacheControl: false,
    // The build writes each text file also as .br and .gz (web/vite.config.ts): sent to a browser
    // that accepts them, with Vary: Accept-Encoding; the plain file otherwise.
    preCompressed: true,
    setHeaders(res, filePath) {
      res.setHeader('Cache-Control', filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // The same URL answers brotli, gzip or plain by Accept-Encoding: caches must keep them apart.
  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/app/') || request.url.startsWith('/app/api/')) return;
    const vary = reply.getHeader('vary');
    const names = (Array.isArray(vary) ? vary.join(',') : String(vary ?? '')).split(',').map((v) => v.trim()).filter(Boolean);
    if (!names.some((v) => v.toLowerCase() === 'accept-encoding')) reply.header('Vary', [...names, 'Accept-Encoding'].join(', '));
  });
  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url.startsWith('/app/api/')) throw new NotFoundError(`Unknown route: ${request.method} ${request.url.split('?')[0]}`);
    // The page holds a session: no framing by other sites (clickjacking), no full URLs in referrers.
    reply.header('Cache-Control', 'no-cache');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Content-Security-Policy', "frame-ancestors 'none'");
    reply.header('Referrer-Policy', 'same-origin');
    return reply.sendFile('index.html');
  };
  app.get('/app/', { schema: { hide: true } }, sendIndex);
  app.get('/app/*', { schema: { hide: true } }, sendIndex);
  // The invitation link's page: its token is a credential, kept out of the request log.
  app.get('/app/invite/:token', { config: { secretPath: true }, schema: { hide: true } }, sendIndex);
  app.get('/app/invite/*', { config: { secretPath: true }, schema: { hide: true } }, sendIndex);
}
