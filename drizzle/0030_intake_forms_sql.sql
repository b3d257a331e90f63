-- Intake (issue 16): a lead whose automatic first text was held back (auto_text_held: its form's
-- captcha could not be checked, or its form's hourly cap of automatic texts was reached) gets no
-- instant reply and no agent greeting; a person decides. Otherwise as 0024 had it.
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
     WHERE n.phone IS NOT NULL AND n.ai_enabled AND n.auto_text_held IS NULL
       AND CASE WHEN a.enabled THEN n.source IS DISTINCT FROM 'sms' ELSE c.instant_reply IS NOT NULL END
  ON CONFLICT (company_id, kind, unique_key) DO NOTHING;
  RETURN NULL;
END $$;
