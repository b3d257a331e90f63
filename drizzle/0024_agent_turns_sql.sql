-- The lead agent (issue 14) answers a new lead first: when the company's agent is on, the trigger on
-- leads enqueues the lead's first agent turn (kind agent_turn, one per lead by its unique key, in the
-- lead's group so that its turns run one at a time) instead of the fixed instant reply; otherwise the
-- instant reply, as before. The agent's greeting replaces the instant reply, never both. A lead made
-- by its own first text gets no turn here: its text's turn (below) answers it.
CREATE OR REPLACE FUNCTION instant_reply_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO jobs (kind, company_id, lead_id, unique_key, group_key)
    SELECT CASE WHEN a.enabled THEN 'agent_turn' ELSE 'instant_reply' END,
           n.company_id, n.id,
           CASE WHEN a.enabled THEN 'lead:' || n.id::text ELSE n.id::text END,
           CASE WHEN a.enabled THEN n.id::text END
      FROM new_rows n
      JOIN companies c ON c.id = n.company_id
      LEFT JOIN agent_settings a ON a.company_id = n.company_id
     WHERE n.phone IS NOT NULL AND n.ai_enabled
       AND CASE WHEN a.enabled THEN n.source IS DISTINCT FROM 'sms' ELSE c.instant_reply IS NOT NULL END
  ON CONFLICT (company_id, kind, unique_key) DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Every inbound text of a lead the agent answers enqueues a turn, keyed by the message (one per
-- text, however often Twilio retries its webhook), in the lead's group so the lead's turns run in
-- order: whatever path writes the message (Twilio's webhook, `quoteleads sms receive`). A STOP has
-- opted the lead out in the same transaction before its message is written, so it starts no turn.
CREATE FUNCTION agent_turn_on_inbound() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO jobs (kind, company_id, lead_id, unique_key, group_key)
    SELECT 'agent_turn', m.company_id, m.lead_id, 'inbound:' || m.id::text, m.lead_id::text
      FROM new_rows m
      JOIN leads l ON l.id = m.lead_id
      JOIN agent_settings a ON a.company_id = m.company_id
     WHERE m.direction = 'inbound' AND a.enabled AND l.ai_enabled AND NOT l.agent_paused AND NOT l.sms_opted_out
  ON CONFLICT (company_id, kind, unique_key) DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sms_messages_agent_turn AFTER INSERT ON sms_messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION agent_turn_on_inbound();
