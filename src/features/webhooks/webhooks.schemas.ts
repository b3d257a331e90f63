import { z } from 'zod';
import { timestamp } from '../../http/schema-fields.js';
import { paginationQuery } from '../../http/pagination.js';
import { EVENT_TYPES } from '../events/events.js';

const MAX_URL_LENGTH = 2048;

export const eventType = z.enum(EVENT_TYPES);

const url = z
  .string()
  .trim()
  .max(MAX_URL_LENGTH)
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), { message: 'must be an http:// or https:// URL' })
  .refine((v) => !URL.canParse(v) || (new URL(v).username === '' && new URL(v).password === ''), {
    message: 'must not contain a user name or password',
  })
  .meta({ example: 'https://hooks.example.com/quoteleads' });

const events = z
  .array(eventType)
  .max(EVENT_TYPES.length)
  .transform((list) => [...new Set(list)])
  .meta({ description: 'The events sent to this endpoint; empty or absent: every event, including ones added later' });

const description = z.string().trim().max(500).nullable().optional();

export const createWebhookBody = z.object({
  url,
  events: events.optional(),
  description,
});
export type CreateWebhookInput = z.output<typeof createWebhookBody>;

export const updateWebhookBody = z.object({
  url: url.optional(),
  events: events.optional(),
  description,
  enabled: z.boolean().optional().meta({ description: 'false disables the endpoint; true enables it again and clears its failure record' }),
});
export type UpdateWebhookInput = z.output<typeof updateWebhookBody>;

export const webhookIdParams = z.object({ id: z.string() });
export const deliveryIdParams = z.object({ id: z.string(), delivery_id: z.string() });

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const listDeliveriesQuery = paginationQuery.extend({
  status: z.enum(DELIVERY_STATUSES).optional().meta({ description: 'Only deliveries in this state' }),
  event: eventType.optional().meta({ description: 'Only deliveries of this event' }),
});
export type ListDeliveriesQuery = z.output<typeof listDeliveriesQuery>;

export const testWebhookBody = z
  .object({ event: eventType.optional().meta({ description: 'The sample event to send (default lead.created)' }) })
  .nullish();

export const webhookEndpoint = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    disabled_reason: z
      .enum(['manual', 'gone', 'failing'])
      .nullable()
      .meta({ description: 'manual (PATCH enabled: false), gone (the receiver answered 410) or failing (every attempt failed for 5 days)' }),
    disabled_at: timestamp.nullable(),
    failing_since: timestamp.nullable().meta({ description: 'The first failed attempt since the last success' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpoint = z.infer<typeof webhookEndpoint>;

export const webhookEndpointWithSecret = webhookEndpoint
  .extend({ secret: z.string().meta({ description: 'whsec_ + base64 of 32 random bytes; shown on create and rotate only' }) })
  .meta({ id: 'WebhookEndpointWithSecret' });
export type WebhookEndpointWithSecret = z.infer<typeof webhookEndpointWithSecret>;

export const webhookAttempt = z
  .object({
    attempted_at: timestamp,
    success: z.boolean(),
    status_code: z.number().int().nullable(),
    duration_ms: z.number().int(),
    response_body: z.string().nullable().meta({ description: 'The first 1 KiB of the answer' }),
    error: z.string().nullable(),
  })
  .meta({ id: 'WebhookAttempt' });
export type WebhookAttempt = z.infer<typeof webhookAttempt>;

export const webhookDelivery = z
  .object({
    id: z.uuid(),
    event_id: z.uuid().meta({ description: 'The body `id` and `webhook-id` header: the same on every retry' }),
    event: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    test: z.boolean(),
    attempt_count: z.number().int(),
    next_attempt_at: timestamp.nullable(),
    last_attempt_at: timestamp.nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: timestamp,
    attempts: z.array(webhookAttempt).meta({ description: 'Every attempt, newest first' }),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof webhookDelivery>;

export const testResult = webhookAttempt.extend({ delivery_id: z.uuid() }).meta({ id: 'WebhookTestResult' });
export type WebhookTestResult = z.infer<typeof testResult>;
