-- Follow-up sequences (issue 15): each step is a `follow_up` job, planned by these triggers in the
-- transaction of the change that starts its sequence and cancelled in the transaction of the change
-- that stops it, whatever path makes the change. A step's unique key names its sequence, its anchor
-- and its index, so planning twice is harmless and a step is sent at most once. The handler
-- (src/features/follow-ups/follow-up-job.ts) checks again when the step falls due.

-- Cancels the lead's pending steps of these sequences (of one anchor when given), with the reason kept.
CREATE FUNCTION follow_ups_cancel(p_company uuid, p_lead uuid, p_sequences text[], p_reason text, p_anchor text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
  UPDATE jobs SET status = 'cancelled', finished_at = now(), locked_until = NULL,
         outcome = jsonb_build_object('result', 'cancelled', 'reason', p_reason)
   WHERE company_id = p_company AND lead_id = p_lead AND kind = 'follow_up' AND status = 'pending'
     AND payload->>'sequence' = ANY (p_sequences)
     AND (p_anchor IS NULL OR payload->>'anchor_id' = p_anchor);
$$;
--> statement-breakpoint
-- Plans the enabled sequence's steps from `p_anchor_at`, those due after `p_after` (a reminder step
-- whose time has passed when the booking is made is skipped) and before `p_before` (a quote's expiry).
CREATE FUNCTION follow_ups_plan(p_company uuid, p_lead uuid, p_sequence text, p_anchor_id text, p_anchor_at timestamptz,
                                p_key text, p_after timestamptz, p_before timestamptz, p_extra jsonb)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO jobs (kind, company_id, lead_id, unique_key, run_at, payload)
    SELECT 'follow_up', p_company, p_lead, p_key || ':' || (s.n - 1)::text,
           p_anchor_at + make_interval(mins => (s.step->>'offset_minutes')::int),
           jsonb_build_object('sequence', p_sequence, 'step', s.n - 1, 'text', s.step->>'text',
                              'offset_minutes', (s.step->>'offset_minutes')::int, 'anchor_id', p_anchor_id,
                              'anchor_at', p_anchor_at) || coalesce(p_extra, '{}'::jsonb)
      FROM automations a
      CROSS JOIN LATERAL jsonb_array_elements(a.steps) WITH ORDINALITY AS s(step, n)
     WHERE a.company_id = p_company AND a.kind = p_sequence AND a.enabled
       AND p_anchor_at + make_interval(mins => (s.step->>'offset_minutes')::int) > coalesce(p_after, '-infinity')
       AND p_anchor_at + make_interval(mins => (s.step->>'offset_minutes')::int) < coalesce(p_before, 'infinity')
  ON CONFLICT (company_id, kind, unique_key) DO NOTHING;
$$;
--> statement-breakpoint
-- Texts. Any inbound text stops the nurture and the quote chase; so does a person texting the lead.
-- The agent's or the instant reply's text to a lead who has never written back (re)starts the nurture
-- from that text.
CREATE FUNCTION follow_ups_on_message() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE m record;
BEGIN
  FOR m IN SELECT * FROM new_rows WHERE direction = 'inbound' OR sender->>'type' = 'user' LOOP
    PERFORM follow_ups_cancel(m.company_id, m.lead_id, ARRAY['lead_nurture', 'quote_chase'],
      CASE WHEN m.direction = 'inbound' THEN 'lead_replied' ELSE 'person_texted' END);
  END LOOP;
  FOR m IN
    SELECT n.* FROM new_rows n
      JOIN leads l ON l.id = n.lead_id
      JOIN automations a ON a.company_id = n.company_id AND a.kind = 'lead_nurture' AND a.enabled
     WHERE n.direction = 'outbound' AND (n.sender->>'type' = 'agent' OR n.kind = 'instant_reply')
       AND l.pipeline_stage IN ('new_lead', 'follow_up') AND l.ai_enabled AND NOT l.agent_paused AND NOT l.sms_opted_out
       AND NOT EXISTS (SELECT 1 FROM sms_messages i WHERE i.lead_id = n.lead_id AND i.direction = 'inbound')
       AND NOT EXISTS (SELECT 1 FROM appointments p WHERE p.lead_id = n.lead_id AND p.status IN ('scheduled', 'confirmed'))
  LOOP
    PERFORM follow_ups_cancel(m.company_id, m.lead_id, ARRAY['lead_nurture'], 'superseded');
    PERFORM follow_ups_plan(m.company_id, m.lead_id, 'lead_nurture', m.id::text, m.created_at,
      'lead_nurture:' || m.id::text, NULL, NULL, NULL);
  END LOOP;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sms_messages_follow_ups AFTER INSERT ON sms_messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_ups_on_message();
--> statement-breakpoint
-- Leads. A stage out of new_lead/follow_up stops the nurture; a closed lead, the chase; a person
-- taking over or the AI switched off, both; STOP, everything. The move to closed_won starts the
-- review request (once per lead: its key has no time in it).
CREATE FUNCTION follow_ups_on_lead() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT n.id, n.company_id, n.pipeline_stage AS stage, o.pipeline_stage AS was, n.updated_at,
           n.agent_paused AND NOT o.agent_paused AS taken_over,
           o.ai_enabled AND NOT n.ai_enabled AS ai_off,
           n.sms_opted_out AND NOT o.sms_opted_out AS opted_out
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.pipeline_stage <> o.pipeline_stage OR n.agent_paused <> o.agent_paused
        OR n.ai_enabled <> o.ai_enabled OR n.sms_opted_out <> o.sms_opted_out
  LOOP
    IF r.opted_out THEN
      PERFORM follow_ups_cancel(r.company_id, r.id, ARRAY['lead_nurture', 'quote_chase', 'appointment_reminder', 'review_request'], 'opted_out');
    END IF;
    IF r.taken_over THEN PERFORM follow_ups_cancel(r.company_id, r.id, ARRAY['lead_nurture', 'quote_chase'], 'taken_over'); END IF;
    IF r.ai_off THEN PERFORM follow_ups_cancel(r.company_id, r.id, ARRAY['lead_nurture', 'quote_chase'], 'ai_disabled'); END IF;
    IF r.stage <> r.was THEN
      IF r.stage NOT IN ('new_lead', 'follow_up') THEN
        PERFORM follow_ups_cancel(r.company_id, r.id, ARRAY['lead_nurture'], 'stage_changed');
      END IF;
      IF r.stage IN ('closed_won', 'closed_lost') THEN
        PERFORM follow_ups_cancel(r.company_id, r.id, ARRAY['quote_chase'], 'lead_closed');
      END IF;
      IF r.was = 'closed_won' THEN
        PERFORM follow_ups_cancel(r.company_id, r.id, ARRAY['review_request'], 'stage_changed');
      END IF;
      IF r.stage = 'closed_won' THEN
        PERFORM follow_ups_plan(r.company_id, r.id, 'review_request', r.id::text, r.updated_at,
          'review_request:' || r.id::text, NULL, NULL, NULL);
      END IF;
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER leads_follow_ups AFTER UPDATE ON leads
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_ups_on_lead();
--> statement-breakpoint
-- Quotes. A quote sent (again) starts its chase and stops the lead's other chases; accepted or
-- declined stops it. Steps after the quote's expiry are not planned (one made later than planned is
-- skipped by the handler).
CREATE FUNCTION follow_ups_on_quote() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE q record;
BEGIN
  FOR q IN
    SELECT n.* , o.status AS was, o.sent_at AS was_sent_at FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.status <> o.status OR n.sent_at IS DISTINCT FROM o.sent_at
  LOOP
    IF q.status IN ('accepted', 'declined') THEN
      PERFORM follow_ups_cancel(q.company_id, q.lead_id, ARRAY['quote_chase'], 'quote_' || q.status, q.id::text);
    ELSIF q.sent_at IS NOT NULL AND q.sent_at IS DISTINCT FROM q.was_sent_at AND q.status IN ('sent', 'viewed') THEN
      PERFORM follow_ups_cancel(q.company_id, q.lead_id, ARRAY['quote_chase'], 'new_quote_sent');
      PERFORM follow_ups_plan(q.company_id, q.lead_id, 'quote_chase', q.id::text, q.sent_at,
        'quote_chase:' || q.id::text || ':' || (extract(epoch FROM q.sent_at) * 1000)::bigint::text,
        NULL, q.expires_at, jsonb_build_object('quote_id', q.id));
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER quotes_follow_ups AFTER UPDATE ON quotes
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_ups_on_quote();
--> statement-breakpoint
-- Appointments. A booking stops the nurture and plans its reminders (those still ahead); moving it
-- moves them; cancelling it (or any end) removes them.
CREATE FUNCTION follow_ups_on_appointment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE a record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR a IN SELECT * FROM new_rows WHERE lead_id IS NOT NULL AND status IN ('scheduled', 'confirmed') LOOP
      PERFORM follow_ups_cancel(a.company_id, a.lead_id, ARRAY['lead_nurture'], 'appointment_booked');
      PERFORM follow_ups_plan(a.company_id, a.lead_id, 'appointment_reminder', a.id::text, a.start_time,
        'appointment_reminder:' || a.id::text || ':' || (extract(epoch FROM a.start_time) * 1000)::bigint::text,
        a.created_at, NULL, jsonb_build_object('appointment_id', a.id));
    END LOOP;
    RETURN NULL;
  END IF;
  FOR a IN
    SELECT n.*, o.status AS was, o.start_time AS was_start FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.lead_id IS NOT NULL AND (n.status <> o.status OR n.start_time <> o.start_time)
  LOOP
    IF a.status NOT IN ('scheduled', 'confirmed') THEN
      PERFORM follow_ups_cancel(a.company_id, a.lead_id, ARRAY['appointment_reminder'], 'appointment_' || a.status, a.id::text);
    ELSIF a.start_time <> a.was_start OR a.was NOT IN ('scheduled', 'confirmed') THEN
      PERFORM follow_ups_cancel(a.company_id, a.lead_id, ARRAY['appointment_reminder'], 'rescheduled', a.id::text);
      PERFORM follow_ups_plan(a.company_id, a.lead_id, 'appointment_reminder', a.id::text, a.start_time,
        'appointment_reminder:' || a.id::text || ':' || (extract(epoch FROM a.start_time) * 1000)::bigint::text,
        a.updated_at, NULL, jsonb_build_object('appointment_id', a.id));
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER appointments_follow_ups_insert AFTER INSERT ON appointments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_ups_on_appointment();
--> statement-breakpoint
CREATE TRIGGER appointments_follow_ups_update AFTER UPDATE ON appointments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_ups_on_appointment();
--> statement-breakpoint
-- A bare C or R that answers a reminder belongs to it (sms.inbound.ts marks it `reminder_reply`): no agent turn.
CREATE OR REPLACE FUNCTION agent_turn_on_inbound() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO jobs (kind, company_id, lead_id, unique_key, group_key)
    SELECT 'agent_turn', m.company_id, m.lead_id, 'inbound:' || m.id::text, m.lead_id::text
      FROM new_rows m
      JOIN leads l ON l.id = m.lead_id
      JOIN agent_settings a ON a.company_id = m.company_id
     WHERE m.direction = 'inbound' AND m.kind <> 'reminder_reply' AND a.enabled AND l.ai_enabled AND NOT l.agent_paused AND NOT l.sms_opted_out
  ON CONFLICT (company_id, kind, unique_key) DO NOTHING;
  RETURN NULL;
END $$;
