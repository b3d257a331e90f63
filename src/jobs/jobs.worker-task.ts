import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database, Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { WorkerTask } from './task-loop.js';
import { claimDueJobsAnyCompany, failJob, finishJob, nextJobDueAtAnyCompany, postponeJob, retryJob, type ClaimedJob } from './jobs.repo.js';

/** What runs the jobs of one kind. Registered in src/worker/tasks.ts. */
export type JobHandler = {
  kind: string;
  /** How long a claim holds a job; a worker that dies lets it go after this. Longer than a run ever takes. */
  leaseMs?: number;
  /** Runs (claims) before the job is marked failed. */
  maxAttempts?: number;
  /**
   * At most one job of the kind per company is claimed in this long (a Twilio number sends about one
   * text a second, so follow-ups are paced per company, as Twilio's queue would): unset, no pacing.
   */
  paceMs?: number;
  /**
   * Does the work. What it returns is kept on the job as its outcome; a throw is retried with backoff.
   * May run more than once for one job (a worker that died after the work, before recording it), so
   * the work itself must refuse a second time (a unique key on what it writes).
   */
  handle(job: ClaimedJob): Promise<Record<string, unknown> | void | typeof FINISHED>;
};

/**
 * What a handler returns when it already finished the job in its work's own transaction
 * (finishHeldJob, which keeps the outcome): nothing is left to record, so no statement is spent on it.
 */
export const FINISHED: unique symbol = Symbol('finished in the handler');

/**
 * Thrown by a handler whose work must wait (quiet hours): the job runs again at `at`, and this run
 * does not count as an attempt.
 */
export class RunLater extends Error {
  constructor(
    readonly at: Date,
    reason: string,
  ) {
    super(reason);
  }
}

export const JOBS_CHANNEL = 'quoteleads_jobs';
const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_MAX_ATTEMPTS = 5;
// Jobs claimed at once, and run side by side; the next claim waits for the slowest of them, so a kind
// whose runs take long (an agent turn) may want a task of its own when it comes. A claim costs about
// the same for 10 jobs as for 50 (it walks the partitions with pending work), so a burst of follow-ups
// is served in fifties.
export const JOBS_AT_ONCE = 50;
// The longest an idle worker sleeps: the trigger that notifies (drizzle/*_jobs_sql.sql) stays silent
// about jobs due later than this, and this look finds them in time. It also bounds how long a job
// whose worker died waits past its lease.
export const MAX_IDLE_MS = 30_000;
// A due job that could not be claimed (another worker's claim holds it right now) is looked at again
// after this, not in a hot loop.
const MIN_IDLE_MS = 250;
// How often a pooled task with jobs running looks for more.
const POOL_LOOK_MS = 100;
// While the listening connection is down, notifications may be missed: look this often instead.
const UNHEARD_POLL_MS = 1_000;
// Retries: 10 s, 20 s, 40 s, 80 s… never more than an hour apart.
const RETRY_BASE_MS = 10_000;
const RETRY_MAX_MS = 3_600_000;

export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 1000);

/**
 * The worker task that runs every job kind this process has a handler for: claims a batch (fairly
 * across companies and kinds), runs it, records each outcome. When nothing is due it sleeps until
 * the next job falls due (at most MAX_IDLE_MS), and a notification of a job due sooner ends the sleep,
 * so an idle queue costs one look every 30 s.
 */
export function createJobsTask(deps: {
  db: Db;
  clock: Clock;
  log: Logger;
  listen: Database['listen'];
  handlers: JobHandler[];
  /** The task's name in logs (default `jobs`): a kind whose runs take long gets a task of its own. */
  name?: string;
  /** Jobs claimed at once and run side by side (default JOBS_AT_ONCE): more for work that mostly waits (a model). */
  batch?: number;
  /**
   * Keep up to `batch` jobs running, claiming more as places free up (every POOL_LOOK_MS at most),
   * instead of claiming a batch and waiting for its slowest: for runs that take seconds, so a job
   * that falls due is not held behind the slowest of the batch before it.
   */
  pool?: boolean;
}): WorkerTask {
  const { db, clock, log } = deps;
  const handlers = new Map(deps.handlers.map((h) => [h.kind, h]));
  const kinds = deps.handlers.map((h) => ({ kind: h.kind, leaseMs: h.leaseMs ?? DEFAULT_LEASE_MS, paceMs: h.paceMs ?? 0 }));
  const kindNames = kinds.map((k) => k.kind);
  const pacedNames = kinds.filter((k) => k.paceMs > 0).map((k) => k.kind);

  let unlisten: (() => Promise<void>) | null = null;
  let stopped = false;
  let live = false;
  // When the idle worker means to look again (clock ms), and the soonest due time heard of since the
  // last claim began: a notification that comes while a batch runs is not lost.
  let wakeAt = 0;
  let heard = Infinity;
  let wakeNow: () => void = () => {};

  // The payload is the soonest due time of the statement's jobs, on the database's clock (the same
  // as the system clock the worker runs on in production).
  function onNotification(payload: string) {
    const due = Number(payload);
    const at = Number.isFinite(due) ? due : 0;
    heard = Math.min(heard, at);
    if (at <= wakeAt) wakeNow();
  }
  function onLive(isLive: boolean) {
    live = isLive;
    // Back: notifications may have been missed, so look now. Lost: sleep again, but shorter.
    wakeNow();
  }

  async function run(job: ClaimedJob) {
    const handler = handlers.get(job.kind)!;
    const maxAttempts = handler.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    try {
      // Only workers that died holding it got this far: a run that throws is retried or failed below.
      if (job.attempts > maxAttempts) {
        return await failJob(db, job, new Date(clock.now()), `gave up: ${job.attempts - 1} of ${maxAttempts} attempts ended with no answer`);
      }
      let outcome: Record<string, unknown> | void | typeof FINISHED;
      try {
        outcome = await handler.handle(job);
      } catch (err) {
        if (err instanceof RunLater) return await postponeJob(db, job, err.at, err.message);
        const error = errorText(err);
        if (job.attempts >= maxAttempts) {
          log.warn({ err, jobId: job.id, kind: job.kind, attempts: job.attempts }, 'job failed for the last time');
          return await failJob(db, job, new Date(clock.now()), error);
        }
        log.warn({ err, jobId: job.id, kind: job.kind, attempts: job.attempts }, 'job failed; will retry');
        return await retryJob(db, job, new Date(clock.now() + retryDelayMs(job.attempts)), error);
      }
      if (outcome !== FINISHED) await finishJob(db, job, new Date(clock.now()), outcome ?? null);
    } catch (err) {
      log.warn({ err, jobId: job.id, kind: job.kind }, 'job outcome not recorded; it runs again when its lease ends');
    }
  }

  const inFlight = new Set<Promise<void>>();
  /** One look of a pooled task: claims what fits, then waits for a job to end or the next look. */
  async function runPooled(): Promise<number> {
    heard = Infinity;
    const now = new Date(clock.now());
    const room = (deps.batch ?? JOBS_AT_ONCE) - inFlight.size;
    const claimed = room > 0 ? await claimDueJobsAnyCompany(db, { now, kinds, limit: room, claimId: randomUUID() }) : [];
    for (const job of claimed) {
      const running: Promise<void> = run(job).finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    if (inFlight.size === 0) {
      const due = await nextJobDueAtAnyCompany(db, now, kindNames, pacedNames);
      wakeAt = Math.min(due ?? Infinity, now.getTime() + MAX_IDLE_MS);
      return 0;
    }
    await Promise.race([...inFlight, sleep(POOL_LOOK_MS)]);
    return Math.max(claimed.length, 1);
  }

  return {
    name: deps.name ?? 'jobs',
    async runOnce() {
      if (deps.pool) return runPooled();
      heard = Infinity;
      const now = new Date(clock.now());
      const claimed = await claimDueJobsAnyCompany(db, { now, kinds, limit: deps.batch ?? JOBS_AT_ONCE, claimId: randomUUID() });
      if (claimed.length === 0) {
        const due = await nextJobDueAtAnyCompany(db, now, kindNames, pacedNames);
        wakeAt = Math.min(due ?? Infinity, now.getTime() + MAX_IDLE_MS);
        return 0;
      }
      await Promise.all(claimed.map(run));
      return claimed.length;
    },
    async waitForWork(signal) {
      if (signal.aborted) return;
      if (!unlisten && !stopped) {
        try {
          unlisten = await deps.listen(JOBS_CHANNEL, onNotification, onLive);
          // Look once more: a job committed before LISTEN took hold was heard by nobody.
          return;
        } catch (err) {
          log.warn({ err }, 'cannot listen for new jobs; looking every second');
        }
      }
      if (heard <= wakeAt) return;
      const now = clock.now();
      let ms = Math.max(MIN_IDLE_MS, wakeAt - now);
      if (!live) ms = Math.min(ms, UNHEARD_POLL_MS);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wakeNow = () => {};
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done);
        wakeNow = done;
      });
    },
    async stop() {
      stopped = true;
      // Running jobs finish (a turn takes seconds); one cut off would only run again after its lease.
      await Promise.allSettled(inFlight);
      await unlisten?.();
      unlisten = null;
    },
  };
}
