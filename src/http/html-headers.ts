import type { FastifyInstance } from 'fastify';

/**
 * No page of ours may be framed by another site (clickjacking): every HTML answer gets
 * X-Frame-Options and CSP frame-ancestors, whichever route or plugin produced it (the dashboard's
 * static files, the API reference, the quote page, an error page). Set on the answer, not per route,
 * so that a path that reaches an HTML file some other way (/app/index.html) cannot miss it.
 */
export function registerHtmlHeaders(app: FastifyInstance) {
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !/^text\/html/i.test(type)) return payload;
    reply.header('X-Frame-Options', 'DENY');
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp !== 'string' || csp.trim() === '') reply.header('Content-Security-Policy', "frame-ancestors 'none'");
    else if (!/frame-ancestors/i.test(csp)) reply.header('Content-Security-Policy', `${csp.replace(/;\s*$/, '')}; frame-ancestors 'none'`);
    return payload;
  });
}
