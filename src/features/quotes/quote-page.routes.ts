import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.js';
import type { PublicQuote } from './quotes.repo.js';
import type { QuotesService } from './quotes.service.js';
import type { createQuotePage, Decision } from './quote-page.service.js';
import { renderNotFoundPage, renderQuotePage } from './quote-page.html.js';

/**
 * Link-preview fetchers open the link when it is pasted into a chat; they are not the customer. Apple's
 * preview fetcher sends `facebookexternalhit` (and Facebot, Twitterbot) too.
 */
const PREVIEW_AGENTS =
  /facebookexternalhit|facebot|twitterbot|slackbot|slack-imgproxy|whatsapp|telegrambot|discordbot|linkedinbot|googlebot|bingbot|applebot|skypeuripreview|redditbot|embedly|pinterest|vkshare|viber|snapchat|bot\b|crawler|spider/i;

function isCustomerView(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false; // HEAD: a link checker
  const agent = request.headers['user-agent'] ?? '';
  if (!agent || PREVIEW_AGENTS.test(agent)) return false;
  // A browser's speculative prefetch is not a view either.
  const purpose = `${request.headers['purpose'] ?? ''} ${request.headers['sec-purpose'] ?? ''}`;
  return !/prefetch|prerender/i.test(purpose);
}

function html(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .headers({
      'content-type': 'text/html; charset=utf-8',
      // The token is the credential: keep the page out of caches, other sites' frames and referrers.
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'x-robots-tag': 'noindex, nofollow',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    })
    .send(body);
}

type Params = { token: string };

export function quotePageRoutes(deps: { quotes: QuotesService; page: ReturnType<typeof createQuotePage> }): FastifyPluginAsync {
  const { quotes, page } = deps;

  async function render(reply: FastifyReply, row: PublicQuote, token: string, status = 200, notice?: Parameters<typeof renderQuotePage>[1]) {
    return html(
      reply,
      status,
      renderQuotePage(
        { quote: quotes.quoteView(row), companyName: row.companyName, leadName: row.leadName, timezone: row.timezone, country: row.country, token },
        notice,
      ),
    );
  }

  return async (app) => {
    app.get<{ Params: Params }>('/q/:token', { config: { secretPath: true }, schema: { hide: true } }, async (request, reply) => {
      const row = await page.open(request.params.token, { asView: isCustomerView(request) });
      if (!row) return html(reply, 404, renderNotFoundPage());
      return render(reply, row, request.params.token);
    });

    for (const decision of ['accept', 'decline'] as Decision[]) {
      // A plain form POST. Answered with a redirect to the page (post/redirect/get), which then shows
      // the confirmation: a reload does not post again.
      app.post<{ Params: Params }>(`/q/:token/${decision}`, { config: { secretPath: true }, schema: { hide: true } }, async (request, reply) => {
        const { token } = request.params;
        try {
          await page.respond(token, decision, { ip: request.ip, userAgent: request.headers['user-agent'] });
        } catch (err) {
          if (!(err instanceof AppError) || (err.status !== 404 && err.status !== 409)) throw err;
          const row = err.status === 409 ? await page.open(token, { asView: false }) : undefined;
          if (!row) return html(reply, 404, renderNotFoundPage());
          return render(reply, row, token, 409, { kind: 'info', text: err.message });
        }
        return reply.code(303).header('location', `/q/${token}`).header('cache-control', 'no-store').send();
      });
    }
  };
}
