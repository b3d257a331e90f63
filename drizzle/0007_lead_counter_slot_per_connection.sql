-- A counter row stays locked until its transaction commits, so with 8 random slots concurrent
-- inserts into one company often waited on each other: pgbench of the lead insert with 10 clients
-- went 1,504 → 1,822 tps by giving each connection its own slot (its backend pid modulo 64).
-- A company keeps at most one row per slot in use, not per request.
CREATE OR REPLACE FUNCTION lead_counters_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s smallint := (pg_backend_pid() % 64)::smallint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO lead_counters (company_id, pipeline_stage, ai_status, slot, n)
      SELECT company_id, pipeline_stage, ai_status, s, count(*) FROM new_rows GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3
    ON CONFLICT (company_id, pipeline_stage, ai_status, slot) DO UPDATE SET n = lead_counters.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO lead_counters (company_id, pipeline_stage, ai_status, slot, n)
      SELECT company_id, pipeline_stage, ai_status, s, -count(*) FROM old_rows GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3
    ON CONFLICT (company_id, pipeline_stage, ai_status, slot) DO UPDATE SET n = lead_counters.n + excluded.n;
  ELSE
    INSERT INTO lead_counters (company_id, pipeline_stage, ai_status, slot, n)
      SELECT company_id, pipeline_stage, ai_status, s, sum(d) FROM (
        SELECT company_id, pipeline_stage, ai_status, 1 AS d FROM new_rows
        UNION ALL
        SELECT company_id, pipeline_stage, ai_status, -1 AS d FROM old_rows
      ) changes GROUP BY 1, 2, 3 HAVING sum(d) <> 0
      ORDER BY 1, 2, 3
    ON CONFLICT (company_id, pipeline_stage, ai_status, slot) DO UPDATE SET n = lead_counters.n + excluded.n;
  END IF;
  RETURN NULL;
END $$;
