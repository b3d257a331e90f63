-- The inbox's conversations (issue 18, src/db/schema/inbox.ts), kept by triggers on the two tables
-- they summarise, so that every writer of a lead or a text keeps them without knowing of them.

-- A new lead is the start of a conversation, and asks for the team's attention (it raises the
-- unread count) even before any text. Old contacts brought in by `quoteleads leads import` do not:
-- they get a row once they text or are texted.
CREATE FUNCTION conversations_from_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversations (lead_id, company_id, last_at, attention_at)
  SELECT n.id, n.company_id, n.created_at, n.created_at
    FROM new_leads n
   WHERE n.auto_text_held IS DISTINCT FROM 'import'
  ON CONFLICT (lead_id) DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER conversations_from_leads AFTER INSERT ON leads
  REFERENCING NEW TABLE AS new_leads FOR EACH STATEMENT EXECUTE FUNCTION conversations_from_leads();
--> statement-breakpoint
-- Each text becomes its conversation's newest item unless a newer one is already there (the clock
-- of a text is its created_at, and transactions may commit out of that order). A text from the lead
-- asks for attention; one to the lead does not.
CREATE FUNCTION conversations_from_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Grouped, not a subquery per row: a transition table has no index, and a statement may hold many texts.
  WITH newest AS (
    SELECT DISTINCT ON (m.lead_id) m.lead_id, m.company_id, m.id, m.direction, m.sender->>'type' AS sender_type, m.created_at
      FROM new_messages m
     ORDER BY m.lead_id, m.created_at DESC, m.id DESC
  ), inbound AS (
    SELECT m.lead_id, max(m.created_at) AS at FROM new_messages m WHERE m.direction = 'inbound' GROUP BY m.lead_id
  )
  INSERT INTO conversations AS c (lead_id, company_id, last_message_id, last_direction, last_sender_type, last_at, attention_at)
  SELECT n.lead_id, n.company_id, n.id, n.direction, n.sender_type, n.created_at, i.at
    FROM newest n LEFT JOIN inbound i ON i.lead_id = n.lead_id
  ON CONFLICT (lead_id) DO UPDATE SET
    last_message_id = CASE WHEN excluded.last_at >= c.last_at THEN excluded.last_message_id ELSE c.last_message_id END,
    last_direction = CASE WHEN excluded.last_at >= c.last_at THEN excluded.last_direction ELSE c.last_direction END,
    last_sender_type = CASE WHEN excluded.last_at >= c.last_at THEN excluded.last_sender_type ELSE c.last_sender_type END,
    last_at = greatest(c.last_at, excluded.last_at),
    -- greatest() ignores nulls: an outbound text leaves the attention where it was.
    attention_at = greatest(c.attention_at, excluded.attention_at);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER conversations_from_messages AFTER INSERT ON sms_messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION conversations_from_messages();
--> statement-breakpoint
-- The threads that exist already, as read: nobody is shown years of history as unread.
INSERT INTO conversations (lead_id, company_id, last_message_id, last_direction, last_sender_type, last_at, attention_at)
SELECT DISTINCT ON (m.lead_id) m.lead_id, m.company_id, m.id, m.direction, m.sender->>'type', m.created_at, NULL
  FROM sms_messages m
 ORDER BY m.lead_id, m.created_at DESC, m.id DESC;
