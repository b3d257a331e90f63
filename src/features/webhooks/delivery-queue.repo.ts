import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../db/client.js';
import type { Actor } from '../../db/schema/index.js';

// The worker's queries. They read across companies by design: the worker serves every company.

const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;

/**
 * Fans up to `limit` unprocessed outbox events out to one delivery per active endpoint of their
 * company subscribed to them, and marks the events processed, in one statement: a worker that dies
 * half-way leaves nothing half-done, and SKIP LOCKED lets any number of workers do this side by side.
 * Outbox rows are always due when committed, so their times are the database's; the deliveries are
 * due at the app clock's `now`.
 */
export async function fanOutOutboxEvents(db: Db, now: Date, limit: number): Promise<{ events: number; deliveries: number }> {
  const result = await db.execute(sql`
    with claimed as (
      select id, company_id, event_type, data, previous, actor, occurred_at from outbox_events
      where processed_at is null and available_at <= now() and (claimed_until is null or claimed_until < now())
      order by available_at
      limit ${limit}
      for update skip locked
    ), fanned as (
      insert into webhook_deliveries
        (company_id, endpoint_id, event_id, event_type, data, previous, actor, occurred_at, next_attempt_at, created_at, updated_at)
      select c.company_id, e.id, c.id, c.event_type, c.data, c.previous, c.actor, c.occurred_at, ${now}, ${now}, ${now}
      from claimed c
      join webhook_endpoints e on e.company_id = c.company_id and e.disabled_at is null
        and (cardinality(e.events) = 0 or c.event_type = any(e.events))
      on conflict (endpoint_id, event_id) do nothing
      returning 1
    ), done as (
      update outbox_events set processed_at = now(), claimed_until = null
      where id in (select id from claimed)
      returning 1
    )
    select (select count(*) from done)::int as events, (select count(*) from fanned)::int as deliveries`);
  return rowsOf<{ events: number; deliveries: number }>(result)[0];
}

export type ClaimedDelivery = {
  id: string;
  company_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  data: Record<string, unknown>;
  previous: Record<string, unknown> | null;
  actor: Actor | null;
  occurred_at: Date | string;
  attempts: number;
  url: string;
  secret_ciphertext: string;
};

/**
 * Claims up to `limit` due deliveries under a lease, at most `perEndpoint` in flight per endpoint
 * counting the ones this process already has (`inFlight`), oldest due first. FOR UPDATE SKIP LOCKED
 * hands each row to one worker; `claim_id` says which claim holds it, so a worker whose lease ran
 * out cannot overwrite the outcome of the one that took the row over.
 */
export async function claimDueDeliveries(
  db: Db,
  o: { now: Date; leaseMs: number; limit: number; perEndpoint: number; inFlight: Map<string, number>; claimId: string },
): Promise<ClaimedDelivery[]> {
  const ids = [...o.inFlight.keys()];
  const counts = ids.map((id) => o.inFlight.get(id)!);
  const result = await db.execute(sql`
    with recursive in_flight as (
      select * from unnest(${uuidArray(ids)}::uuid[], ${`{${counts.join(',')}}`}::int[]) as f(endpoint_id, n)
    ), busy_endpoints(endpoint_id) as (
      -- The endpoints with pending deliveries, one index probe each (a loose scan of the due index),
      -- so that a claim costs the endpoints with work, not every endpoint of every company.
      (select endpoint_id from webhook_deliveries where status = 'pending' order by endpoint_id limit 1)
      union all
      select (select x.endpoint_id from webhook_deliveries x
              where x.status = 'pending' and x.endpoint_id > b.endpoint_id order by x.endpoint_id limit 1)
      from busy_endpoints b where b.endpoint_id is not null
    ), candidates as (
      select d.id, d.next_attempt_at,
        row_number() over (partition by e.id order by d.next_attempt_at) + coalesce(f.n, 0) as slot
      from busy_endpoints b
      join webhook_endpoints e on e.id = b.endpoint_id
      left join in_flight f on f.endpoint_id = e.id
      cross join lateral (
        select x.id, x.next_attempt_at from webhook_deliveries x
        where x.endpoint_id = e.id and x.status = 'pending' and x.next_attempt_at <= ${o.now}
          and (x.claimed_until is null or x.claimed_until < ${o.now})
        order by x.next_attempt_at
        limit ${o.perEndpoint}
        for update of x skip locked
      ) d
      where e.disabled_at is null and coalesce(f.n, 0) < ${o.perEndpoint}
    ), picked as (
      select id from candidates where slot <= ${o.perEndpoint} order by next_attempt_at limit ${o.limit}
    )
    update webhook_deliveries d
    set claimed_until = ${new Date(o.now.getTime() + o.leaseMs)}, claim_id = ${o.claimId}
    from picked, webhook_endpoints e
    where d.id = picked.id and e.id = d.endpoint_id
    returning d.id, d.company_id, d.endpoint_id, d.event_id, d.event_type, d.data, d.previous, d.actor, d.occurred_at, d.attempts,
      e.url, e.secret_ciphertext`);
  return rowsOf<ClaimedDelivery>(result);
}

export type AttemptOutcome = {
  deliveryId: string;
  endpointId: string;
  claimId: string;
  attemptedAt: Date;
  success: boolean;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  error: string | null;
  /** null: no further attempt (succeeded, or failed for good). */
  nextAttemptAt: Date | null;
  /** Set when this attempt disables the endpoint (a 410, or 5 days of failures). */
  disable: string | null;
  disableAfterFailingMs: number;
};

/**
 * Logs one attempt and moves its delivery on, in one round trip. The delivery changes only if this
 * worker's claim still holds it; the attempt is logged either way, since it happened. The endpoint's
 * `failing_since` clears on a success and starts at the first failure; an endpoint failing for
 * `disableAfterFailingMs` is disabled by this same statement. Answers whether the endpoint got disabled.
 */
export async function recordAttempt(db: Db, a: AttemptOutcome): Promise<{ disabled: string | null }> {
  const status = a.success ? 'succeeded' : a.nextAttemptAt ? 'pending' : 'failed';
  const result = await db.execute(sql`
    with attempt as (
      insert into webhook_attempts (delivery_id, attempted_at, success, status_code, duration_ms, response_body, error)
      select id, ${a.attemptedAt}, ${a.success}, ${a.statusCode}, ${a.durationMs}, ${a.responseBody}, ${a.error}
      from webhook_deliveries where id = ${a.deliveryId}
    ), delivery as (
      update webhook_deliveries
      set status = ${status}, attempts = attempts + 1, next_attempt_at = coalesce(${a.nextAttemptAt}::timestamptz, next_attempt_at),
        claimed_until = null, claim_id = null, last_attempt_at = ${a.attemptedAt}, last_status_code = ${a.statusCode},
        last_error = ${a.error}, updated_at = ${a.attemptedAt}
      where id = ${a.deliveryId} and claim_id = ${a.claimId}
    ), endpoint as (
      update webhook_endpoints e
      set failing_since = case when ${a.success} then null else coalesce(e.failing_since, ${a.attemptedAt}) end,
        disabled_at = case when e.disabled_at is null and (${a.disable}::text is not null
            or (not ${a.success} and coalesce(e.failing_since, ${a.attemptedAt}) <= ${new Date(a.attemptedAt.getTime() - a.disableAfterFailingMs)}))
          then ${a.attemptedAt} else e.disabled_at end,
        disabled_reason = case when e.disabled_at is null and ${a.disable}::text is not null then ${a.disable}
          when e.disabled_at is null and not ${a.success}
            and coalesce(e.failing_since, ${a.attemptedAt}) <= ${new Date(a.attemptedAt.getTime() - a.disableAfterFailingMs)}
          then 'failing' else e.disabled_reason end
      where e.id = ${a.endpointId} and (${a.success} and e.failing_since is not null or not ${a.success})
      returning e.disabled_at, e.disabled_reason
    )
    select disabled_reason from endpoint where disabled_at = ${a.attemptedAt}`);
  const row = rowsOf<{ disabled_reason: string | null }>(result)[0];
  return { disabled: row?.disabled_reason ?? null };
}

export type SuccessOutcome = {
  deliveryId: string;
  endpointId: string;
  claimId: string;
  attemptedAt: Date;
  statusCode: number;
  durationMs: number;
  responseBody: string | null;
};

/**
 * Records many successful attempts in one round trip (the common case, so the one that sets the
 * pace): their attempts logged, their deliveries succeeded (if the claim still holds), and their
 * endpoints' failure record cleared.
 */
export async function recordSuccesses(db: Db, outcomes: SuccessOutcome[]): Promise<void> {
  const input = JSON.stringify(
    outcomes.map((o) => ({
      delivery_id: o.deliveryId,
      endpoint_id: o.endpointId,
      claim_id: o.claimId,
      attempted_at: o.attemptedAt.toISOString(),
      status_code: o.statusCode,
      duration_ms: o.durationMs,
      response_body: o.responseBody,
    })),
  );
  await db.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${input}::jsonb) as x(delivery_id uuid, endpoint_id uuid, claim_id uuid,
        attempted_at timestamptz, status_code smallint, duration_ms int, response_body text)
    ), attempt as (
      insert into webhook_attempts (delivery_id, attempted_at, success, status_code, duration_ms, response_body, error)
      -- Only for deliveries that still exist: an endpoint deleted meanwhile took its log with it.
      select i.delivery_id, i.attempted_at, true, i.status_code, i.duration_ms, i.response_body, null
      from input i join webhook_deliveries d on d.id = i.delivery_id
    ), delivery as (
      update webhook_deliveries d
      set status = 'succeeded', attempts = d.attempts + 1, claimed_until = null, claim_id = null,
        last_attempt_at = i.attempted_at, last_status_code = i.status_code, last_error = null, updated_at = i.attempted_at
      from input i
      where d.id = i.delivery_id and d.claim_id = i.claim_id
    )
    update webhook_endpoints set failing_since = null
    where id in (select endpoint_id from input) and failing_since is not null`);
}
