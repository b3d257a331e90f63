// The /v1 webhook shapes and /app/api/webhook-events, as the server's schemas define them (types only).
export type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WebhookTestResult,
} from '../../../../src/features/webhooks/webhooks.schemas';
export type { WebhookEvent } from '../../../../src/features/webhooks/webhooks.routes';
export type { Paginated } from '../../../../src/http/pagination';
