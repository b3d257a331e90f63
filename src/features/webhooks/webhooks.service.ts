import { randomUUID } from 'node:crypto';
import type { EventType } from '../events/events.js';
import { sampleEvent } from './sample-events.js';
import { writeKept, type AnswerKeeper } from '../../db/answer-keeper.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type {
  CreateWebhookInput,
  ListDeliveriesQuery,
  UpdateWebhookInput,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
} from './webhooks.schemas.js';
import {
  attemptsOfDeliveries,
  deleteEndpointRow,
  failPendingDeliveries,
  findDelivery,
  findEndpoint,
  insertEndpoint,
  insertTestDelivery,
  listDeliveryPage,
  listEndpointPage,
  requeueDelivery,
  updateEndpointRow,
  type AttemptRow,
  type DeliveryRow,
  type EndpointRow,
} from './webhooks.repo.js';
import { generateWebhookSecret, webhookBody, webhookHeaders } from './signing.js';
import { assertPublicHost, hostOf, UnsafeTargetError } from './url-safety.js';
import type { WebhookSender } from './webhook-sender.js';

export type WebhookDeps = {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  /** Sends test deliveries from this process (the worker has its own). */
  sender: WebhookSender;
  allowPrivateTargets: boolean;
  publicUrl: string;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function endpointView(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.disabledAt === null,
    disabled_reason: row.disabledReason as WebhookEndpoint['disabled_reason'],
    disabled_at: iso(row.disabledAt),
    failing_since: iso(row.failingSince),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function attemptView(a: AttemptRow): WebhookAttempt {
  return {
    attempted_at: a.attemptedAt.toISOString(),
    success: a.success,
    status_code: a.statusCode,
    duration_ms: a.durationMs,
    response_body: a.responseBody,
    error: a.error,
  };
}

function deliveryView(d: DeliveryRow, attempts: AttemptRow[]): WebhookDelivery {
  return {
    id: d.id,
    event_id: d.eventId,
    event: d.eventType,
    status: d.status,
    test: d.test,
    attempt_count: attempts.length,
    next_attempt_at: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    last_attempt_at: iso(d.lastAttemptAt),
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    created_at: d.createdAt.toISOString(),
    attempts: attempts.map(attemptView),
  };
}

/** B6: http(s) only, and (unless the operator allows private targets) a host whose every address is public. */
export async function checkWebhookUrl(url: string, allowPrivateTargets: boolean): Promise<void> {
  if (allowPrivateTargets) return;
  const host = hostOf(new URL(url));
  try {
    await assertPublicHost(host);
  } catch (err) {
    if (!(err instanceof UnsafeTargetError)) {
      throw new ValidationError(`'url' host could not be resolved: ${host}`, [{ field: 'url', message: 'host could not be resolved' }]);
    }
    throw new ValidationError(`'url' must point to a public address: ${err.message}`, [{ field: 'url', message: 'must point to a public address' }]);
  }
}

/**
 * Webhook endpoints of a company (B3, B6): every method takes the company first and finds only its
 * endpoints. The operator's command line goes through the same service (webhooks.commands.ts).
 */
export function createWebhooks(deps: WebhookDeps) {
  const { db, clock, secrets, sender, allowPrivateTargets, publicUrl } = deps;

  async function endpointOf(companyId: string, id: string): Promise<EndpointRow> {
    const row = isUuid(id) ? await findEndpoint(db, companyId, id) : undefined;
    if (!row) throw new NotFoundError('Webhook not found');
    return row;
  }

  async function create(companyId: string, input: CreateWebhookInput, keeper?: AnswerKeeper<WebhookEndpoint & { secret: string }>) {
    await checkWebhookUrl(input.url, allowPrivateTargets);
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const now = new Date(clock.now());
    return writeKept(db, keeper, async (tx) => {
      const row = await insertEndpoint(tx, {
        id,
        companyId,
        url: input.url,
        description: input.description ?? null,
        events: input.events ?? [],
        // Bound to the row id: a sealed secret copied onto another endpoint does not open.
        secretCiphertext: secrets.seal(secret, id),
        createdAt: now,
        updatedAt: now,
      });
      return { ...endpointView(row), secret };
    });
  }

  async function list(companyId: string, window: { limit: number; offset: number }) {
    const { rows, total } = await listEndpointPage(db, companyId, window);
    return { data: rows.map(endpointView), total };
  }

  async function get(companyId: string, id: string) {
    return endpointView(await endpointOf(companyId, id));
  }

  async function update(companyId: string, id: string, input: UpdateWebhookInput) {
    const current = await endpointOf(companyId, id);
    const fields = ['url', 'events', 'description', 'enabled'] as const;
    if (!fields.some((f) => input[f] !== undefined)) throw new ValidationError('No valid fields to update');
    if (input.url !== undefined) await checkWebhookUrl(input.url, allowPrivateTargets);
    const now = new Date(clock.now());
    const patch: Partial<EndpointRow> = { updatedAt: now };
    if (input.url !== undefined) patch.url = input.url;
    if (input.events !== undefined) patch.events = input.events;
    if (input.description !== undefined) patch.description = input.description;
    if (input.enabled === true && current.disabledAt) Object.assign(patch, { disabledAt: null, disabledReason: null, failingSince: null });
    if (input.enabled === false && !current.disabledAt) Object.assign(patch, { disabledAt: now, disabledReason: 'manual' });
    const row = await db.transaction(async (tx) => {
      const updated = await updateEndpointRow(tx, companyId, id, patch);
      if (!updated) throw new NotFoundError('Webhook not found');
      if (patch.disabledReason === 'manual') await failPendingDeliveries(tx, companyId, id, 'endpoint disabled (manual)', now);
      return updated;
    });
    return endpointView(row);
  }

  async function remove(companyId: string, id: string) {
    if (!isUuid(id) || !(await deleteEndpointRow(db, companyId, id))) throw new NotFoundError('Webhook not found');
  }

  /** The dashboard's "reveal": the secret opened from its sealed form (B7), for the company's own eyes. */
  async function revealSecret(companyId: string, id: string) {
    const endpoint = await endpointOf(companyId, id);
    return { secret: secrets.open(endpoint.secretCiphertext, endpoint.id) };
  }

  /** A new secret, effective at once for every later attempt (retries of earlier events included). */
  async function rotateSecret(companyId: string, id: string, keeper?: AnswerKeeper<WebhookEndpoint & { secret: string }>) {
    await endpointOf(companyId, id);
    const secret = generateWebhookSecret();
    return writeKept(db, keeper, async (tx) => {
      const row = await updateEndpointRow(tx, companyId, id, {
        secretCiphertext: secrets.seal(secret, id),
        updatedAt: new Date(clock.now()),
      });
      if (!row) throw new NotFoundError('Webhook not found');
      return { ...endpointView(row), secret };
    });
  }

  async function deliveries(companyId: string, endpointId: string, query: ListDeliveriesQuery, window: { limit: number; offset: number }) {
    await endpointOf(companyId, endpointId);
    const { rows, total } = await listDeliveryPage(db, companyId, endpointId, query, window);
    const attempts = await attemptsOfDeliveries(db, companyId, rows.map((r) => r.id));
    return {
      data: rows.map((r) => deliveryView(r, attempts.filter((a) => a.deliveryId === r.id))),
      total,
    };
  }

  /** A delivery that failed (or succeeded) goes back to the queue for a new round of retries. */
  async function retryDelivery(companyId: string, endpointId: string, deliveryId: string, keeper?: AnswerKeeper<WebhookDelivery>) {
    const endpoint = await endpointOf(companyId, endpointId);
    const delivery = isUuid(deliveryId) ? await findDelivery(db, companyId, endpointId, deliveryId) : undefined;
    if (!delivery) throw new NotFoundError('Delivery not found');
    if (endpoint.disabledAt) throw new ConflictError('Webhook is disabled: enable it (PATCH enabled: true) before retrying');
    if (delivery.test) throw new ConflictError('A test delivery cannot be retried: send another test');
    return writeKept(db, keeper, async (tx) => {
      const row = await requeueDelivery(tx, companyId, deliveryId, new Date(clock.now()));
      if (!row) throw new ConflictError('Delivery is already pending');
      return deliveryView(row, await attemptsOfDeliveries(tx, companyId, [row.id]));
    });
  }

  /**
   * A10's test delivery, sent now (outside any transaction) and logged as a delivery marked `test`.
   * It goes to a disabled endpoint too (to check it before enabling it again) and does not count
   * towards disabling one.
   */
  async function sendTest(companyId: string, endpointId: string, eventType: EventType = 'lead.created') {
    const endpoint = await endpointOf(companyId, endpointId);
    const secret = secrets.open(endpoint.secretCiphertext, endpoint.id);
    const now = new Date(clock.now());
    const event = { id: randomUUID(), event: eventType, occurredAt: now, ...sampleEvent(eventType, now, publicUrl), actor: null, test: true };
    const body = webhookBody(event);
    const result = await sender.send(endpoint.url, body, webhookHeaders(secret, event, body, now.getTime()));
    const deliveryId = randomUUID();
    await insertTestDelivery(
      db,
      {
        id: deliveryId,
        companyId,
        endpointId,
        eventId: event.id,
        eventType,
        data: event.data,
        occurredAt: now,
        test: true,
        status: result.success ? 'succeeded' : 'failed',
        attempts: 1,
        nextAttemptAt: now,
        lastAttemptAt: now,
        lastStatusCode: result.statusCode,
        lastError: result.error,
        createdAt: now,
        updatedAt: now,
      },
      {
        deliveryId,
        attemptedAt: now,
        success: result.success,
        statusCode: result.statusCode,
        durationMs: result.durationMs,
        responseBody: result.responseBody,
        error: result.error,
      },
    );
    return {
      delivery_id: deliveryId,
      attempted_at: now.toISOString(),
      success: result.success,
      status_code: result.statusCode,
      duration_ms: result.durationMs,
      response_body: result.responseBody,
      error: result.error,
    };
  }

  return { create, list, get, update, remove, revealSecret, rotateSecret, deliveries, retryDelivery, sendTest };
}

export type WebhooksService = ReturnType<typeof createWebhooks>;
