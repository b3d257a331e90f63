import { createHmac, randomBytes } from 'node:crypto';
import { SYSTEM_ACTOR, type Actor } from '../../auth/principal.js';

// A10 and B6: one secret, two signatures. `whsec_` + base64 of 32 random bytes, so that the whole
// string keys the compatible hex HMAC and its base64-decoded part keys the Standard Webhooks one.

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A10: lowercase hex HMAC-SHA256 of the raw body, keyed with the whole secret string as UTF-8. */
export function compatibleSignature(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `<id>.<timestamp>.<body>`, keyed with the decoded secret. */
export function standardSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export type OutgoingEvent = {
  id: string;
  event: string;
  occurredAt: Date;
  data: Record<string, unknown>;
  previous: Record<string, unknown> | null;
  /** Who made the change; null on events recorded before actors were kept (sent as `system`). */
  actor: Actor | null;
  test: boolean;
};

/** The body of A10 plus B6's `id`, who made the change (`actor`), `previous` on updates, `test` on a test send. */
export function webhookBody(e: OutgoingEvent): string {
  return JSON.stringify({
    id: e.id,
    event: e.event,
    timestamp: e.occurredAt.toISOString(),
    data: e.data,
    actor: e.actor ?? SYSTEM_ACTOR,
    ...(e.previous ? { previous: e.previous } : {}),
    ...(e.test ? { test: true } : {}),
  });
}

/** The headers of one attempt; `webhook-timestamp` is this attempt's time, so a late retry still verifies. */
export function webhookHeaders(secret: string, e: OutgoingEvent, body: string, nowMs: number): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'QuoteLeads-Webhooks/1',
    'x-webhook-event': e.event,
    'x-webhook-signature': compatibleSignature(secret, body),
    'webhook-id': e.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardSignature(secret, e.id, timestamp, body),
    ...(e.test ? { 'x-webhook-test': 'true' } : {}),
  };
}
