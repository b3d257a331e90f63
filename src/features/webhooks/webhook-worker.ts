import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/rate-limiter.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type { WorkerTask } from '../../worker/worker.js';
import { claimDueDeliveries, fanOutOutboxEvents, recordAttempt, type ClaimedDelivery } from './delivery-queue.repo.js';
import { DISABLE_AFTER_FAILING_MS, nextAttemptAt, parseRetryAfter } from './retry-schedule.js';
import { webhookBody, webhookHeaders } from './signing.js';
import { failPendingDeliveries } from './webhooks.repo.js';
import type { WebhookSender } from './webhook-sender.js';

// Longer than one attempt (10 s) plus recording it, so a live worker never loses its rows; a dead
// worker's rows come back this long after it claimed them.
export const LEASE_MS = 20_000;
const FAN_OUT_BATCH = 500;
// Idle poll: new outbox rows from any process are picked up within this, which keeps commit →
// receipt well under a second without a NOTIFY on every business transaction.
const IDLE_MS = 100;
// While deliveries are under way the loop turns once per finished delivery; the outbox is looked at
// on every turn only while it has rows, otherwise at most this often.
const FAN_OUT_EVERY_MS = 50;

export type WebhookWorkerTask = WorkerTask & {
  /** Resolves when every delivery this process has started is recorded. */
  drain(): Promise<void>;
};

export function createWebhookDeliveryTask(deps: {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  sender: WebhookSender;
  log: Logger;
  maxInFlight: number;
  maxPerEndpoint: number;
}): WebhookWorkerTask {
  const { db, clock, secrets, sender, log } = deps;
  const inFlightByEndpoint = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  let outboxHadRows = true;
  let lastFanOut = -Infinity;

  async function attempt(d: ClaimedDelivery, claimId: string) {
    const attemptedAt = new Date(clock.now());
    const secret = secrets.open(d.secret_ciphertext, d.endpoint_id);
    const event = {
      id: d.event_id,
      event: d.event_type,
      occurredAt: new Date(d.occurred_at),
      data: d.data,
      previous: d.previous,
      test: false,
    };
    const body = webhookBody(event);
    const result = await sender.send(d.url, body, webhookHeaders(secret, event, body, attemptedAt.getTime()));
    const attempts = d.attempts + 1;
    const gone = result.statusCode === 410;
    const next =
      result.success || gone ? null : nextAttemptAt(attempts, attemptedAt.getTime(), parseRetryAfter(result.retryAfter, attemptedAt.getTime()));
    const { disabled } = await recordAttempt(db, {
      deliveryId: d.id,
      endpointId: d.endpoint_id,
      claimId,
      attemptedAt,
      success: result.success,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      responseBody: result.responseBody,
      error: result.error,
      nextAttemptAt: next === null ? null : new Date(next),
      disable: gone ? 'gone' : null,
      disableAfterFailingMs: DISABLE_AFTER_FAILING_MS,
    });
    if (disabled) {
      log.warn({ endpointId: d.endpoint_id, reason: disabled }, 'webhook endpoint disabled');
      await failPendingDeliveries(db, d.company_id, d.endpoint_id, `endpoint disabled (${disabled})`, attemptedAt);
    }
  }

  function start(d: ClaimedDelivery, claimId: string) {
    inFlightByEndpoint.set(d.endpoint_id, (inFlightByEndpoint.get(d.endpoint_id) ?? 0) + 1);
    const p: Promise<void> = attempt(d, claimId)
      .catch((err) => log.warn({ err, deliveryId: d.id }, 'webhook attempt not recorded; it is retried when its lease ends'))
      .finally(() => {
        running.delete(p);
        const n = inFlightByEndpoint.get(d.endpoint_id)! - 1;
        if (n === 0) inFlightByEndpoint.delete(d.endpoint_id);
        else inFlightByEndpoint.set(d.endpoint_id, n);
      });
    running.add(p);
  }

  /** Waits until one delivery in flight finishes, or `ms` passes. */
  function oneFinished(ms: number) {
    return Promise.race([...running, new Promise<void>((r) => setTimeout(r, ms).unref())]);
  }

  return {
    name: 'webhook-delivery',
    idleMs: IDLE_MS,
    async runOnce() {
      if (stopped) return 0;
      const now = new Date(clock.now());
      let events = 0;
      if (outboxHadRows || running.size === 0 || performance.now() - lastFanOut >= FAN_OUT_EVERY_MS) {
        lastFanOut = performance.now();
        ({ events } = await fanOutOutboxEvents(db, now, FAN_OUT_BATCH));
        outboxHadRows = events > 0;
      }
      const free = deps.maxInFlight - running.size;
      let claimed = 0;
      if (free > 0) {
        const claimId = randomUUID();
        const due = await claimDueDeliveries(db, {
          now,
          leaseMs: LEASE_MS,
          limit: free,
          perEndpoint: deps.maxPerEndpoint,
          inFlight: inFlightByEndpoint,
          claimId,
        });
        for (const d of due) start(d, claimId);
        claimed = due.length;
      }
      if (events + claimed > 0) return events + claimed;
      // Nothing new could start: while deliveries are in flight, go again as soon as one ends (its
      // endpoint or the process has room again) rather than after the idle pause.
      if (running.size > 0) {
        await oneFinished(IDLE_MS);
        return 1;
      }
      return 0;
    },
    drain: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
    async stop() {
      stopped = true;
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
