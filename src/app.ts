import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Clock } from './lib/clock.js';
import type { RateLimiter } from './lib/rate-limiter.js';
import { createAuthenticator, createTokens } from './features/tokens/tokens.service.js';
import { startTokenCache } from './features/tokens/token-cache.js';
import { leadsRoutes } from './features/leads/leads.routes.js';
import { createLeadUpserts } from './features/leads/lead-upsert.service.js';
import { intakeFormsRoutes } from './features/intake/intake-forms.routes.js';
import { createIntakeForms } from './features/intake/intake-forms.service.js';
import { intakeRoutes } from './features/intake/intake.routes.js';
import { createIntake } from './features/intake/intake.service.js';
import { createCaptchaVerifier } from './features/intake/captcha.js';
import { createLeads } from './features/leads/leads.service.js';
import { pipelineRoutes } from './features/pipeline/pipeline.routes.js';
import { createInbox } from './features/inbox/inbox.service.js';
import { inboxRoutes } from './features/inbox/inbox.routes.js';
import { createToday } from './features/today/today.service.js';
import { todayRoutes } from './features/today/today.routes.js';
import { createSmsProvider } from './features/sms/sms.provider.js';
import { createAlerts } from './features/alerts/alerts.service.js';
import { alertsRoutes } from './features/alerts/alerts.routes.js';
import { createMobiles } from './features/alerts/mobile.service.js';
import { mobileRoutes } from './features/alerts/mobile.routes.js';
import { teamTextsInbound } from './features/alerts/team-texts.js';
import { createMailer } from './lib/mailer.js';
import { smsRoutes } from './features/sms/sms.routes.js';
import { createSms } from './features/sms/sms.service.js';
import { quoteLinkTexter } from './features/quotes/quote-link-text.js';
import { consoleRoutes } from './features/sms/console.routes.js';
import { createTwilioWebhooks } from './features/sms/sms.inbound.js';
import { twilioWebhookRoutes } from './features/sms/twilio-webhooks.routes.js';
import { createQuotes, type TextQuoteLink } from './features/quotes/quotes.service.js';
import { quotesRoutes } from './features/quotes/quotes.routes.js';
import { createQuotePage } from './features/quotes/quote-page.service.js';
import { priceBookRoutes } from './features/price-book/price-book.routes.js';
import { createPriceBook } from './features/price-book/price-book.service.js';
import { quotePageRoutes } from './features/quotes/quote-page.routes.js';
import { createAppointments } from './features/appointments/appointments.service.js';
import { appointmentsRoutes } from './features/appointments/appointments.routes.js';
import { webhooksRoutes } from './features/webhooks/webhooks.routes.js';
import { createWebhookSender } from './features/webhooks/webhook-sender.js';
import { createWebhooks } from './features/webhooks/webhooks.service.js';
import { loadSecretBox } from './lib/secret-box.js';
import { createAccounts } from './features/accounts/accounts.service.js';
import { accountsRoutes } from './features/accounts/accounts.routes.js';
import { profileRoutes } from './features/accounts/profile.routes.js';
import { createProfile } from './features/accounts/profile.service.js';
import { keysRoutes } from './features/tokens/keys.routes.js';
import { settingsRoutes } from './features/companies/settings.routes.js';
import { companyRoutes } from './features/companies/company.routes.js';
import { agentSettingsRoutes } from './features/agent/agent-settings.routes.js';
import { automationsRoutes } from './features/follow-ups/automations.routes.js';
import { createAutomations } from './features/follow-ups/automations.service.js';
import { followUpsRoutes } from './features/follow-ups/follow-ups.routes.js';
import { createFollowUps } from './features/follow-ups/follow-ups.service.js';
import { reminderAnswers } from './features/follow-ups/reminder-answers.js';
import { agentRoutes } from './features/agent/agent.routes.js';
import { createAgentTry } from './features/agent/agent-try.js';
import { llmEngineOf } from './features/agent/llm-engine.js';
import { createAgentSettings } from './features/agent/agent-settings.service.js';
import { createCompanies } from './features/companies/companies.service.js';
import { createPipeline } from './features/pipeline/pipeline.service.js';
import { knownTimeZones } from './features/companies/time-zones.js';
import { startEventStream } from './features/stream/event-stream.js';
import { streamRoutes } from './features/stream/stream.routes.js';
import { registerAuth } from './http/auth.js';
import { registerDashboard } from './http/dashboard.js';
import { createDashboardLimiters, createRateLimiter } from './http/limiters.js';
import { registerErrorHandling } from './http/errors.js';
import { registerHtmlHeaders } from './http/html-headers.js';
import { registerJsonBodyParser } from './http/json-body.js';
import { healthRoutes } from './http/health.routes.js';
import { registerIdempotency } from './http/idempotency.js';
import { registerOpenApi } from './http/openapi.js';
import { requestForLog } from './http/request-log.js';
import { validatorCompiler } from './http/validation.js';
import { startListCache } from './http/list-cache.js';

export type AppDeps = {
  config: Config;
  database: Database;
  limiter: RateLimiter;
  clock: Clock;
  /** Texts a quote's link (POST /v1/quotes/:id/send with sms); unset: through sendSms, as POST /v1/sms. */
  textQuoteLink?: TextQuoteLink;
  /** Where log lines go; default: standard output. */
  logStream?: { write(line: string): unknown };
};

const ONE_MIB = 1024 * 1024;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database, limiter, clock } = deps;
  const db = database.db;
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : { level: config.logLevel, serializers: { req: requestForLog }, ...(deps.logStream && { stream: deps.logStream }) },
    genReqId: () => randomUUID(),
    bodyLimit: ONE_MIB,
    trustProxy: config.trustProxy,
    // Slow clients cannot hold connections: the header block, the whole request (a body trickled a
    // byte at a time resets no clock here), and any silence on a socket are each bounded. Node checks
    // the first two on an interval; a second keeps them close to their values.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs / 2) },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  registerErrorHandling(app);
  registerHtmlHeaders(app);
  registerJsonBodyParser(app);
  // HTML forms (the public quote page) and Twilio's webhooks post form-encoded bodies: one flat
  // object of strings, as both send each field once.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  await app.register(cookie);
  // Any origin may call /v1 from a browser with a bearer token (A11). Credentials are never allowed
  // (no Access-Control-Allow-Credentials), so another site's page cannot use a dashboard session;
  // the dashboard's own /app/api sends no CORS headers at all.
  const v1Cors = {
    origin: '*',
    methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Cache-Control'],
    exposedHeaders: [
      'X-Request-Id',
      'RateLimit',
      'RateLimit-Policy',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'Retry-After',
      'X-Cache',
    ],
    credentials: false,
    maxAge: 86_400,
  };
  await app.register(cors, {
    hook: 'onRequest',
    delegator: (request, callback) => callback(null, request.url.startsWith('/v1') ? v1Cors : { origin: false }),
  });

  const tokenCache = await startTokenCache(database, (live) => {
    if (!live) app.log.warn('token cache off: the notification connection is down; looking every token up');
  });
  app.addHook('onClose', () => tokenCache.stop());
  const lists = await startListCache(database, {
    maxBytes: config.listCacheBytes,
    now: () => clock.now(),
    onLive: (live) => {
      if (!live) app.log.warn('list cache off: the notification connection is down; every list reads the database');
    },
  });
  app.addHook('onClose', () => lists.stop());
  // A write is read back at once by whoever made it: before a write through this process is answered,
  // its company's kept answers go (the notification comes too, but a moment later).
  app.addHook('onSend', async (request) => {
    if (!SAFE_METHODS.has(request.method) && request.principal) lists.drop(request.principal.companyId);
  });
  const log = { warn: (o: object, m: string) => app.log.warn(o, m), info: (o: object, m: string) => app.log.info(o, m) };
  const dashboardLimits = createDashboardLimiters(config, clock, log);
  app.addHook('onClose', () => Promise.all(Object.values(dashboardLimits).map((l) => l.close())));
  const secrets = loadSecretBox(config, database.engine);
  const mailer = createMailer(config);
  const accounts = createAccounts({
    db,
    clock,
    publicUrl: config.publicUrl,
    secrets,
    mailProblem: mailer.problem,
    loginLimits: { perEmail: dashboardLimits.loginPerEmail, perIp: dashboardLimits.loginPerIp },
  });
  registerAuth(app, {
    authenticate: createAuthenticator({
      db,
      clock,
      cache: tokenCache,
      onTouchError: (err) => app.log.warn({ err }, 'last_used_at not recorded'),
    }),
    authenticateSession: accounts.authenticate,
    limiter,
    sessionLimiter: dashboardLimits.perUser,
    failureLimiter: dashboardLimits.authFailuresPerIp,
    publicOrigin: new URL(config.publicUrl).origin,
    now: () => clock.now(),
  });
  // Read once at start: company timezones are checked against the database's own list.
  await knownTimeZones(db);
  registerIdempotency(app, { db, now: () => clock.now(), secrets });
  await registerOpenApi(app, config.publicUrl);

  await app.register(healthRoutes({ database, limiter }));
  const leads = createLeads({ db, clock });
  const upserts = createLeadUpserts({ db, clock, leads });
  await app.register(leadsRoutes({ leads, upserts, lists }));
  await app.register(intakeFormsRoutes({ forms: createIntakeForms({ db, clock, secrets, publicUrl: config.publicUrl }) }));
  const intakePerAddress = createRateLimiter(config, clock, log, { limit: config.intakePostsPerAddressPerHour, windowMs: 3_600_000, keyPrefix: 'ql:rl:intake:' });
  app.addHook('onClose', () => intakePerAddress.close());
  const verifyCaptcha = createCaptchaVerifier({ urls: { turnstile: config.turnstileVerifyUrl, hcaptcha: config.hcaptchaVerifyUrl }, timeoutMs: config.captchaTimeoutMs });
  await app.register(intakeRoutes({ intake: createIntake({ db, clock, secrets, upserts, perAddress: intakePerAddress, verifyCaptcha }) }));
  await app.register(pipelineRoutes({ pipeline: createPipeline({ db, clock }), lists }));
  await app.register(inboxRoutes({ inbox: createInbox({ db, clock }) }));
  await app.register(todayRoutes({ today: createToday({ db, clock }) }));
  const smsProvider = createSmsProvider(config, app.log);
  const sms = createSms({
    db,
    clock,
    leads,
    provider: smsProvider,
    publicUrl: config.publicUrl,
    onRecordError: (err: unknown) => app.log.error({ err }, "SMS sent, but Twilio's answer was not recorded"),
  });
  await app.register(smsRoutes({ sms }));
  const appointments = createAppointments({ db, clock });
  const twilio = createTwilioWebhooks({
    db,
    clock,
    leads,
    sms,
    answers: reminderAnswers({ appointments }),
    team: teamTextsInbound({ leads }),
    authToken: config.twilioAuthToken,
    publicUrl: config.publicUrl,
  });
  await app.register(twilioWebhookRoutes({ twilio }));
  await app.register(consoleRoutes({ db, twilio, consoleSms: config.smsProvider === 'console' }));
  // A quote sent with {"sms": true} is texted through the one SMS send path: credits, opt-out, thread.
  const textQuoteLink: TextQuoteLink = deps.textQuoteLink ?? quoteLinkTexter(sms);
  const quotes = createQuotes({ db, clock, leads, publicUrl: config.publicUrl, textQuoteLink });
  await app.register(quotesRoutes({ quotes, lists }));
  await app.register(priceBookRoutes({ priceBook: createPriceBook({ db, clock }) }));
  await app.register(quotePageRoutes({ quotes, page: createQuotePage({ db, clock, quotes, leads }) }));
  await app.register(appointmentsRoutes({ appointments, lists }));
  // The test send of POST /v1/webhooks/:id/test goes out from the API process, with the same guard.
  const webhookSender = createWebhookSender({ allowPrivateTargets: config.webhookAllowPrivateTargets });
  app.addHook('onClose', () => webhookSender.close());
  const webhooks = createWebhooks({
    db,
    clock,
    secrets,
    sender: webhookSender,
    allowPrivateTargets: config.webhookAllowPrivateTargets,
    publicUrl: config.publicUrl,
  });
  await app.register(webhooksRoutes({ webhooks }));
  await app.register(accountsRoutes({ accounts, secureCookies: config.publicUrl.startsWith('https:') }));
  const loginLimits = { perEmail: dashboardLimits.loginPerEmail, perIp: dashboardLimits.loginPerIp };
  await app.register(profileRoutes({ profile: createProfile({ db, clock, loginLimits }) }));
  await app.register(keysRoutes({ tokens: createTokens({ db, clock }) }));
  const companies = createCompanies({ db, clock });
  await app.register(settingsRoutes({ companies, db }));
  await app.register(companyRoutes({ companies }));
  const agentSettings = createAgentSettings({ db, clock, config });
  await app.register(agentSettingsRoutes({ agentSettings }));
  const agentTry = createAgentTry({ db, clock, agentSettings, llm: llmEngineOf(config), publicUrl: config.publicUrl });
  await app.register(agentRoutes({ db, clock, agentTry }));
  await app.register(automationsRoutes({ automations: createAutomations({ db, clock, publicUrl: config.publicUrl }) }));
  await app.register(followUpsRoutes({ followUps: createFollowUps({ db, clock }) }));
  await app.register(
    alertsRoutes({ alerts: createAlerts({ db, clock, emailProblem: mailer.problem, smsProblem: (n) => smsProvider.problem(n) }) }),
  );
  await app.register(mobileRoutes({ mobiles: createMobiles({ db, clock, provider: smsProvider, publicUrl: config.publicUrl }) }));
  const events = await startEventStream({ database, db, log });
  app.addHook('onClose', () => events.stop());
  await app.register(streamRoutes({ events, authenticate: accounts.authenticate, heartbeatMs: config.streamHeartbeatMs }));
  await registerDashboard(app);
  return app;
}
