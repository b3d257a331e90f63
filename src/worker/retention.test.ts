import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { agentTurns, idempotencyKeys, jobPacing, jobs, leads, notifications, outboxEvents, sessions, teamTexts, users, webhookAttempts, webhookDeliveries, webhookEndpoints } from '../db/schema/index.js';
import { createCompanies } from '../features/companies/companies.service.js';
import { manualClock } from '../../test/clock.js';
import { openTestDatabase } from '../../test/helpers.js';
import { IDEMPOTENCY_RETENTION_MS } from '../http/idempotency.js';
import { AGENT_TURN_RETENTION_MS, ALERT_RETENTION_MS, createRetentionTask, DELIVERY_LOG_RETENTION_MS, JOB_HISTORY_RETENTION_MS, OUTBOX_RETENTION_MS, PACING_RETENTION_MS } from './retention.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

const DAY = 86_400_000;

describe('retention', () => {
  it('drops delivered outbox rows after a week and finished deliveries (with their attempts) after 30 days, nothing else', async () => {
    const db = database.db;
    // Now, not a far future: on PostgreSQL other test files share the database, and their fresh rows
    // must not look old.
    const clock = manualClock(Date.now());
    const now = clock.now();
    const company = await createCompanies({ db: db, clock: clock }).create({ name: 'Retention Roofing' });
    const at = (msAgo: number) => new Date(now - msAgo);

    const outbox = await db
      .insert(outboxEvents)
      .values([
        { companyId: company.id, eventType: 'lead.created', data: {}, processedAt: at(OUTBOX_RETENTION_MS + DAY) }, // old, delivered
        { companyId: company.id, eventType: 'lead.created', data: {}, processedAt: at(OUTBOX_RETENTION_MS - DAY) }, // recent
        { companyId: company.id, eventType: 'lead.created', data: {}, occurredAt: at(60 * DAY), processedAt: null }, // never fanned out
      ])
      .returning({ id: outboxEvents.id });

    const endpointId = randomUUID();
    await db.insert(webhookEndpoints).values({
      id: endpointId,
      companyId: company.id,
      url: 'https://1.1.1.1/hook',
      secretCiphertext: 'v1:unused',
      createdAt: at(90 * DAY),
      updatedAt: at(90 * DAY),
    });
    const delivery = (status: 'pending' | 'succeeded' | 'failed', msAgo: number) => ({
      id: randomUUID(),
      companyId: company.id,
      endpointId,
      eventId: randomUUID(),
      eventType: 'lead.created',
      data: {},
      occurredAt: at(msAgo),
      status,
      nextAttemptAt: at(msAgo),
      createdAt: at(msAgo),
      updatedAt: at(msAgo),
    });
    const rows = [
      delivery('succeeded', DELIVERY_LOG_RETENTION_MS + DAY), // old: goes
      delivery('failed', DELIVERY_LOG_RETENTION_MS + DAY), // old: goes
      delivery('succeeded', DELIVERY_LOG_RETENTION_MS - DAY), // recent: stays
      delivery('pending', DELIVERY_LOG_RETENTION_MS + DAY), // still being retried: stays
    ];
    await db.insert(webhookDeliveries).values(rows);
    await db.insert(webhookAttempts).values({ deliveryId: rows[0].id, attemptedAt: at(40 * DAY), success: true, statusCode: 200, durationMs: 12 });

    const task = createRetentionTask({ db, clock });
    // At least these three (the shared database may hold other old rows), then nothing more.
    expect(await task.runOnce()).toBeGreaterThanOrEqual(3);
    while ((await task.runOnce()) > 0);

    const left = await db.select({ id: outboxEvents.id }).from(outboxEvents).where(inArray(outboxEvents.id, outbox.map((o) => o.id)));
    expect(left.map((r) => r.id).sort()).toEqual([outbox[1].id, outbox[2].id].sort());
    const kept = await db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId));
    expect(kept.map((r) => r.id).sort()).toEqual([rows[2].id, rows[3].id].sort());
    expect(await db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, rows[0].id))).toHaveLength(0);
  });

  it('drops finished jobs (succeeded, failed, cancelled) 30 days after they finished, and never a pending one', async () => {
    const db = database.db;
    const clock = manualClock(Date.now());
    const now = clock.now();
    const company = await createCompanies({ db: db, clock: clock }).create({ name: 'Retention Roofing' });
    const at = (msAgo: number) => new Date(now - msAgo);
    const job = (status: 'pending' | 'succeeded' | 'failed' | 'cancelled', finishedMsAgo: number | null) => ({
      companyId: company.id,
      kind: 'retention_test',
      status,
      runAt: at(60 * DAY),
      createdAt: at(60 * DAY),
      finishedAt: finishedMsAgo === null ? null : at(finishedMsAgo),
    });
    const rows = await db
      .insert(jobs)
      .values([
        job('succeeded', JOB_HISTORY_RETENTION_MS + DAY), // goes
        job('failed', JOB_HISTORY_RETENTION_MS + DAY), // goes
        job('cancelled', JOB_HISTORY_RETENTION_MS + DAY), // goes
        job('succeeded', JOB_HISTORY_RETENTION_MS - DAY), // a lead's recent history: stays
        job('pending', null), // due for two months, still to run: stays
      ])
      .returning({ id: jobs.id });

    const task = createRetentionTask({ db, clock });
    expect(await task.runOnce()).toBeGreaterThanOrEqual(3);
    while ((await task.runOnce()) > 0);
    const left = await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.companyId, company.id));
    expect(left.map((r) => r.id).sort()).toEqual([rows[3].id, rows[4].id].sort());
  });

  it('drops follow-up paces that ran out an hour ago, a deleted company\'s too, and keeps one still running', async () => {
    const db = database.db;
    const clock = manualClock(Date.now());
    const now = clock.now();
    const company = await createCompanies({ db: db, clock: clock }).create({ name: 'Pacing Roofing' });
    const gone = randomUUID(); // a company erased since: job_pacing has no foreign key (schema/jobs.ts)
    await db.insert(jobPacing).values([
      { companyId: company.id, kind: 'follow_up', nextAt: new Date(now + 1_000) },
      { companyId: company.id, kind: 'retention_test', nextAt: new Date(now - PACING_RETENTION_MS - 1_000) },
      { companyId: gone, kind: 'follow_up', nextAt: new Date(now - PACING_RETENTION_MS - 1_000) },
    ]);
    const task = createRetentionTask({ db, clock });
    while ((await task.runOnce()) > 0);
    const left = await db.select().from(jobPacing).where(inArray(jobPacing.companyId, [company.id, gone]));
    expect(left.map((r) => r.kind)).toEqual(['follow_up']);
    expect(left[0].companyId).toBe(company.id);
  });

  it('drops dashboard sessions past their idle or absolute end, and keeps live ones', async () => {
    const db = database.db;
    const clock = manualClock(Date.now());
    const now = clock.now();
    const company = await createCompanies({ db: db, clock: clock }).create({ name: 'Session Roofing' });
    const [user] = await db
      .insert(users)
      .values({ companyId: company.id, email: `retention-${randomUUID()}@example.com`, name: 'R', passwordHash: 'x', role: 'owner' })
      .returning();
    const session = (idleEndsIn: number, endsIn: number) => ({
      tokenHash: randomUUID(),
      userId: user.id,
      createdAt: new Date(now - DAY),
      lastSeenAt: new Date(now - DAY),
      idleExpiresAt: new Date(now + idleEndsIn),
      expiresAt: new Date(now + endsIn),
    });
    const rows = await db
      .insert(sessions)
      .values([session(DAY, 10 * DAY), session(-1000, 10 * DAY), session(DAY, -1000)])
      .returning({ id: sessions.id });

    const task = createRetentionTask({ db, clock });
    while ((await task.runOnce()) > 0);
    const left = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, user.id));
    expect(left.map((r) => r.id)).toEqual([rows[0].id]);
  });
  it('drops Idempotency-Key answers after their day (B2), and keeps younger ones', async () => {
    const db = database.db;
    const clock = manualClock(Date.now());
    const now = clock.now();
    const company = await createCompanies({ db, clock }).create({ name: 'Keyed Roofing' });
    const key = (name: string, msAgo: number) => ({
      companyId: company.id,
      key: name,
      requestHash: 'h',
      lockedAt: new Date(now - msAgo),
      createdAt: new Date(now - msAgo),
      statusCode: 201,
      responseBody: '',
    });
    await db.insert(idempotencyKeys).values([key('old', IDEMPOTENCY_RETENTION_MS + 60_000), key('young', IDEMPOTENCY_RETENTION_MS - 60_000)]);
    const task = createRetentionTask({ db, clock });
    expect(await task.runOnce()).toBeGreaterThanOrEqual(1);
    while ((await task.runOnce()) > 0);
    const left = await db.select({ key: idempotencyKeys.key }).from(idempotencyKeys).where(eq(idempotencyKeys.companyId, company.id));
    expect(left.map((r) => r.key)).toEqual(['young']);
  });
  it("drops the agent's turns (and the transcripts sent to the model) after 30 days", async () => {
    const db = database.db;
    const clock = manualClock(Date.now());
    const now = clock.now();
    const company = await createCompanies({ db, clock }).create({ name: 'Agent Roofing' });
    const [lead] = await db.insert(leads).values({ companyId: company.id, name: 'Turned' }).returning({ id: leads.id });
    const turn = (trigger: string, msAgo: number) => ({
      companyId: company.id,
      leadId: lead.id,
      trigger,
      engine: 'llm' as const,
      outcome: 'done',
      transcript: [{ role: 'user', content: 'Hi' }],
      createdAt: new Date(now - msAgo),
    });
    await db.insert(agentTurns).values([turn('old', AGENT_TURN_RETENTION_MS + 60_000), turn('young', AGENT_TURN_RETENTION_MS - 60_000)]);
    const task = createRetentionTask({ db, clock });
    expect(await task.runOnce()).toBeGreaterThanOrEqual(1);
    while ((await task.runOnce()) > 0);
    const left = await db.select({ trigger: agentTurns.trigger }).from(agentTurns).where(eq(agentTurns.companyId, company.id));
    expect(left.map((r) => r.trigger)).toEqual(['young']);
  });
});

describe('retention of alerts', () => {
  it('drops alerts and the team’s texts after 90 days, and keeps younger ones', async () => {
    const db = database.db;
    const clock = manualClock(Date.now());
    const now = clock.now();
    const company = await createCompanies({ db, clock }).create({ name: 'Alert Retention Roofing' });
    const [user] = await db.insert(users).values({ companyId: company.id, email: `retention-${randomUUID()}@example.com`, name: 'R', passwordHash: 'x', role: 'owner' }).returning();
    const alert = (daysAgo: number) => ({
      companyId: company.id,
      userId: user.id,
      eventId: randomUUID(),
      eventType: 'lead.created',
      kind: 'new_lead' as const,
      data: {},
      inApp: true,
      createdAt: new Date(now - daysAgo * DAY),
    });
    const made = await db.insert(notifications).values([alert(ALERT_RETENTION_MS / DAY + 1), alert(ALERT_RETENTION_MS / DAY - 1)]).returning({ id: notifications.id });
    const texts = await db
      .insert(teamTexts)
      .values([91, 89].map((d) => ({ companyId: company.id, userId: user.id, fromNumber: '+61400000000', body: 'ok', providerSid: `SM${randomUUID()}`, createdAt: new Date(now - d * DAY) })))
      .returning({ id: teamTexts.id });
    const task = createRetentionTask({ db, clock });
    while ((await task.runOnce()) > 0);
    expect((await db.select({ id: notifications.id }).from(notifications).where(eq(notifications.userId, user.id))).map((r) => r.id)).toEqual([made[1].id]);
    expect((await db.select({ id: teamTexts.id }).from(teamTexts).where(eq(teamTexts.companyId, company.id))).map((r) => r.id)).toEqual([texts[1].id]);
  });
});
