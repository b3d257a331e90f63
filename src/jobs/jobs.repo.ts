import { and, eq, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Db } from '../db/client.js';
import { jobs } from '../db/schema/index.js';

export type JobRow = typeof jobs.$inferSelect;

export type NewJob = {
  kind: string;
  companyId: string;
  /** The lead the job is about: the job is erased with it and shows in its history. */
  leadId?: string | null;
  /** When it falls due; at once (the transaction's time) if left out. */
  runAt?: Date;
  /**
   * At most one job of this kind and company with this key while it exists (finished and cancelled
   * ones included, until the retention task prunes them): name the occasion (the lead, the inbound
   * message), so that enqueueing twice is harmless.
   */
  uniqueKey?: string;
  /** Jobs of one group (within the company) run one at a time, in the order they were enqueued. */
  groupKey?: string;
  payload?: Record<string, unknown>;
};

/**
 * Adds a job in the caller's transaction, so it exists exactly when the change that caused it does.
 * The new job's id, or null when its unique key is already taken (nothing is written then).
 */
export async function enqueueJob(tx: Db, job: NewJob): Promise<string | null> {
  const [row] = await tx
    .insert(jobs)
    .values({
      kind: job.kind,
      companyId: job.companyId,
      leadId: job.leadId ?? null,
      ...(job.runAt && { runAt: job.runAt }),
      uniqueKey: job.uniqueKey ?? null,
      groupKey: job.groupKey ?? null,
      payload: job.payload ?? {},
    })
    .onConflictDoNothing({ target: [jobs.companyId, jobs.kind, jobs.uniqueKey] })
    .returning({ id: jobs.id });
  return row?.id ?? null;
}

export type JobFilter = { kind?: string; uniqueKey?: string; leadId?: string; groupKey?: string };

/**
 * Cancels the company's pending jobs that match every given field (at least one), in the caller's
 * transaction: a follow-up dies with the reply that makes it moot. A job already running finishes,
 * but stays cancelled (its outcome is kept). How many were cancelled.
 */
export async function cancelJobs(tx: Db, companyId: string, filter: JobFilter): Promise<number> {
  const conditions: SQL[] = [];
  if (filter.kind !== undefined) conditions.push(eq(jobs.kind, filter.kind));
  if (filter.uniqueKey !== undefined) conditions.push(eq(jobs.uniqueKey, filter.uniqueKey));
  if (filter.leadId !== undefined) conditions.push(eq(jobs.leadId, filter.leadId));
  if (filter.groupKey !== undefined) conditions.push(eq(jobs.groupKey, filter.groupKey));
  // Cancelling every job of the company by leaving the filter out would be one typo away.
  if (conditions.length === 0) throw new Error('cancelJobs needs a kind, unique key, lead or group');
  const rows = await tx
    .update(jobs)
    .set({ status: 'cancelled', finishedAt: sql`now()`, lockedUntil: null })
    .where(and(eq(jobs.companyId, companyId), eq(jobs.status, 'pending'), ...conditions))
    .returning({ id: jobs.id });
  return rows.length;
}

/** A company's jobs about one lead, newest first: its history of timed work. */
export async function listLeadJobs(db: Db, companyId: string, leadId: string): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.companyId, companyId), eq(jobs.leadId, leadId)))
    .orderBy(sql`${jobs.createdAt} desc, ${jobs.seq} desc`);
}

// ---- The worker's side. Claims read across companies by design: a worker serves every company.

export type ClaimedJob = {
  id: string;
  companyId: string;
  leadId: string | null;
  kind: string;
  uniqueKey: string | null;
  groupKey: string | null;
  payload: Record<string, unknown>;
  runAt: Date;
  /** Claims so far, this one included. */
  attempts: number;
  claimId: string;
};

const textArray = (items: string[]) => `{${items.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/** The job (j) is the first pending one of its group, and no other job of its group is running. */
const groupAllows = (now: Date) => sql`
  (j.group_key is null or not exists (
    select 1 from jobs e
    where e.company_id = j.company_id and e.group_key = j.group_key and e.status = 'pending' and e.id <> j.id
      and (e.seq < j.seq or e.locked_until > ${now})))`;

/** A job (j) that may be claimed at `now`: due, not leased, and allowed by its group. */
const claimable = (now: Date) => sql`
  j.status = 'pending' and j.run_at <= ${now} and (j.locked_until is null or j.locked_until <= ${now})
  and ${groupAllows(now)}`;

/**
 * Claims up to `limit` due jobs of the given kinds, each under its kind's lease, fairly: the
 * (company, kind) partitions with work are taken in turns, one job from each (oldest head first)
 * before a second from any, so a backlog of 100,000 jobs in one partition holds another company's
 * job up by one batch at most. The partitions come from a loose scan of the due index (one probe per
 * partition with pending jobs, not a pass over the jobs). FOR UPDATE SKIP LOCKED hands each job to
 * one worker; `claimId` says which claim holds it. A paced kind (`paceMs` > 0) gives at most one job
 * per partition per claim, and none while the partition's pace runs (job_pacing); the claim sets the
 * next pace under the pacing row's lock, so a second worker's claim in the same pace takes nothing.
 */
export async function claimDueJobsAnyCompany(
  db: Db,
  o: { now: Date; kinds: { kind: string; leaseMs: number; paceMs?: number }[]; limit: number; claimId: string },
): Promise<ClaimedJob[]> {
  if (o.kinds.length === 0) return [];
  const result = await db.execute(sql`
    with recursive kinds as (
      select * from unnest(${textArray(o.kinds.map((k) => k.kind))}::text[], ${`{${o.kinds.map((k) => k.leaseMs).join(',')}}`}::int[],
        ${`{${o.kinds.map((k) => k.paceMs ?? 0).join(',')}}`}::int[])
        as k(kind, lease_ms, pace_ms)
    ), partitions(company_id, kind) as (
      (select company_id, kind from jobs where status = 'pending' order by company_id, kind limit 1)
      union all
      select n.company_id, n.kind from partitions p cross join lateral (
        select x.company_id, x.kind from jobs x
        where x.status = 'pending' and (x.company_id, x.kind) > (p.company_id, p.kind)
        order by x.company_id, x.kind limit 1
      ) n
    ), heads as (
      -- At most one job per partition is taken in a round, so the partitions with the oldest
      -- claimable heads, as many as the limit, are all that one batch can serve.
      select p.company_id, p.kind, k.lease_ms, k.pace_ms, h.run_at, h.seq
      from partitions p
      join kinds k on k.kind = p.kind
      left join job_pacing jp on jp.company_id = p.company_id and jp.kind = p.kind
      cross join lateral (
        select j.run_at, j.seq from jobs j
        where j.company_id = p.company_id and j.kind = p.kind and ${claimable(o.now)}
        order by j.run_at, j.seq limit 1
      ) h
      where k.pace_ms = 0 or jp.next_at is null or jp.next_at <= ${o.now}
      order by h.run_at, h.seq
      limit ${o.limit}
    ), candidates as (
      select c.id, h.company_id, h.kind, c.run_at, c.seq, h.lease_ms, h.pace_ms,
        row_number() over (partition by h.company_id, h.kind order by c.run_at, c.seq) as turn
      from heads h
      cross join lateral (
        select j.id, j.run_at, j.seq from jobs j
        where j.company_id = h.company_id and j.kind = h.kind and ${claimable(o.now)}
        order by j.run_at, j.seq
        limit ${o.limit}
        for update of j skip locked
      ) c
    ), picked as (
      select id, company_id, kind, lease_ms, pace_ms from candidates
      where pace_ms = 0 or turn = 1
      order by turn, run_at, seq limit ${o.limit}
    ), paced as (
      -- Waits for a concurrent claim of the same partition to commit, then takes the pace only if
      -- that claim's has run out: the loser's job stays pending for a later claim.
      insert into job_pacing (company_id, kind, next_at)
      -- In key order, so that two claims lock pacing rows in the same order and never deadlock.
      select company_id, kind, ${o.now}::timestamptz + pace_ms * interval '1 millisecond' from picked where pace_ms > 0
      order by company_id, kind
      on conflict (company_id, kind) do update set next_at = excluded.next_at where job_pacing.next_at <= ${o.now}
      returning company_id, kind
    )
    update jobs j
    set attempts = j.attempts + 1, locked_until = ${o.now}::timestamptz + picked.lease_ms * interval '1 millisecond',
      claim_id = ${o.claimId}
    from picked
    where j.id = picked.id
      and (picked.pace_ms = 0 or exists (select 1 from paced where paced.company_id = picked.company_id and paced.kind = picked.kind))
    returning j.id, j.company_id, j.lead_id, j.kind, j.unique_key, j.group_key, j.payload, j.run_at, j.attempts, j.claim_id`);
  return rowsOf<Record<string, unknown>>(result).map((r) => ({
    id: r.id as string,
    companyId: r.company_id as string,
    leadId: r.lead_id as string | null,
    kind: r.kind as string,
    uniqueKey: r.unique_key as string | null,
    groupKey: r.group_key as string | null,
    payload: r.payload as Record<string, unknown>,
    runAt: new Date(r.run_at as string),
    attempts: Number(r.attempts),
    claimId: r.claim_id as string,
  }));
}

/**
 * When the soonest claimable job of these kinds falls due (ms), or null when none is pending. Jobs
 * waiting behind their group or under a lease are left out: the worker that holds them goes on by
 * itself, and a lease that runs out is noticed by the next regular look.
 */
export async function nextJobDueAtAnyCompany(db: Db, now: Date, kinds: string[], pacedKinds: string[] = []): Promise<number | null> {
  if (kinds.length === 0) return null;
  // One probe per kind, in due order, passing over the few jobs that are leased or held back.
  const result = await db.execute(sql`
    select min(h.run_at) as due
    from unnest(${textArray(kinds)}::text[]) as k(kind)
    cross join lateral (
      select j.run_at from jobs j
      where j.kind = k.kind and j.status = 'pending' and (j.locked_until is null or j.locked_until <= ${now})
        and ${groupAllows(now)}
      order by j.run_at limit 1
    ) h`);
  const first = rowsOf<{ due: string | Date | null }>(result)[0]?.due;
  const due = first === null || first === undefined ? null : new Date(first).getTime();
  // Due already, yet the claim just took nothing: held by its company's pace. The next look is worth
  // making when a pace ends, not at once (a company's backlog of follow-ups goes one a second).
  if (due === null || due > now.getTime() || pacedKinds.length === 0) return due;
  const paces = await db.execute(sql`select min(next_at) as ends from job_pacing where kind = any(${textArray(pacedKinds)}::text[]) and next_at > ${now}`);
  const ends = rowsOf<{ ends: string | Date | null }>(paces)[0]?.ends;
  return ends === null || ends === undefined ? due : new Date(ends).getTime();
}

type Claim = { id: string; companyId: string; claimId: string };
const heldBy = (job: Claim) => and(eq(jobs.id, job.id), eq(jobs.companyId, job.companyId), eq(jobs.claimId, job.claimId));

/** The handler is done: its outcome is kept. A job cancelled while it ran stays cancelled. */
export async function finishJob(db: Db, job: Claim, now: Date, outcome: Record<string, unknown> | null): Promise<void> {
  await db
    .update(jobs)
    .set({
      status: sql`case when ${jobs.status} = 'cancelled' then 'cancelled' else 'succeeded' end`,
      finishedAt: sql`coalesce(${jobs.finishedAt}, ${now})`,
      outcome,
      lockedUntil: null,
    })
    .where(heldBy(job));
}

/**
 * In the caller's transaction (the work's own): the job is done with `outcome` if it is still pending
 * and still this claim's. False when it is not (it was cancelled meanwhile): the caller rolls its work
 * back. The row lock orders it with whatever cancels the job, so the two never both happen.
 */
export async function finishHeldJob(tx: Db, job: Claim, now: Date, outcome: Record<string, unknown>): Promise<boolean> {
  const rows = await tx
    .update(jobs)
    .set({ status: 'succeeded', finishedAt: now, lockedUntil: null, outcome })
    .where(and(heldBy(job), eq(jobs.status, 'pending')))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** In the transaction that undoes the work finishHeldJob recorded (the provider refused): pending again, still this claim's. */
export async function reopenHeldJob(tx: Db, job: Claim): Promise<void> {
  await tx.update(jobs).set({ status: 'pending', finishedAt: null, outcome: null }).where(heldBy(job));
}

/** The handler failed and may try again at `runAt`. */
export async function retryJob(db: Db, job: Claim, runAt: Date, error: string): Promise<void> {
  await db
    .update(jobs)
    .set({ runAt, lockedUntil: null, claimId: null, lastError: error })
    .where(and(heldBy(job), eq(jobs.status, 'pending')));
}

/** The handler asked to run later (RunLater): this claim gives its attempt back. */
export async function postponeJob(db: Db, job: Claim, runAt: Date, reason: string): Promise<void> {
  await db
    .update(jobs)
    .set({ runAt, lockedUntil: null, claimId: null, attempts: sql`${jobs.attempts} - 1`, lastError: `postponed: ${reason}` })
    .where(and(heldBy(job), eq(jobs.status, 'pending')));
}

/** The handler failed for the last time. */
export async function failJob(db: Db, job: Claim, now: Date, error: string): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'failed', finishedAt: now, lockedUntil: null, lastError: error })
    .where(and(heldBy(job), eq(jobs.status, 'pending')));
}
