import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, loadSecretBox } from '../../lib/secret-box.js';
import { startWorker } from '../../jobs/task-loop.js';
import { manualClock } from '../../../test/clock.js';
import { startTestServer, withInsertFailure, type Tenant, type TestServer } from '../../../test/helpers.js';
import { startReceiver, type Receiver } from '../../../test/webhook-receiver.js';
import { RETRY_DELAYS_MS } from './retry-schedule.js';
import { createWebhookDeliveryTask, type WebhookWorkerTask } from './webhook-worker.js';
import { createWebhookSender, type WebhookSender } from './webhook-sender.js';

// Delivery end to end: API change → outbox → worker → a real HTTP receiver on 127.0.0.1 (allowed by
// configuration, as an operator would). Time is the manual clock: the retry schedule, Retry-After and
// the 5-day disable are driven by moving it, never by sleeping.
const quiet = { warn() {}, info() {} };
const clock = manualClock(Date.now());
let server: TestServer;
let sender: WebhookSender;
let task: WebhookWorkerTask;
let receiver: Receiver;

beforeAll(async () => {
  server = await startTestServer({ clock, env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
  sender = createWebhookSender({ allowPrivateTargets: true });
  task = newTask({ maxPerEndpoint: 4 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await sender.close();
  await server.close();
});

function newTask(o: { maxPerEndpoint: number }) {
  return createWebhookDeliveryTask({
    db: server.database.db,
    clock,
    secrets: loadSecretBox(server.config, server.database.engine),
    sender,
    log: quiet,
    maxInFlight: 64,
    maxPerEndpoint: o.maxPerEndpoint,
  });
}

/** Runs the worker until nothing is due at the clock's current time. */
async function deliver() {
  for (let i = 0; i < 100; i++) {
    const n = await task.runOnce();
    await task.drain();
    if (n === 0) return;
  }
}

async function endpoint(owner: Tenant, path: string, events?: string[]) {
  const res = await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}${path}`, ...(events ? { events } : {}) });
  expect(res.status).toBe(201);
  return res.body.data as { id: string; secret: string };
}

const at = (path: string) => receiver.received.filter((r) => r.path === path);
const deliveryRow = async (endpointId: string) =>
  (
    (await server.database.db.execute(
      sql`select status, attempts, next_attempt_at from webhook_deliveries where endpoint_id = ${endpointId} order by created_at desc limit 1`,
    )) as unknown as { rows: { status: string; attempts: number; next_attempt_at: string }[] }
  ).rows[0];

describe('webhook delivery', () => {
  it('sends lead.created, lead.updated (with previous) and sale.completed, signed both ways', async () => {
    receiver.answer(() => ({}));
    const owner = await server.tenant();
    const all = await endpoint(owner, '/all');
    const sales = await endpoint(owner, '/sales', ['sale.completed']);

    const created = await owner.call('POST', '/v1/leads', { name: 'Jo Roof', phone: '0412 345 678' });
    const leadId = created.body.data.id;
    await owner.call('PATCH', `/v1/leads/${leadId}`, { pipeline_stage: 'closed_won' });
    await deliver();

    // Up to WEBHOOK_MAX_PER_ENDPOINT deliveries to one endpoint run at once, so they may arrive in
    // any order (receivers order by `timestamp`, dedupe by `id`).
    const got = at('/all');
    const order = ['lead.created', 'lead.updated', 'sale.completed'];
    expect(got.map((r) => r.body.event).sort()).toEqual(order);
    expect(at('/sales').map((r) => r.body.event)).toEqual(['sale.completed']);

    const [c, u, s] = order.map((event) => got.find((r) => r.body.event === event)!);
    // A10's keys, B6's id, and who made the change (the key that created the lead).
    expect(Object.keys(c.body).sort()).toEqual(['actor', 'data', 'event', 'id', 'timestamp']);
    expect(c.body.actor).toEqual({ type: 'api', id: expect.any(String), name: 'test' });
    expect(c.body.data).toEqual(created.body.data);
    expect(c.body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(u.body.previous).toEqual({ pipeline_stage: 'new_lead' });
    expect(u.body.data.pipeline_stage).toBe('closed_won');
    expect(s.body.data.id).toBe(leadId);

    const wh = new Webhook(all.secret);
    for (const r of got) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-webhook-event']).toBe(r.body.event);
      // A10's receiver snippet, verbatim, over the raw body.
      expect(r.headers['x-webhook-signature']).toBe(createHmac('sha256', all.secret).update(r.rawBody).digest('hex'));
      // The Standard Webhooks headers, checked by the independent reference verifier.
      expect(wh.verify(r.rawBody, r.headers as Record<string, string>)).toEqual(r.body);
      expect(r.headers['webhook-id']).toBe(r.body.id);
      expect(r.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));
    }
    // The sales endpoint has its own secret.
    expect(new Webhook(sales.secret).verify(at('/sales')[0].rawBody, at('/sales')[0].headers as Record<string, string>)).toBeTruthy();
    expect(() => new Webhook(sales.secret).verify(c.rawBody, c.headers as Record<string, string>)).toThrow();
  });

  it('records a failed attempt, and sends nothing, when the secret cannot be opened (the key changed)', async () => {
    receiver.answer(() => ({}));
    const owner = await server.tenant();
    const hook = await endpoint(owner, '/lost-key');
    const otherKey = createSecretBox(randomBytes(32));
    await server.database.db.execute(
      sql`update webhook_endpoints set secret_ciphertext = ${otherKey.seal('whsec_AAAA', hook.id)} where id = ${hook.id}`,
    );
    await owner.call('POST', '/v1/leads', { name: 'Lost Key' });
    await deliver();
    expect(at('/lost-key')).toHaveLength(0);
    const row = await deliveryRow(hook.id);
    expect(row.attempts).toBe(1);
    const attempts = (await server.database.db.execute(
      sql`select a.error from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.endpoint_id = ${hook.id}`,
    )) as unknown as { rows: { error: string }[] };
    expect(attempts.rows.map((a) => a.error)).toEqual([expect.stringContaining('cannot be opened')]);
  });

  it('sends nothing for a rolled-back change', async () => {
    const owner = await server.tenant();
    await endpoint(owner, '/rollback');
    const lead = await owner.call('POST', '/v1/leads', { name: 'Kept' });
    const failed = await withInsertFailure(
      server.database,
      { name: 'refuse_lead_updated', table: 'outbox_events', when: 'after', condition: `NEW.event_type = 'lead.updated' and NEW.data->>'id' = '${lead.body.data.id}'` },
      () => owner.call('PATCH', `/v1/leads/${lead.body.data.id}`, { notes: 'never committed' }),
    );
    expect(failed.status).toBe(500);
    await deliver();
    expect(at('/rollback').map((r) => r.body.event)).toEqual(['lead.created']);
    expect((await owner.call('GET', `/v1/leads/${lead.body.data.id}`)).body.data.notes).toBeNull();
  });

  it('retries on the schedule with jitter, keeps the event id, marks the delivery failed, and retries by hand', async () => {
    receiver.answer((r) => (r.path === '/flaky' ? { status: 500, body: 'x'.repeat(5000) } : {}));
    const owner = await server.tenant();
    const hook = await endpoint(owner, '/flaky');
    await owner.call('POST', '/v1/leads', { name: 'Retry Me' });
    await deliver();
    expect(at('/flaky')).toHaveLength(1);

    for (let i = 0; i < RETRY_DELAYS_MS.length; i++) {
      const row = await deliveryRow(hook.id);
      expect(row).toMatchObject({ status: 'pending', attempts: i + 1 });
      const wait = Date.parse(row.next_attempt_at) - clock.now();
      // ±10% jitter around the scheduled delay.
      expect(wait).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[i] * 0.9 - 1);
      expect(wait).toBeLessThanOrEqual(RETRY_DELAYS_MS[i] * 1.1 + 1);
      clock.advance(wait - 1);
      await deliver();
      expect(at('/flaky')).toHaveLength(i + 1); // not yet
      clock.advance(1);
      await deliver();
      expect(at('/flaky')).toHaveLength(i + 2);
    }
    expect(await deliveryRow(hook.id)).toMatchObject({ status: 'failed', attempts: 10 });
    const ids = new Set(at('/flaky').map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const stamps = at('/flaky').map((r) => Number(r.headers['webhook-timestamp']));
    expect(stamps[9] - stamps[0]).toBeGreaterThan(3 * 24 * 3600 * 0.9);

    const log = await owner.call('GET', `/v1/webhooks/${hook.id}/deliveries?status=failed`);
    expect(log.body.meta.total).toBe(1);
    const delivery = log.body.data[0];
    expect(delivery).toMatchObject({ event: 'lead.created', status: 'failed', attempt_count: 10, last_status_code: 500 });
    expect(delivery.attempts[0].response_body).toHaveLength(1024);
    expect(delivery.attempts[0].error).toBe('HTTP 500');
    const times = delivery.attempts.map((a: { attempted_at: string }) => Date.parse(a.attempted_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await owner.call('GET', `/v1/webhooks/${hook.id}/deliveries?status=pending`)).body.meta.total).toBe(0);
    expect((await owner.call('GET', `/v1/webhooks/${hook.id}/deliveries?event=lead.updated`)).body.meta.total).toBe(0);

    // The endpoint is fixed; the integrator retries the failed delivery by hand.
    receiver.answer(() => ({}));
    const retried = await owner.call('POST', `/v1/webhooks/${hook.id}/deliveries/${delivery.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body.data.status).toBe('pending');
    const again = await owner.call('POST', `/v1/webhooks/${hook.id}/deliveries/${delivery.id}/retry`);
    expect(again.status).toBe(409);
    await deliver();
    expect(at('/flaky')).toHaveLength(11);
    expect(at('/flaky')[10].headers['webhook-id']).toBe(delivery.event_id);
    const done = await owner.call('GET', `/v1/webhooks/${hook.id}/deliveries`);
    expect(done.body.data[0]).toMatchObject({ status: 'succeeded', attempt_count: 11, last_status_code: 200 });
    expect((await owner.call('GET', `/v1/webhooks/${hook.id}`)).body.data.failing_since).toBeNull();
  });

  it('counts the retry delay from the end of a slow attempt, not its start', async () => {
    const owner = await server.tenant();
    const hook = await endpoint(owner, '/slow-fail');
    // The attempt takes the whole 10 s timeout (on the manual clock), then fails.
    receiver.answer((r) => {
      if (r.path !== '/slow-fail') return {};
      clock.advance(10_000);
      return { status: 500 };
    });
    await owner.call('POST', '/v1/leads', { name: 'Slow Fail' });
    await deliver();
    expect(at('/slow-fail')).toHaveLength(1);
    const wait = Date.parse((await deliveryRow(hook.id)).next_attempt_at) - clock.now();
    expect(wait).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[0] * 0.9 - 1);
    receiver.answer(() => ({}));
  });

  it('honours Retry-After on 429 and 503, in seconds or as a date', async () => {
    const owner = await server.tenant();
    const hook = await endpoint(owner, '/busy');
    let n = 0;
    receiver.answer((r) => {
      if (r.path !== '/busy') return {};
      n++;
      if (n === 1) return { status: 503, headers: { 'retry-after': '120' } };
      if (n === 2) return { status: 429, headers: { 'retry-after': new Date(Math.ceil(clock.now() / 1000) * 1000 + 3_600_000).toUTCString() } };
      return {};
    });
    await owner.call('POST', '/v1/leads', { name: 'Busy' });
    await deliver();
    expect(at('/busy')).toHaveLength(1);
    clock.advance(119_999);
    await deliver();
    expect(at('/busy')).toHaveLength(1);
    clock.advance(1);
    await deliver();
    expect(at('/busy')).toHaveLength(2);
    const row = await deliveryRow(hook.id);
    const wait = Date.parse(row.next_attempt_at) - clock.now();
    expect(wait).toBeGreaterThan(3_599_000);
    expect(wait).toBeLessThanOrEqual(3_601_000); // the date has whole seconds
    clock.advance(wait);
    await deliver();
    expect(at('/busy')).toHaveLength(3);
    expect(await deliveryRow(hook.id)).toMatchObject({ status: 'succeeded' });
  });

  it('disables an endpoint that answers 410, and sends it nothing more', async () => {
    const owner = await server.tenant();
    const hook = await endpoint(owner, '/gone');
    receiver.answer((r) => (r.path === '/gone' ? { status: 410 } : {}));
    await owner.call('POST', '/v1/leads', { name: 'Gone' });
    await deliver();
    expect(at('/gone')).toHaveLength(1);
    const state = (await owner.call('GET', `/v1/webhooks/${hook.id}`)).body.data;
    expect(state).toMatchObject({ enabled: false, disabled_reason: 'gone' });
    expect(await deliveryRow(hook.id)).toMatchObject({ status: 'failed', attempts: 1 });

    await owner.call('POST', '/v1/leads', { name: 'After' });
    clock.advance(3_600_000);
    await deliver();
    expect(at('/gone')).toHaveLength(1);
    // A disabled endpoint's failed delivery is not retried by hand until it is enabled again.
    const log = await owner.call('GET', `/v1/webhooks/${hook.id}/deliveries`);
    expect(log.body.meta.total).toBe(1);
    const retry = await owner.call('POST', `/v1/webhooks/${hook.id}/deliveries/${log.body.data[0].id}/retry`);
    expect(retry.status).toBe(409);
    const enabled = await owner.call('PATCH', `/v1/webhooks/${hook.id}`, { enabled: true });
    expect(enabled.body.data).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
  });

  it('disables an endpoint after 5 days of failing everything', async () => {
    const owner = await server.tenant();
    const hook = await endpoint(owner, '/down');
    receiver.answer((r) => (r.path === '/down' ? { status: 502 } : {}));
    await owner.call('POST', '/v1/leads', { name: 'First' });
    await deliver();
    const since = (await owner.call('GET', `/v1/webhooks/${hook.id}`)).body.data.failing_since;
    expect(Date.parse(since)).toBe(clock.now());

    // Four days on, still failing, still enabled.
    clock.advance(4 * 24 * 3600_000);
    await owner.call('POST', '/v1/leads', { name: 'Second' });
    await deliver();
    expect((await owner.call('GET', `/v1/webhooks/${hook.id}`)).body.data.enabled).toBe(true);

    clock.set(Date.parse(since) + 5 * 24 * 3600_000);
    await owner.call('POST', '/v1/leads', { name: 'Third' });
    await deliver();
    const state = (await owner.call('GET', `/v1/webhooks/${hook.id}`)).body.data;
    expect(state).toMatchObject({ enabled: false, disabled_reason: 'failing', failing_since: since });
    // Its retries stop: what was pending is failed, retryable by hand once it is enabled again.
    expect((await owner.call('GET', `/v1/webhooks/${hook.id}/deliveries?status=pending`)).body.meta.total).toBe(0);
    expect((await owner.call('GET', `/v1/webhooks/${hook.id}/deliveries?status=failed`)).body.meta.total).toBe(3);
  });

  it('an endpoint deleted while its delivery is in flight does not spoil the others being recorded', async () => {
    const owner = await server.tenant();
    const doomed = await endpoint(owner, '/doomed');
    const kept = await endpoint(owner, '/kept');
    receiver.answer((r) => (r.path === '/doomed' || r.path === '/kept' ? { delayMs: 300 } : {}));
    await owner.call('POST', '/v1/leads', { name: 'Both' });
    const n = await task.runOnce();
    expect(n).toBeGreaterThan(0);
    while (at('/doomed').length === 0 || at('/kept').length === 0) await new Promise((r) => setTimeout(r, 5));
    expect((await owner.call('DELETE', `/v1/webhooks/${doomed.id}`)).status).toBe(204);
    await task.drain();
    expect(await deliveryRow(kept.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    receiver.answer(() => ({}));
  });

  it('a slow endpoint holds up only itself: at most 4 in flight per endpoint', async () => {
    const owner = await server.tenant();
    await endpoint(owner, '/slow');
    await endpoint(owner, '/fast');
    let slowInFlight = 0;
    let slowPeak = 0;
    receiver.answer((r) => {
      if (r.path !== '/slow') return {};
      slowPeak = Math.max(slowPeak, ++slowInFlight);
      setTimeout(() => slowInFlight--, 1000);
      return { delayMs: 1000 };
    });
    for (let i = 0; i < 6; i++) await owner.call('POST', '/v1/leads', { name: `Lead ${i}` });
    const before = receiver.received.length;
    const worker = startWorker([task], quiet);
    const started = Date.now();
    try {
      while (at('/fast').length < 6 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 5));
      // Every fast delivery arrived while the first slow ones were still being answered.
      expect(at('/fast')).toHaveLength(6);
      expect(Date.now() - started).toBeLessThan(900);
      expect(at('/slow')).toHaveLength(4);
      await receiver.waitFor(before + 12, 5000);
    } finally {
      await worker.stop();
    }
    expect(slowPeak).toBe(4);
  });
});
