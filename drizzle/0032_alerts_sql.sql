-- Alerts (issue 17). Each outbox event the team is alerted of becomes, in the transaction that
-- records it, one notification per user of the company who takes that kind by some channel, and a
-- job per email or SMS to send (the worker sends after commit). Made here, where every writer of
-- events passes, so no path that records an event can forget its alerts.

-- The kind of alert an event is, or null for events nobody is alerted of.
CREATE FUNCTION alert_kind(event_type text, data jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE event_type
    WHEN 'lead.created' THEN 'new_lead'
    WHEN 'sms.received' THEN 'lead_reply'
    WHEN 'agent.handed_off' THEN 'handoff'
    WHEN 'quote.viewed' THEN 'quote_viewed'
    WHEN 'quote.accepted' THEN 'quote_accepted'
    WHEN 'quote.declined' THEN 'quote_declined'
    -- Booked by the agent with the customer; one a person or an integration booked, they know of.
    WHEN 'appointment.booked' THEN CASE WHEN data->>'booked_by' = 'ai' THEN 'appointment_booked' END
    WHEN 'sms.credits_low' THEN 'credits_low'
  END $$;
--> statement-breakpoint
-- What a user who has not chosen gets: owners and admins new leads, replies, hand-offs and accepted
-- quotes in the dashboard and by email; members the same in the dashboard only; nobody SMS.
CREATE FUNCTION alert_default(role text, kind text, channel text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT kind IN ('new_lead', 'lead_reply', 'handoff', 'quote_accepted')
     AND (channel = 'in_app' OR (channel = 'email' AND role IN ('owner', 'admin')))
$$;
--> statement-breakpoint
-- Whether a user takes a kind by a channel: their choice, else their role's default.
CREATE FUNCTION alert_chosen(prefs jsonb, role text, kind text, channel text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce((prefs->kind->>channel)::boolean, alert_default(role, kind, channel))
$$;
--> statement-breakpoint
CREATE FUNCTION notifications_from_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH e AS (
    SELECT ne.id, ne.company_id, ne.event_type, ne.data, ne.actor, alert_kind(ne.event_type, ne.data) AS kind,
           CASE WHEN ne.event_type IN ('lead.created', 'agent.handed_off') THEN ne.data->>'id' ELSE ne.data->>'lead_id' END AS lead_ref
      FROM new_events ne
     WHERE alert_kind(ne.event_type, ne.data) IS NOT NULL
       -- A CSV import of thousands is not thousands of alerts.
       AND NOT (ne.event_type = 'lead.created' AND ne.actor->>'type' = 'system')
  ), chosen AS (
    SELECT e.*, l.id AS lead_id, u.id AS user_id, u.mobile_verified_at IS NOT NULL AS has_mobile,
           alert_chosen(u.alert_prefs, u.role, e.kind, 'in_app') AS in_app,
           alert_chosen(u.alert_prefs, u.role, e.kind, 'email') AS email,
           alert_chosen(u.alert_prefs, u.role, e.kind, 'sms') AS sms
      FROM e
      JOIN users u ON u.company_id = e.company_id
      -- Not even a typo in an event's data may fail the write that records it.
      LEFT JOIN leads l ON l.company_id = e.company_id AND e.lead_ref ~ '^[0-9a-f-]{36}$' AND l.id = e.lead_ref::uuid
     -- Nobody is alerted of what they did themselves.
     WHERE NOT (e.actor->>'type' = 'user' AND e.actor->>'id' = u.id::text)
  ), made AS (
    INSERT INTO notifications (company_id, user_id, event_id, event_type, kind, lead_id, data, in_app, email_status, sms_status)
    SELECT c.company_id, c.user_id, c.id, c.event_type, c.kind, c.lead_id, c.data, c.in_app,
           CASE WHEN c.email THEN 'pending' END,
           CASE WHEN c.sms THEN CASE WHEN c.has_mobile THEN 'pending' ELSE 'skipped' END END
      FROM chosen c
     WHERE (c.in_app OR c.email OR c.sms)
       -- The first text of a new lead is its arrival: the new-lead alert says it, not a second one.
       AND NOT (c.kind = 'lead_reply' AND EXISTS (
             SELECT 1 FROM notifications x
              WHERE x.user_id = c.user_id AND x.lead_id = c.lead_id AND x.kind = 'new_lead'
                AND x.created_at = now()::timestamptz(3)))
    ON CONFLICT (event_id, user_id) DO NOTHING
    RETURNING id, company_id, lead_id, email_status, sms_status
  )
  INSERT INTO jobs (kind, company_id, lead_id, unique_key)
  SELECT 'alert_email', company_id, lead_id, id::text FROM made WHERE email_status = 'pending'
  UNION ALL
  SELECT 'alert_sms', company_id, lead_id, id::text FROM made WHERE sms_status = 'pending'
  ON CONFLICT (company_id, kind, unique_key) DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER notifications_from_events AFTER INSERT ON outbox_events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION notifications_from_events();
