import { z } from 'zod';

// The only reader of process.env. Parsed once at start and frozen; a bad value stops the process.
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().default('./data'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(100),
  // Dashboard (session) requests: per user, apart from the company's API quota.
  DASHBOARD_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  // Requests ending in 401, per client address: past this, 429 for requests without a valid token.
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  // Slow clients: the whole header block, the whole request, and any silence on a connection.
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  LIST_CACHE_MB: z.coerce.number().min(0).max(4096).default(32),
  // The live stream's heartbeat: under the idle timeout of any proxy in front (often 30 to 60 s).
  STREAM_HEARTBEAT_MS: z.coerce.number().int().min(10).max(15_000).default(15_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z.url().optional(),
  TRUST_PROXY: booleanFlag.default(false),
  // B7: encrypts webhook secrets at rest. 32 bytes as base64 or hex; required on PostgreSQL, generated
  // once into DATA_DIR on the embedded default.
  ENCRYPTION_KEY: z.string().optional(),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: booleanFlag.default(false),
  WEBHOOK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(64),
  WEBHOOK_MAX_PER_ENDPOINT: z.coerce.number().int().min(1).max(1_000).default(4),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_API_BASE_URL: z.url().default('https://api.twilio.com'),
  // `console` prints messages instead of sending them (the demo); never the default.
  SMS_PROVIDER: z.enum(['twilio', 'console']).default('twilio'),
  // The lead agent's `llm` engine: any OpenAI-compatible Chat Completions endpoint (…/v1). Unset:
  // only the `rules` engine can be chosen.
  AI_BASE_URL: z.url().optional(),
  AI_API_KEY: z.string().optional(),
  AI_MODEL: z.string().optional(),
  AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
  // Tokens a company's agent turns may use per day (its timezone's day); unset: no limit.
  AI_DAILY_TOKENS_PER_COMPANY: z.coerce.number().int().min(1).optional(),
  // Web-form intake (issue 16): posts per client address per form per hour, and where captcha
  // answers are checked (the providers' siteverify endpoints; a test points them at a local fake).
  INTAKE_POSTS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(20),
  TURNSTILE_VERIFY_URL: z.url().default('https://challenges.cloudflare.com/turnstile/v0/siteverify'),
  HCAPTCHA_VERIFY_URL: z.url().default('https://api.hcaptcha.com/siteverify'),
  CAPTCHA_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  // Email (issue 17: alerts, invitations): an SMTP relay as smtp://user:pass@host:587 (STARTTLS when
  // the relay offers it) or smtps://…:465; unset, nothing is emailed. MAIL_FROM is the sender shown.
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().optional(),
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
}).refine((e) => !e.AI_BASE_URL || e.AI_MODEL, { path: ['AI_MODEL'], message: 'is required with AI_BASE_URL (the model name to ask for)' });

export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  redisUrl: string | undefined;
  rateLimitPerMinute: number;
  dashboardRateLimitPerMinute: number;
  authFailuresPerMinute: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  /** Memory for list answers kept per process (src/http/list-cache.ts); 0 turns the cache off. */
  listCacheBytes: number;
  /** How often an open live stream (GET /app/api/stream) gets a heartbeat and re-reads its session. */
  streamHeartbeatMs: number;
  logLevel: string;
  publicUrl: string;
  trustProxy: boolean;
  encryptionKey: string | undefined;
  webhookAllowPrivateTargets: boolean;
  webhookMaxInFlight: number;
  webhookMaxPerEndpoint: number;
  twilioAccountSid: string | undefined;
  twilioAuthToken: string | undefined;
  twilioApiBaseUrl: string;
  smsProvider: 'twilio' | 'console';
  /** The `llm` engine's endpoint; undefined: the agent can use the `rules` engine only. */
  aiBaseUrl: string | undefined;
  aiApiKey: string | undefined;
  aiModel: string | undefined;
  aiTimeoutMs: number;
  intakePostsPerAddressPerHour: number;
  turnstileVerifyUrl: string;
  hcaptchaVerifyUrl: string;
  captchaTimeoutMs: number;
  aiDailyTokensPerCompany: number | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  smtpTimeoutMs: number;
}>;

/** `overrides` win over the environment (tests and the benchmark set a few values this way). */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Record<string, string | undefined> = {},
): Config {
  // An empty variable means "not set", as in most deployment tools.
  const merged = { ...env, ...overrides };
  const present = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    dashboardRateLimitPerMinute: e.DASHBOARD_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    // Node requires the header timeout to be at most the request timeout.
    headersTimeoutMs: Math.min(e.HEADERS_TIMEOUT_MS, e.REQUEST_TIMEOUT_MS),
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: e.CONNECTION_TIMEOUT_MS,
    listCacheBytes: Math.round(e.LIST_CACHE_MB * 1024 * 1024),
    streamHeartbeatMs: e.STREAM_HEARTBEAT_MS,
    logLevel: e.LOG_LEVEL,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    trustProxy: e.TRUST_PROXY,
    encryptionKey: e.ENCRYPTION_KEY,
    webhookAllowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    webhookMaxInFlight: e.WEBHOOK_MAX_IN_FLIGHT,
    webhookMaxPerEndpoint: e.WEBHOOK_MAX_PER_ENDPOINT,
    twilioAccountSid: e.TWILIO_ACCOUNT_SID,
    twilioAuthToken: e.TWILIO_AUTH_TOKEN,
    twilioApiBaseUrl: e.TWILIO_API_BASE_URL.replace(/\/$/, ''),
    smsProvider: e.SMS_PROVIDER,
    aiBaseUrl: e.AI_BASE_URL?.replace(/\/$/, ''),
    aiApiKey: e.AI_API_KEY,
    aiModel: e.AI_MODEL,
    aiTimeoutMs: e.AI_TIMEOUT_MS,
    intakePostsPerAddressPerHour: e.INTAKE_POSTS_PER_ADDRESS_PER_HOUR,
    turnstileVerifyUrl: e.TURNSTILE_VERIFY_URL,
    hcaptchaVerifyUrl: e.HCAPTCHA_VERIFY_URL,
    captchaTimeoutMs: e.CAPTCHA_TIMEOUT_MS,
    aiDailyTokensPerCompany: e.AI_DAILY_TOKENS_PER_COMPANY,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM ?? `QuoteLeads <alerts@${hostOf(e.PUBLIC_URL) ?? 'localhost'}>`,
    smtpTimeoutMs: e.SMTP_TIMEOUT_MS,
  });
}

function hostOf(url: string | undefined): string | undefined {
  return url ? new URL(url).hostname : undefined;
}

export class ConfigError extends Error {}
