import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { jobs } from '../db/schema/index.js';
import type { Clock } from '../lib/clock.js';
import { startWorker } from './task-loop.js';
import { onPostgres, startTestServer, type TestServer } from '../../test/helpers.js';
import { manualClock } from '../../test/clock.js';
import { cancelJobs, claimDueJobsAnyCompany, enqueueJob, finishJob, listLeadJobs, nextJobDueAtAnyCompany, type ClaimedJob } from './jobs.repo.js';
import { createJobsTask, JOBS_AT_ONCE, retryDelayMs, type JobHandler } from './jobs.worker-task.js';

const quiet = { warn() {}, info() {} };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const db = () => server.database.db;
// A kind of its own per test: on PostgreSQL other test files share the queue, and a task or a claim
// only ever touches the kinds it is given.
const newKind = () => `test_${randomUUID().slice(0, 8)}`;
const newCompany = async () => (await server.tenant()).companyId;
const jobRow = async (id: string) => (await db().select().from(jobs).where(eq(jobs.id, id)))[0];

function claim(clock: Clock, kinds: string[], limit = 10, leaseMs = 60_000) {
  return claimDueJobsAnyCompany(db(), {
    now: new Date(clock.now()),
    kinds: kinds.map((kind) => ({ kind, leaseMs })),
    limit,
    claimId: randomUUID(),
  });
}

/** A task with one handler that records what it ran; `fail(job)` makes a run throw. */
function recordingTask(clock: Clock, kind: string, o: { fail?: (job: ClaimedJob) => boolean; maxAttempts?: number } = {}) {
  const ran: ClaimedJob[] = [];
  const handler: JobHandler = {
    kind,
    maxAttempts: o.maxAttempts,
    async handle(job) {
      ran.push(job);
      if (o.fail?.(job)) throw new Error(`refused on attempt ${job.attempts}`);
      return { handled: job.payload.n ?? null };
    },
  };
  const task = createJobsTask({ db: db(), clock, log: quiet, listen: server.database.listen, handlers: [handler] });
  return { task, ran };
}

describe('the job queue', () => {
  it('a job enqueued in a transaction that rolls back does not exist; committed, it does', async () => {
    const companyId = await newCompany();
    const kind = newKind();
    await expect(
      db().transaction(async (tx) => {
        expect(await enqueueJob(tx, { kind, companyId, payload: { n: 1 } })).toEqual(expect.any(String));
        throw new Error('the business change failed');
      }),
    ).rejects.toThrow('the business change failed');
    expect(await db().select().from(jobs).where(eq(jobs.companyId, companyId))).toEqual([]);

    const id = await db().transaction((tx) => enqueueJob(tx, { kind, companyId, payload: { n: 2 } }));
    expect(await jobRow(id!)).toMatchObject({ kind, companyId, status: 'pending', attempts: 0, payload: { n: 2 } });
  });

  it('runs a due job once and keeps its outcome; a job due later waits for its time', async () => {
    const clock = manualClock(Date.now());
    const companyId = await newCompany();
    const kind = newKind();
    const now = await enqueueJob(db(), { kind, companyId, runAt: new Date(clock.now()), payload: { n: 1 } });
    const later = await enqueueJob(db(), { kind, companyId, runAt: new Date(clock.now() + 60_000), payload: { n: 2 } });
    const { task, ran } = recordingTask(clock, kind);

    expect(await task.runOnce()).toBe(1);
    expect(await task.runOnce()).toBe(0);
    expect(await jobRow(now!)).toMatchObject({
      status: 'succeeded',
      outcome: { handled: 1 },
      attempts: 1,
      finishedAt: new Date(clock.now()),
      lockedUntil: null,
    });
    expect((await jobRow(later!)).status).toBe('pending');

    clock.advance(60_000);
    expect(await task.runOnce()).toBe(1);
    expect(ran.map((j) => j.payload.n)).toEqual([1, 2]);
  });

  it('a pooled task runs a job that falls due while a slow one runs, without waiting for it; stopping waits for both', async () => {
    const clock = manualClock(Date.now());
    const companyId = await newCompany();
    const kind = newKind();
    let release = () => {};
    const slowDone = new Promise<void>((r) => (release = r));
    const ran: string[] = [];
    const handler: JobHandler = {
      kind,
      async handle(job) {
        ran.push(`start ${job.payload.n}`);
        if (job.payload.n === 'slow') await slowDone;
        ran.push(`end ${job.payload.n}`);
      },
    };
    const task = createJobsTask({ db: db(), clock, log: quiet, listen: server.database.listen, handlers: [handler], batch: 5, pool: true });
    const slow = await enqueueJob(db(), { kind, companyId, runAt: new Date(clock.now()), payload: { n: 'slow' } });
    expect(await task.runOnce()).toBe(1);
    const quick = await enqueueJob(db(), { kind, companyId, runAt: new Date(clock.now()), payload: { n: 'quick' } });
    // The slow one still runs: the next look claims and finishes the quick one all the same.
    for (let i = 0; i < 20 && !ran.includes('end quick'); i++) await task.runOnce();
    expect(ran).toEqual(['start slow', 'start quick', 'end quick']);
    expect((await jobRow(quick!)).status).toBe('succeeded');
    expect((await jobRow(slow!)).status).toBe('pending');
    const stopped = task.stop!();
    release();
    await stopped;
    expect((await jobRow(slow!)).status).toBe('succeeded');
  });

  it('a unique key refuses a second job of its kind in its company, also once the first is done', async () => {
    const clock = manualClock(Date.now());
    const companyId = await newCompany();
    const other = await newCompany();
    const kind = newKind();
    const first = await enqueueJob(db(), { kind, companyId, uniqueKey: 'lead-1', runAt: new Date(clock.now()) });
    expect(first).toEqual(expect.any(String));
    expect(await enqueueJob(db(), { kind, companyId, uniqueKey: 'lead-1', payload: { n: 2 } })).toBeNull();
    // The key belongs to its kind and its company.
    expect(await enqueueJob(db(), { kind: newKind(), companyId, uniqueKey: 'lead-1' })).toEqual(expect.any(String));
    expect(await enqueueJob(db(), { kind, companyId: other, uniqueKey: 'lead-1' })).toEqual(expect.any(String));
    // Keyless jobs never collide.
    expect(await enqueueJob(db(), { kind, companyId })).toEqual(expect.any(String));
    expect(await enqueueJob(db(), { kind, companyId })).toEqual(expect.any(String));

    const { task } = recordingTask(clock, kind);
    while ((await task.runOnce()) > 0);
    expect((await jobRow(first!)).status).toBe('succeeded');
    expect(await enqueueJob(db(), { kind, companyId, uniqueKey: 'lead-1' })).toBeNull();
    const keyed = await db().select().from(jobs).where(sql`${jobs.companyId} = ${companyId} and ${jobs.uniqueKey} = 'lead-1' and ${jobs.kind} = ${kind}`);
    expect(keyed).toHaveLength(1);
  });

  it("a group's jobs run one at a time in the order they were enqueued, a retried one holding the next back", async () => {
    const clock = manualClock(Date.now());
    const companyId = await newCompany();
    const kind = newKind();
    const at = new Date(clock.now());
    const g1 = await enqueueJob(db(), { kind, companyId, groupKey: 'lead-a', runAt: at, payload: { n: 'a1' } });
    const g2 = await enqueueJob(db(), { kind, companyId, groupKey: 'lead-a', runAt: at, payload: { n: 'a2' } });
    const b1 = await enqueueJob(db(), { kind, companyId, groupKey: 'lead-b', runAt: at, payload: { n: 'b1' } });

    // Claimed and held (a long run): the group's second job is not claimable meanwhile.
    const first = await claim(clock, [kind]);
    expect(first.map((j) => j.id).sort()).toEqual([g1, b1].sort());
    expect(await claim(clock, [kind])).toEqual([]);
    await finishJob(db(), first.find((j) => j.id === g1)!, new Date(clock.now()), null);
    expect((await claim(clock, [kind])).map((j) => j.id)).toEqual([g2]);

    // Through the task: the first job of a new group fails once, and the second waits for its retry.
    const c1 = await enqueueJob(db(), { kind, companyId, groupKey: 'lead-c', runAt: at, payload: { n: 'c1' } });
    await enqueueJob(db(), { kind, companyId, groupKey: 'lead-c', runAt: at, payload: { n: 'c2' } });
    const { task, ran } = recordingTask(clock, kind, { fail: (job) => job.id === c1 && job.attempts === 1 });
    expect(await task.runOnce()).toBe(1);
    expect(await task.runOnce()).toBe(0);
    clock.advance(retryDelayMs(1));
    while ((await task.runOnce()) > 0);
    expect(ran.map((j) => j.payload.n)).toEqual(['c1', 'c1', 'c2']);
  });

  it('a job whose worker died comes back when its lease ends, and the dead claim cannot record over the new one', async () => {
    const clock = manualClock(Date.now());
    const companyId = await newCompany();
    const kind = newKind();
    const id = await enqueueJob(db(), { kind, companyId, runAt: new Date(clock.now()), payload: { n: 1 } });
    const [dead] = await claim(clock, [kind], 10, 60_000);
    expect(dead).toMatchObject({ id, attempts: 1 });

    const { task, ran } = recordingTask(clock, kind);
    expect(await task.runOnce()).toBe(0);
    clock.advance(59_999);
    expect(await task.runOnce()).toBe(0);
    clock.advance(1);
    expect(await task.runOnce()).toBe(1);
    expect(ran.map((j) => j.attempts)).toEqual([2]);
    // The first worker wakes up late and records its own outcome: nothing changes.
    await finishJob(db(), dead, new Date(clock.now()), { handled: 'by the dead worker' });
    expect(await jobRow(id!)).toMatchObject({ status: 'succeeded', outcome: { handled: 1 }, attempts: 2 });
  });

  it('a job claimed more times than its attempts allow, every worker dying, is marked failed without running', async () => {
    const clock = manualClock(Date.now());
    const companyId = await newCompany();
    const kind = newKind();
    const id = await enqueueJob(db(), { kind, companyId, runAt: new Date(clock.now()) });
    await claim(clock, [kind]);
    clock.advance(60_000);
    const { task, ran } = recordingTask(clock, kind, { maxAttempts: 1 });
    expect(await task.runOnce()).toBe(1);
    expect(ran).toEqual([]);
    expect(await jobRow(id!)).toMatchObject({ status: 'failed', attempts: 2, lastError: 'gave up: 1 of 1 attempts ended with no answer' });
  });

  it('a failing run is retried with backoff on the injected clock, then marked failed with its error', async () => {
    expect([1, 2, 3, 4, 12, 30].map(retryDelayMs)).toEqual([10_000, 20_000, 40_000, 80_000, 3_600_000, 3_600_000]);
    const clock = manualClock(Date.now());
    const companyId = await newCompany();
    const kind = newKind();
    const id = await enqueueJob(db(), { kind, companyId, runAt: new Date(clock.now()) });
    const { task, ran } = recordingTask(clock, kind, { fail: () => true, maxAttempts: 3 });

    expect(await task.runOnce()).toBe(1);
    expect(await jobRow(id!)).toMatchObject({
      status: 'pending',
      attempts: 1,
      runAt: new Date(clock.now() + 10_000),
      lastError: 'refused on attempt 1',
      lockedUntil: null,
      finishedAt: null,
    });
    clock.advance(9_999);
    expect(await task.runOnce()).toBe(0);
    clock.advance(1);
    expect(await task.runOnce()).toBe(1);
    expect((await jobRow(id!)).runAt).toEqual(new Date(clock.now() + 20_000));
    clock.advance(20_000);
    expect(await task.runOnce()).toBe(1);
    expect(await jobRow(id!)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'refused on attempt 3',
      finishedAt: new Date(clock.now()),
    });
    clock.advance(3_600_000);
    expect(await task.runOnce()).toBe(0);
    expect(ran).toHaveLength(3);
  });

  it("cancels by key, by lead or by group in the caller's transaction, only in the caller's company", async () => {
    const clock = manualClock(Date.now());
    const t = await server.tenant();
    const companyId = t.companyId;
    const other = await newCompany();
    const kind = newKind();
    const due = new Date(clock.now() + 3_600_000);
    const leadId = (await t.call('POST', '/v1/leads', { name: 'Follow Up' })).body.data.id;
    const f1 = await enqueueJob(db(), { kind, companyId, uniqueKey: 'follow-up-1', runAt: due, payload: { n: 1 } });
    const f2 = await enqueueJob(db(), { kind, companyId, uniqueKey: 'follow-up-2', runAt: due, payload: { n: 2 } });
    const f3 = await enqueueJob(db(), { kind, companyId, leadId, runAt: due, payload: { n: 3 } });
    const f4 = await enqueueJob(db(), { kind, companyId, groupKey: 'g', runAt: due, payload: { n: 4 } });
    const theirs = await enqueueJob(db(), { kind, companyId: other, uniqueKey: 'follow-up-1', runAt: due, payload: { n: 5 } });

    // Cancelled in a transaction that then fails: still there.
    await expect(
      db().transaction(async (tx) => {
        expect(await cancelJobs(tx, companyId, { kind, uniqueKey: 'follow-up-1' })).toBe(1);
        throw new Error('the reply was not stored');
      }),
    ).rejects.toThrow();
    expect((await jobRow(f1!)).status).toBe('pending');

    await db().transaction(async (tx) => {
      expect(await cancelJobs(tx, companyId, { kind, uniqueKey: 'follow-up-1' })).toBe(1);
      expect(await cancelJobs(tx, companyId, { leadId })).toBe(1);
      expect(await cancelJobs(tx, companyId, { groupKey: 'g' })).toBe(1);
      // Already cancelled: nothing more.
      expect(await cancelJobs(tx, companyId, { uniqueKey: 'follow-up-1' })).toBe(0);
    });
    await expect(cancelJobs(db(), companyId, {})).rejects.toThrow();
    expect(await jobRow(f1!)).toMatchObject({ status: 'cancelled', finishedAt: expect.any(Date) });

    clock.advance(3_600_000);
    const { task, ran } = recordingTask(clock, kind);
    while ((await task.runOnce()) > 0);
    expect(ran.map((j) => j.payload.n).sort()).toEqual([2, 5]);
    expect((await jobRow(f2!)).status).toBe('succeeded');
    expect((await jobRow(theirs!)).status).toBe('succeeded');
    expect((await jobRow(f3!)).status).toBe('cancelled');
    expect((await jobRow(f4!)).status).toBe('cancelled');
  });

  it("is fair: another company's job, and another kind, are claimed in the first batch behind 20,000 due jobs", async () => {
    const clock = manualClock(Date.now());
    const busy = await newCompany();
    const calm = await newCompany();
    const kind = newKind();
    const otherKind = newKind();
    // The backlog fell due an hour ago; the other company's job is due just now.
    await db().execute(sql`
      insert into jobs (kind, company_id, run_at, payload)
      select ${kind}, ${busy}, ${new Date(clock.now() - 3_600_000)}::timestamptz + n * interval '1 millisecond', jsonb_build_object('n', n)
      from generate_series(1, 20000) n`);
    const theirs = await enqueueJob(db(), { kind, companyId: calm, runAt: new Date(clock.now()) });
    const otherKindJob = await enqueueJob(db(), { kind: otherKind, companyId: busy, runAt: new Date(clock.now()) });

    const batch = await claim(clock, [kind, otherKind], 10);
    expect(batch).toHaveLength(10);
    expect(batch.map((j) => j.id)).toEqual(expect.arrayContaining([theirs, otherKindJob]));
    // The rest of the batch is the backlog, oldest first.
    expect(batch.filter((j) => j.companyId === busy && j.kind === kind).map((j) => j.payload.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    // Through the worker task too: the first batch serves the quiet company.
    const late = await enqueueJob(db(), { kind, companyId: calm, runAt: new Date(clock.now()) });
    const { task, ran } = recordingTask(clock, kind);
    expect(await task.runOnce()).toBe(JOBS_AT_ONCE);
    expect(ran.map((j) => j.id)).toContain(late);
    // The backlog is no other test's business.
    await cancelJobs(db(), busy, { kind });
  });

  it('hands each job to one claim when workers claim side by side', async () => {
    const clock = manualClock(Date.now());
    const companyId = await newCompany();
    const kind = newKind();
    const ids = await Promise.all(
      Array.from({ length: 60 }, (_, n) => enqueueJob(db(), { kind, companyId, runAt: new Date(clock.now()), payload: { n } })),
    );
    const claims = await Promise.all(Array.from({ length: 8 }, () => claim(clock, [kind], 10)));
    const claimed = claims.flat().map((j) => j.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    const rest = await claim(clock, [kind], 100);
    expect([...claimed, ...rest.map((j) => j.id)].sort()).toEqual([...ids].sort());
  });

  it('a paced kind gives one job per company per pace, however many claims race for it, and leaves other kinds alone', async () => {
    const clock = manualClock(Date.now());
    const [a, b] = [await newCompany(), await newCompany()];
    const paced = newKind();
    const free = newKind();
    for (const companyId of [a, a, a, a, b]) await enqueueJob(db(), { kind: paced, companyId, runAt: new Date(clock.now()) });
    for (let n = 0; n < 3; n++) await enqueueJob(db(), { kind: free, companyId: a, runAt: new Date(clock.now()) });
    const kinds = [
      { kind: paced, leaseMs: 60_000, paceMs: 1_000 },
      { kind: free, leaseMs: 60_000 },
    ];
    const claimAt = () => claimDueJobsAnyCompany(db(), { now: new Date(clock.now()), kinds, limit: 10, claimId: randomUUID() });

    // Eight claims side by side (on PostgreSQL, eight connections): one of a's, one of b's, every free one.
    const first = (await Promise.all(Array.from({ length: 8 }, claimAt))).flat();
    expect(first.filter((j) => j.kind === paced).map((j) => j.companyId).sort()).toEqual([a, b].sort());
    expect(first.filter((j) => j.kind === free)).toHaveLength(3);

    clock.advance(999);
    expect(await claimAt()).toEqual([]);
    clock.advance(1);
    expect((await claimAt()).map((j) => [j.kind, j.companyId])).toEqual([[paced, a]]);
    clock.advance(1_000);
    expect((await claimAt()).map((j) => [j.kind, j.companyId])).toEqual([[paced, a]]);
    // a's last job is due, but held by a's pace: the next look is when the pace ends, not now.
    clock.advance(400);
    expect(await claimAt()).toEqual([]);
    expect(await nextJobDueAtAnyCompany(db(), new Date(clock.now()), [paced, free], [paced])).toBe(clock.now() + 600);
    // Without the pace (a kind not paced), a due job is due now.
    expect(await nextJobDueAtAnyCompany(db(), new Date(clock.now()), [paced, free])).toBeLessThanOrEqual(clock.now());
  });

  it('an idle worker sleeps without polling, and a notification wakes it for a job due now or soon', async () => {
    const companyId = await newCompany();
    const kind = newKind();
    // The system clock, counted: each look at the queue reads it.
    let reads = 0;
    const clock: Clock = { now: () => (reads++, Date.now()) };
    let listening!: () => void;
    const listened = new Promise<void>((resolve) => (listening = resolve));
    const handled: { n: unknown; at: number }[] = [];
    let onHandled = () => {};
    const task = createJobsTask({
      db: db(),
      clock,
      log: quiet,
      listen: async (channel, onMessage, onLive) => {
        const unlisten = await server.database.listen(channel, onMessage, onLive);
        listening();
        return unlisten;
      },
      handlers: [
        {
          kind,
          async handle(job) {
            handled.push({ n: job.payload.n, at: Date.now() });
            onHandled();
          },
        },
      ],
    });
    const worker = startWorker([task], quiet);
    try {
      await listened;
      // Time to look once more and fall asleep.
      await new Promise((r) => setTimeout(r, 500));
      const readsAsleep = reads;
      await new Promise((r) => setTimeout(r, 1000));
      // Asleep: no look at the queue (each reads the clock twice). On PostgreSQL other test files
      // enqueue instant replies, whose notifications may each cost a look; polling would cost many.
      if (onPostgres) expect(reads - readsAsleep).toBeLessThanOrEqual(4);
      else expect(reads).toBe(readsAsleep);

      const runs = (n: number) => new Promise<void>((resolve) => (onHandled = () => handled.length >= n && resolve()));
      let start = Date.now();
      let done = runs(1);
      await enqueueJob(db(), { kind, companyId, payload: { n: 'now' } });
      await done;
      expect(handled[0].at - start).toBeLessThan(1000);

      // Due in 700 ms, far sooner than the 30 s sleep: the notification shortens it.
      start = Date.now();
      done = runs(2);
      await enqueueJob(db(), { kind, companyId, runAt: new Date(start + 700), payload: { n: 'soon' } });
      await done;
      expect(handled[1].at - start).toBeGreaterThanOrEqual(690);
      expect(handled[1].at - start).toBeLessThan(1700);
    } finally {
      await worker.stop();
    }
  });

  it("deleting a lead erases its jobs, finished or not, and leaves the company's others", async () => {
    const t = await server.tenant();
    const kind = newKind();
    const lead = (await t.call('POST', '/v1/leads', { name: 'Erase Me' })).body.data;
    const keep = (await t.call('POST', '/v1/leads', { name: 'Keep Me' })).body.data;
    const clock = manualClock(Date.now());
    await enqueueJob(db(), { kind, companyId: t.companyId, leadId: lead.id, runAt: new Date(clock.now()) });
    await enqueueJob(db(), { kind, companyId: t.companyId, leadId: lead.id, runAt: new Date(clock.now() + 86_400_000) });
    const kept = await enqueueJob(db(), { kind, companyId: t.companyId, leadId: keep.id });
    const { task } = recordingTask(clock, kind);
    expect(await task.runOnce()).toBeGreaterThanOrEqual(1);
    expect((await listLeadJobs(db(), t.companyId, lead.id)).map((j) => j.status).sort()).toEqual(['pending', 'succeeded']);
    // Another company cannot read them.
    expect(await listLeadJobs(db(), await newCompany(), lead.id)).toEqual([]);

    expect((await t.call('DELETE', `/v1/leads/${lead.id}`)).status).toBe(204);
    expect(await listLeadJobs(db(), t.companyId, lead.id)).toEqual([]);
    expect((await listLeadJobs(db(), t.companyId, keep.id)).map((j) => j.id)).toEqual([kept]);
  });
});
