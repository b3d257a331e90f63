-- The lead agent (issue 14) answers a new lead first: when the company's agent is on, the trigger on
-- leads enqueues the lead's first agent turn (kind agent_turn, one per lead by its unique key, in the
-- lead's group so that its turns run one at a time) instead of the fixed instant reply; otherwise the
-- instant reply, as before. The agent's greeting replaces the instant reply, never both.
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
     WHERE n.phone IS NOT NULL AND n.ai_enabled AND (a.enabled OR c.instant_reply IS NOT NULL)
  ON CONFLICT (company_id, kind, unique_key) DO NOTHING;
  RETURN NULL;
END $$;
