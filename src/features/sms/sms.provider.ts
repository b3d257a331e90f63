import { request } from 'undici';
import type { Config } from '../../config.js';
import type { SmsProviderName, SmsStatus } from '../../db/schema/index.js';
import type { Logger } from '../../lib/logger.js';

export type OutgoingSms = { from: string | null; to: string; body: string; statusCallback: string };
export type ProviderAnswer = { sid: string | null; status: SmsStatus };

/**
 * The provider refused the message or could not be reached; `code` is Twilio's error code when it gave
 * one. `outcome`: `refused` when Twilio certainly does not have the message (it answered an error, or
 * no connection was made), `unknown` when the request may have reached it and the answer was lost (a
 * timeout, a reset socket): a sender that must never text twice does not try again then. `httpStatus`:
 * Twilio's answer when it gave one (a 4xx other than 429 refuses this message for good).
 */
export class SmsProviderError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly outcome: 'refused' | 'unknown' = 'refused',
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

// Failures before the request could reach Twilio: nothing was sent.
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const errorCodeOf = (err: unknown): string | undefined => {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  return typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
};

export type SmsProvider = {
  name: SmsProviderName;
  /** Why this provider cannot send at all (A7's 500 messages), or null. */
  problem(from: string | null): string | null;
  send(sms: OutgoingSms): Promise<ProviderAnswer>;
};

// A slow provider must not hold a request (or a worker) for ever; Twilio answers in well under a second.
const TIMEOUT_MS = 10_000;

/** Twilio's message statuses, in ours (the thread knows queued, sent, delivered, undelivered, failed). */
export function statusFromTwilio(status: string | undefined): SmsStatus | null {
  switch (status) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
    case 'sending':
      return 'queued';
    case 'sent':
    case 'delivered':
    case 'undelivered':
    case 'failed':
      return status;
    case 'canceled':
      return 'failed';
    default:
      return null;
  }
}

/**
 * Twilio's Messages REST API, called with undici rather than the `twilio` client: one form-encoded POST
 * is all we need, TWILIO_API_BASE_URL is honoured as is (the client fixes its domains), the timeout is
 * ours, and the server does not load the client's 600 ms of modules.
 */
export function twilioProvider(o: { accountSid?: string; authToken?: string; baseUrl: string }): SmsProvider {
  const { accountSid, authToken, baseUrl } = o;
  return {
    name: 'twilio',
    problem(from) {
      if (!accountSid || !authToken) return 'Twilio not configured';
      if (!from) return 'No Twilio number configured';
      return null;
    },
    async send(sms) {
      const url = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(accountSid!)}/Messages.json`;
      const form = new URLSearchParams({ To: sms.to, From: sms.from!, Body: sms.body, StatusCallback: sms.statusCallback });
      let status: number;
      let text: string;
      try {
        const res = await request(url, {
          method: 'POST',
          headers: {
            authorization: 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64'),
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form.toString(),
          headersTimeout: TIMEOUT_MS,
          bodyTimeout: TIMEOUT_MS,
        });
        status = res.statusCode;
        text = await res.body.text();
      } catch (err) {
        const outcome = NOT_CONNECTED.has(errorCodeOf(err) ?? '') ? 'refused' : 'unknown';
        throw new SmsProviderError(`Twilio unreachable: ${(err as Error).message}`, 'network', outcome);
      }
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page): the status says enough.
      }
      if (status < 200 || status >= 300) {
        const code = json.code === undefined || json.code === null ? `http_${status}` : String(json.code);
        throw new SmsProviderError(String(json.message ?? `Twilio answered ${status}`), code, 'refused', status);
      }
      // Twilio said yes (2xx): the message is most likely there, so not `refused`.
      if (typeof json.sid !== 'string') throw new SmsProviderError('Twilio answered without a message sid', 'bad_response', 'unknown');
      return { sid: json.sid, status: statusFromTwilio(json.status as string) ?? 'queued' };
    },
  };
}

/** SMS_PROVIDER=console: the whole send path (credits, thread) but the message is logged, not sent. */
export function consoleProvider(log: Logger): SmsProvider {
  return {
    name: 'console',
    problem: () => null,
    async send(sms) {
      log.info({ to: sms.to, from: sms.from, body: sms.body }, 'SMS not sent: SMS_PROVIDER=console prints it instead');
      return { sid: null, status: 'sent' };
    },
  };
}

export function createSmsProvider(config: Config, log: Logger): SmsProvider {
  if (config.smsProvider === 'console') return consoleProvider(log);
  return twilioProvider({ accountSid: config.twilioAccountSid, authToken: config.twilioAuthToken, baseUrl: config.twilioApiBaseUrl });
}
