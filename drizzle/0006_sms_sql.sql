-- Instant reply (issue 5): every new lead with a phone and ai_enabled, of a company that has an instant
-- reply set, gets one instant_reply_jobs row in the transaction that creates it, whatever path
-- created it (POST /v1/leads, inbound SMS, imports to come). The worker sends it after commit.
-- A trigger rather than a call in each creating path: no path can forget it, and POST /v1/leads
-- keeps its single statement. Statement-level with a transition table, like lead_counters: a bulk
-- insert costs one INSERT … SELECT.
CREATE FUNCTION instant_reply_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO instant_reply_jobs (lead_id, company_id)
    SELECT n.id, n.company_id
      FROM new_rows n JOIN companies c ON c.id = n.company_id
     WHERE n.phone IS NOT NULL AND n.ai_enabled AND c.instant_reply IS NOT NULL
  ON CONFLICT (lead_id) DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER leads_instant_reply AFTER INSERT ON leads
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION instant_reply_enqueue();
