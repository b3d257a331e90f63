// Shapes of src/features/webhooks/webhooks.schemas.ts, as the /v1 webhook routes answer them.
export type WebhookEndpoint = {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  disabled_reason: 'manual' | 'gone' | 'failing' | null;
  disabled_at: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
};
export type WebhookEndpointWithSecret = WebhookEndpoint & { secret: string };

export type WebhookAttempt = {
  attempted_at: string;
  success: boolean;
  status_code: number | null;
  duration_ms: number;
  response_body: string | null;
  error: string | null;
};

export type WebhookDelivery = {
  id: string;
  event_id: string;
  event: string;
  status: 'pending' | 'succeeded' | 'failed';
  test: boolean;
  attempt_count: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  attempts: WebhookAttempt[];
};

export type WebhookTestResult = WebhookAttempt & { delivery_id: string };
export type WebhookEvent = { event: string; description: string };
export type Paginated<T> = { data: T[]; meta: { page: number; per_page: number; total: number } };
