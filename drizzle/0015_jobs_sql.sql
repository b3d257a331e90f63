-- The job queue (src/jobs/): instant replies move onto it, and an idle worker hears of due work.
--
-- Instant reply: the trigger on leads (drizzle/0006) keeps its reasons (every path that creates a lead
-- is covered, POST /v1/leads keeps its single statement, a bulk insert costs one INSERT … SELECT) and
-- now writes a `jobs` row of kind instant_reply, keyed by the lead: the unique key makes it one per lead.
CREATE OR REPLACE FUNCTION instant_reply_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO jobs (kind, company_id, lead_id, unique_key)
    SELECT 'instant_reply', n.company_id, n.id, n.id::text
      FROM new_rows n JOIN companies c ON c.id = n.company_id
     WHERE n.phone IS NOT NULL AND n.ai_enabled AND c.instant_reply IS NOT NULL
  ON CONFLICT (company_id, kind, unique_key) DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- The old table's rows, finished ones too (they are the leads' history). A job some worker holds keeps
-- its lease, so a reply being sent right now is not claimed again before that worker is done.
INSERT INTO jobs (kind, company_id, lead_id, unique_key, status, run_at, attempts, locked_until, outcome, last_error, created_at, finished_at)
SELECT 'instant_reply', company_id, lead_id, lead_id::text,
       CASE WHEN done_at IS NULL THEN 'pending' WHEN outcome = 'gave_up' THEN 'failed' ELSE 'succeeded' END,
       created_at, attempts,
       CASE WHEN done_at IS NULL THEN claimed_until END,
       CASE WHEN done_at IS NOT NULL AND outcome IS DISTINCT FROM 'gave_up'
            THEN jsonb_strip_nulls(jsonb_build_object('result', outcome, 'message_id', message_id)) END,
       CASE WHEN outcome = 'gave_up' THEN 'gave up' END,
       created_at, done_at
  FROM instant_reply_jobs
ON CONFLICT (company_id, kind, unique_key) DO NOTHING;
--> statement-breakpoint
DROP TABLE instant_reply_jobs;
--> statement-breakpoint
-- Wakes idle workers (LISTEN quoteleads_jobs) when a statement enqueues a job due within 30 s, the
-- longest an idle worker sleeps (MAX_IDLE_MS in src/jobs/jobs.worker-task.ts): later jobs are found by
-- a worker's next regular look. The payload is the soonest due time (epoch ms), so a worker asleep
-- until an earlier job wakes only when this one is sooner. Sent at commit, never for a rollback, and
-- only for near work: NOTIFY serialises commits, so a week's worth of follow-ups stays silent.
CREATE FUNCTION jobs_notify_due() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  soonest timestamptz;
BEGIN
  SELECT min(run_at) INTO soonest FROM new_rows WHERE status = 'pending';
  IF soonest <= now() + interval '30 seconds' THEN
    PERFORM pg_notify('quoteleads_jobs', floor(extract(epoch FROM soonest) * 1000)::bigint::text);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER jobs_notify_due AFTER INSERT ON jobs
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify_due();
