import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type { WorkerTask } from '../../jobs/task-loop.js';
import {
  claimDueDeliveries,
  fanOutOutboxEvents,
  recordAttempt,
  recordSuccesses,
  type ClaimedDelivery,
  type SuccessOutcome,
} from './delivery-queue.repo.js';
import { DISABLE_AFTER_FAILING_MS, nextAttemptAt, parseRetryAfter } from './retry-schedule.js';
import { webhookBody, webhookHeaders } from './signing.js';
import { failPendingDeliveries } from './webhooks.repo.js';
import type { AttemptResult, WebhookSender } from './webhook-sender.js';

// A claimed delivery is either in flight or waiting behind at most `maxPerEndpoint` others of its
// endpoint, so it is attempted within two attempt timeouts (2 × 10 s); the lease is longer than that
// plus recording, so a live worker never loses its rows, and a dead worker's rows come back after it.
export const LEASE_MS = 30_000;
const FAN_OUT_BATCH = 500;
// Idle poll: new outbox rows from any process are picked up within this, which keeps commit →
// receipt well under a second without a NOTIFY on every business transaction.
const IDLE_MS = 100;
// While deliveries are under way the loop turns once per finished delivery; the outbox is looked at
// on every turn only while it has rows, otherwise at most this often.
const FAN_OUT_EVERY_MS = 50;
// Successes are recorded together: up to this many in one statement, none waiting longer than this.
const SUCCESS_BATCH = 64;
const SUCCESS_FLUSH_MS = 5;
const UNOPENABLE_SECRET = 'the endpoint secret cannot be opened with the configured ENCRYPTION_KEY: rotate the secret';

export type WebhookWorkerTask = WorkerTask & {
  /** Resolves when every delivery this process has claimed is attempted and recorded. */
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
  const { db, clock, secrets, sender, log, maxPerEndpoint } = deps;
  // Per endpoint: attempts under way, and claimed deliveries waiting for one of its slots.
  const sending = new Map<string, number>();
  const waiting = new Map<string, { d: ClaimedDelivery; claimId: string }[]>();
  // Every claimed delivery until it is recorded.
  const unfinished = new Set<Promise<void>>();
  let held = 0;
  let stopped = false;
  let outboxHadRows = true;
  let lastFanOut = -Infinity;
  let wakeLoop: () => void = () => {};

  let successes: { outcome: SuccessOutcome; done: (err?: unknown) => void }[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  function flushSuccesses() {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const batch = successes;
    successes = [];
    if (batch.length === 0) return;
    recordSuccesses(db, batch.map((b) => b.outcome)).then(
      () => batch.forEach((b) => b.done()),
      (err) => batch.forEach((b) => b.done(err)),
    );
  }
  function recordSuccess(outcome: SuccessOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      successes.push({ outcome, done: (err) => (err ? reject(err) : resolve()) });
      if (successes.length >= SUCCESS_BATCH) flushSuccesses();
      else flushTimer ??= setTimeout(flushSuccesses, SUCCESS_FLUSH_MS);
    });
  }

  async function recordFailure(d: ClaimedDelivery, claimId: string, attemptedAt: Date, result: AttemptResult) {
    const gone = result.statusCode === 410;
    // Delays count from the end of the attempt: one that took the whole timeout would otherwise be
    // retried the moment it ended (and Retry-After is relative to when the answer came).
    const endedAt = clock.now();
    const retryAfter = parseRetryAfter(result.retryAfter, endedAt);
    const next = gone ? null : nextAttemptAt(d.attempts + 1, endedAt, retryAfter);
    const { disabled } = await recordAttempt(db, {
      deliveryId: d.id,
      endpointId: d.endpoint_id,
      claimId,
      attemptedAt,
      success: false,
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

  /** One attempt; the endpoint's slot is given back as soon as the HTTP exchange ends. */
  async function attempt(d: ClaimedDelivery, claimId: string) {
    const attemptedAt = new Date(clock.now());
    const result = await sendSigned(d, attemptedAt).finally(() => releaseSlot(d.endpoint_id));
    if (result.success) {
      await recordSuccess({
        deliveryId: d.id,
        endpointId: d.endpoint_id,
        claimId,
        attemptedAt,
        statusCode: result.statusCode!,
        durationMs: result.durationMs,
        responseBody: result.responseBody,
      });
    } else {
      await recordFailure(d, claimId, attemptedAt, result);
    }
  }

  async function sendSigned(d: ClaimedDelivery, attemptedAt: Date): Promise<AttemptResult> {
    let secret: string;
    try {
      secret = secrets.open(d.secret_ciphertext, d.endpoint_id);
    } catch {
      // A changed key cannot open the secret: a failed attempt (logged, retried, in the end disabling
      // the endpoint) rather than a delivery claimed again and again with nothing recorded.
      return { success: false, statusCode: null, durationMs: 0, responseBody: null, retryAfter: undefined, error: UNOPENABLE_SECRET };
    }
    const event = { id: d.event_id, event: d.event_type, occurredAt: new Date(d.occurred_at), data: d.data, previous: d.previous, actor: d.actor, test: false };
    const body = webhookBody(event);
    return sender.send(d.url, body, webhookHeaders(secret, event, body, attemptedAt.getTime()));
  }

  function startNow(d: ClaimedDelivery, claimId: string) {
    sendingTotal++;
    sending.set(d.endpoint_id, (sending.get(d.endpoint_id) ?? 0) + 1);
    const p: Promise<void> = attempt(d, claimId)
      .catch((err) => log.warn({ err, deliveryId: d.id }, 'webhook attempt not recorded; it is retried when its lease ends'))
      .finally(() => {
        unfinished.delete(p);
        held--;
        wakeLoop();
      });
    unfinished.add(p);
  }

  let sendingTotal = 0;
  const hasRoom = (endpointId: string) => sendingTotal < deps.maxInFlight && (sending.get(endpointId) ?? 0) < maxPerEndpoint;

  function releaseSlot(endpointId: string) {
    sendingTotal--;
    const n = sending.get(endpointId)! - 1;
    if (n === 0) sending.delete(endpointId);
    else sending.set(endpointId, n);
    pump();
    wakeLoop();
  }

  /** Starts waiting deliveries while the process and their endpoints have room. */
  function pump() {
    for (const [endpointId, queue] of waiting) {
      while (queue.length > 0 && hasRoom(endpointId)) {
        const next = queue.shift()!;
        startNow(next.d, next.claimId);
      }
      if (queue.length === 0) waiting.delete(endpointId);
      if (sendingTotal >= deps.maxInFlight) return;
    }
  }

  function dispatch(d: ClaimedDelivery, claimId: string) {
    held++;
    if (hasRoom(d.endpoint_id) && !waiting.has(d.endpoint_id)) return startNow(d, claimId);
    const queue = waiting.get(d.endpoint_id) ?? [];
    queue.push({ d, claimId });
    waiting.set(d.endpoint_id, queue);
  }

  /** Claimed per endpoint (in flight or waiting), for the claim's per-endpoint limit. */
  function heldPerEndpoint() {
    const m = new Map(sending);
    for (const [id, q] of waiting) m.set(id, (m.get(id) ?? 0) + q.length);
    return m;
  }

  async function drain() {
    while (unfinished.size > 0) {
      flushSuccesses();
      await Promise.all([...unfinished]);
    }
  }

  return {
    name: 'webhook-delivery',
    idleMs: IDLE_MS,
    async runOnce() {
      if (stopped) return 0;
      const now = new Date(clock.now());
      let events = 0;
      if (outboxHadRows || held === 0 || performance.now() - lastFanOut >= FAN_OUT_EVERY_MS) {
        lastFanOut = performance.now();
        ({ events } = await fanOutOutboxEvents(db, now, FAN_OUT_BATCH));
        outboxHadRows = events > 0;
      }
      // Up to the in-flight limit in flight, and as many again waiting behind them, so that an
      // endpoint's next delivery starts the moment a slot frees, without a round trip.
      const room = 2 * deps.maxInFlight - held;
      let claimed = 0;
      if (room > 0) {
        const claimId = randomUUID();
        const due = await claimDueDeliveries(db, {
          now,
          leaseMs: LEASE_MS,
          limit: room,
          perEndpoint: 2 * maxPerEndpoint,
          inFlight: heldPerEndpoint(),
          claimId,
        });
        for (const d of due) dispatch(d, claimId);
        claimed = due.length;
      }
      if (events + claimed > 0) return events + claimed;
      // Nothing new could start: while deliveries are under way, go again as soon as one ends (its
      // endpoint or the process has room again) rather than after the idle pause.
      if (held > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_MS);
          wakeLoop = () => {
            clearTimeout(timer);
            wakeLoop = () => {};
            resolve();
          };
        });
        return 1;
      }
      return 0;
    },
    drain,
    async stop() {
      stopped = true;
      await drain();
    },
  };
}
