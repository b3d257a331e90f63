import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEndpoints } from '../../db/schema/index.js';
import { createSecretBox, loadSecretBox } from '../../lib/secret-box.js';
import { startTestServer, type TestServer } from '../../../test/helpers.js';
import { startReceiver, type Receiver } from '../../../test/webhook-receiver.js';

// The management API (B3) and the URL guard (B6). `open` allows private targets, as the tests'
// receivers listen on 127.0.0.1; `guarded` runs with the default, which refuses them.
let open: TestServer;
let guarded: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  open = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
  guarded = await startTestServer({ database: open.database });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await guarded.close();
  await open.close();
});

describe('webhook endpoints', () => {
  it('creates, lists, reads, changes, rotates and deletes; the secret is shown on create and rotate only', async () => {
    const owner = await open.tenant();
    const created = await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/crm`, events: ['lead.created', 'lead.created', 'sale.completed'], description: 'CRM', extra: 1 });
    expect(created.status).toBe(201);
    const hook = created.body.data;
    expect(hook).toMatchObject({ url: `${receiver.url}/crm`, events: ['lead.created', 'sale.completed'], description: 'CRM', enabled: true, disabled_reason: null });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(hook.secret.slice(6), 'base64')).toHaveLength(32);

    const read = await owner.call('GET', `/v1/webhooks/${hook.id}`);
    expect(read.body.data).not.toHaveProperty('secret');
    expect(read.body.data.id).toBe(hook.id);
    const list = await owner.call('GET', '/v1/webhooks');
    expect(list.body.meta).toEqual({ page: 1, per_page: 25, total: 1 });
    expect(list.body.data[0]).not.toHaveProperty('secret');

    const all = await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/all` });
    expect(all.body.data.events).toEqual([]);

    const changed = await owner.call('PATCH', `/v1/webhooks/${hook.id}`, { events: ['lead.updated'], description: null });
    expect(changed.body.data).toMatchObject({ events: ['lead.updated'], description: null });
    const disabled = await owner.call('PATCH', `/v1/webhooks/${hook.id}`, { enabled: false });
    expect(disabled.body.data).toMatchObject({ enabled: false, disabled_reason: 'manual' });
    expect(disabled.body.data.disabled_at).toMatch(/Z$/);
    expect((await owner.call('PATCH', `/v1/webhooks/${hook.id}`, { enabled: true })).body.data).toMatchObject({ enabled: true, disabled_at: null });

    const rotated = await owner.call('POST', `/v1/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(hook.secret);

    expect((await owner.call('DELETE', `/v1/webhooks/${hook.id}`)).status).toBe(204);
    expect((await owner.call('GET', `/v1/webhooks/${hook.id}`)).status).toBe(404);
    expect((await owner.call('DELETE', `/v1/webhooks/${hook.id}`)).body.error).toBe('Webhook not found');
    expect((await owner.call('GET', '/v1/webhooks/not-a-uuid')).status).toBe(404);
  });

  it('keeps secrets sealed at rest: the database alone does not reveal them', async () => {
    const owner = await open.tenant();
    const { body } = await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/sealed` });
    const [row] = await open.database.db.select().from(webhookEndpoints).where(sql`id = ${body.data.id}`);
    expect(row.secretCiphertext).not.toContain(body.data.secret.slice(6, 20));
    const box = loadSecretBox(open.config, open.database.engine);
    expect(box.open(row.secretCiphertext, row.id)).toBe(body.data.secret);
    // Another key, or the same ciphertext moved to another row, opens nothing.
    expect(() => createSecretBox(randomBytes(32)).open(row.secretCiphertext, row.id)).toThrow();
    expect(() => box.open(row.secretCiphertext, randomUUID())).toThrow();
  });

  it.each([
    [{ url: 'ftp://example.com/x' }, "'url' must be an http:// or https:// URL"],
    [{ url: 'not a url' }, "'url' must be an http:// or https:// URL"],
    [{ url: 'https://user:pw@1.1.1.1/x' }, "'url' must not contain a user name or password"],
    [{}, "'url' is required"],
    [{ url: 'https://1.1.1.1/x', events: ['lead.exploded'] }, "'events' must be one of: lead.created"],
    [{ url: 'https://1.1.1.1/x', events: 'lead.created' }, "'events' must be an array"],
  ])('refuses %j', async (body, message) => {
    const owner = await open.tenant();
    const res = await owner.call('POST', '/v1/webhooks', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(message);
  });

  it('refuses a PATCH with nothing to change', async () => {
    const owner = await open.tenant();
    const { body } = await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/x` });
    const res = await owner.call('PATCH', `/v1/webhooks/${body.data.id}`, { colour: 'red' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('No valid fields to update');
  });

  it('sends a signed test event now and logs it', async () => {
    const owner = await open.tenant();
    const { body } = await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/probe` });
    const hook = body.data;
    receiver.answer(() => ({ status: 200, body: 'thanks' }));
    const test = await owner.call('POST', `/v1/webhooks/${hook.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body.data).toMatchObject({ success: true, status_code: 200, response_body: 'thanks', error: null });
    const r = receiver.received.find((x) => x.path === '/probe')!;
    expect(r.headers['x-webhook-test']).toBe('true');
    expect(r.body).toMatchObject({ event: 'lead.created', test: true, data: { name: 'Sam Sample' } });
    expect(r.headers['x-webhook-signature']).toBe(createHmac('sha256', hook.secret).update(r.rawBody).digest('hex'));
    expect(new Webhook(hook.secret).verify(r.rawBody, r.headers as Record<string, string>)).toEqual(r.body);

    const log = await owner.call('GET', `/v1/webhooks/${hook.id}/deliveries`);
    expect(log.body.data[0]).toMatchObject({ id: test.body.data.delivery_id, test: true, status: 'succeeded', attempt_count: 1 });
    const retry = await owner.call('POST', `/v1/webhooks/${hook.id}/deliveries/${test.body.data.delivery_id}/retry`);
    expect(retry.status).toBe(409);

    // After a rotation the next send is signed with the new secret only.
    const rotated = (await owner.call('POST', `/v1/webhooks/${hook.id}/rotate-secret`)).body.data.secret;
    await owner.call('POST', `/v1/webhooks/${hook.id}/test`, { event: 'sale.completed' });
    const second = receiver.received.filter((x) => x.path === '/probe')[1];
    expect(second.body.event).toBe('sale.completed');
    expect(new Webhook(rotated).verify(second.rawBody, second.headers as Record<string, string>)).toBeTruthy();
    expect(() => new Webhook(hook.secret).verify(second.rawBody, second.headers as Record<string, string>)).toThrow();

    expect((await owner.call('GET', `/v1/webhooks/${hook.id}/deliveries?status=nope`)).body.error).toContain("'status' must be one of: pending, succeeded, failed");
    expect((await owner.call('POST', `/v1/webhooks/${hook.id}/deliveries/${randomUUID()}/retry`)).body.error).toBe('Delivery not found');
  });

  it('reports a failed test attempt in the answer, not as an error', async () => {
    const owner = await open.tenant();
    receiver.answer(() => ({ status: 500, body: 'boom' }));
    const { body } = await owner.call('POST', '/v1/webhooks', { url: `${receiver.url}/broken` });
    const test = await owner.call('POST', `/v1/webhooks/${body.data.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body.data).toMatchObject({ success: false, status_code: 500, response_body: 'boom', error: 'HTTP 500' });
    receiver.answer(() => ({}));
  });
});

describe('URL safety without WEBHOOK_ALLOW_PRIVATE_TARGETS', () => {
  it.each([
    ['loopback', 'http://127.0.0.1:8080/hook'],
    ['loopback, elsewhere in 127/8', 'http://127.1.2.3/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['private', 'http://10.0.0.5/hook'],
    ['private 192.168', 'https://192.168.1.10/hook'],
    ['link-local (cloud metadata)', 'http://169.254.169.254/latest/meta-data'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]/hook'],
    ['unique-local IPv6', 'http://[fd12:3456::1]/hook'],
    ['a name that resolves to 127.0.0.1', 'http://localhost:8080/hook'],
    ['unspecified', 'http://0.0.0.0/hook'],
    ['IPv4-compatible IPv6 loopback', 'http://[::127.0.0.1]/hook'],
    ['IPv4-compatible IPv6 private', 'http://[::a00:1]/hook'],
    ['IPv4-compatible IPv6 link-local', 'http://[::a9fe:a9fe]/hook'],
    ['IETF-reserved ::/8', 'http://[::1:0:0:1]/hook'],
  ])('refuses %s at creation', async (_, url) => {
    const owner = await guarded.tenant();
    const res = await owner.call('POST', '/v1/webhooks', { url });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^'url' must point to a public address: .*not a public address/);
  });

  it('refuses a name that does not resolve', async () => {
    const owner = await guarded.tenant();
    const res = await owner.call('POST', '/v1/webhooks', { url: 'https://hooks.nowhere.invalid/x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("'url' host could not be resolved: hooks.nowhere.invalid");
  });

  it('accepts a public address', async () => {
    const owner = await guarded.tenant();
    expect((await owner.call('POST', '/v1/webhooks', { url: 'https://1.1.1.1/hook' })).status).toBe(201);
  });

  it('refuses again at connect time, on every resolved address (DNS rebinding)', async () => {
    // The endpoint was accepted when its name resolved elsewhere; now it resolves to loopback.
    const owner = await guarded.tenant();
    const box = loadSecretBox(guarded.config, guarded.database.engine);
    const port = new URL(receiver.url).port;
    const before = receiver.received.length;
    for (const url of [`http://localhost:${port}/rebound`, `http://127.0.0.1:${port}/literal`, `http://[::ffff:127.0.0.1]:${port}/mapped`]) {
      const id = randomUUID();
      const now = new Date();
      await guarded.database.db
        .insert(webhookEndpoints)
        .values({ id, companyId: owner.companyId, url, secretCiphertext: box.seal('whsec_AAAA', id), createdAt: now, updatedAt: now });
      const test = await owner.call('POST', `/v1/webhooks/${id}/test`);
      expect(test.status).toBe(200);
      expect(test.body.data).toMatchObject({ success: false, status_code: null });
      expect(test.body.data.error).toMatch(/^refused: .*not a public address/);
    }
    expect(receiver.received.length).toBe(before);
  });
});
