import type { FastifyRequest } from 'fastify';

/**
 * What a request log line says of the request. The public quote page's token is the page's only
 * credential (anyone holding it can accept the quote), so it never reaches a log.
 */
export function requestForLog(request: Pick<FastifyRequest, 'method' | 'url' | 'host' | 'ip'>) {
  return {
    method: request.method,
    url: request.url.replace(/^\/q\/[^/?#]+/, '/q/<token>'),
    host: request.host,
    remoteAddress: request.ip,
  };
}
