import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's path carries a credential (a quote's public token, an invitation): its log lines
     * name the route's pattern (`/q/:token`) instead of the address that reached it.
     */
    secretPath?: boolean;
  }
}

/**
 * What a request log line says of the request. A path that carries a credential (anyone holding a
 * quote's token can accept the quote; an invitation's token joins its company) never reaches a log:
 * redaction goes by the route the router matched, so the percent-encoded (/%71/…) and absolute-form
 * (GET http://host/q/…) addresses that reach the same route are redacted alike.
 */
export function requestForLog(request: Pick<FastifyRequest, 'method' | 'url' | 'host' | 'ip'> & { routeOptions?: FastifyRequest['routeOptions'] }) {
  const route = request.routeOptions;
  const url = route?.config?.secretPath && route.url ? route.url.replace(/:(\w+)/g, '<$1>') : request.url.replace(/^\/q\/[^/?#]+/, '/q/<token>');
  return { method: request.method, url, host: request.host, remoteAddress: request.ip };
}
