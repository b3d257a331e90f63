-- Tells every API process which companies' lists changed, so that a process may keep list answers in
-- memory (src/http/list-cache.ts). After any statement that writes leads, quotes, their lines or
-- appointments, one NOTIFY per company touched: the payload is the company id. PostgreSQL delivers it
-- at commit, never for a rolled-back change, and merges repeats within a transaction. Triggers, not
-- application code, so that every writer (API, worker, command line, bulk SQL) is seen.
CREATE FUNCTION list_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_notify('quoteleads_lists', c::text) FROM (SELECT DISTINCT company_id AS c FROM new_rows) touched;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('quoteleads_lists', c::text) FROM (SELECT DISTINCT company_id AS c FROM old_rows) touched;
  ELSE
    PERFORM pg_notify('quoteleads_lists', c::text)
      FROM (SELECT company_id AS c FROM new_rows UNION SELECT company_id FROM old_rows) touched;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Lines have no company of their own: theirs is their quote's. A line deleted with its quote finds no
-- quote here, and needs none: the quote's own trigger has named the company.
CREATE FUNCTION quote_lines_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pg_notify('quoteleads_lists', c::text)
      FROM (SELECT DISTINCT q.company_id AS c FROM new_rows l JOIN quotes q ON q.id = l.quote_id) touched;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('quoteleads_lists', c::text)
      FROM (SELECT DISTINCT q.company_id AS c FROM old_rows l JOIN quotes q ON q.id = l.quote_id) touched;
  ELSE
    PERFORM pg_notify('quoteleads_lists', c::text)
      FROM (SELECT q.company_id AS c FROM new_rows l JOIN quotes q ON q.id = l.quote_id
            UNION SELECT q.company_id FROM old_rows l JOIN quotes q ON q.id = l.quote_id) touched;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A TRUNCATE names no rows: every company's answers go ('*').
CREATE FUNCTION list_truncate_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('quoteleads_lists', '*');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER leads_lists_insert AFTER INSERT ON leads
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_changes_notify();
--> statement-breakpoint
CREATE TRIGGER leads_lists_update AFTER UPDATE ON leads
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_changes_notify();
--> statement-breakpoint
CREATE TRIGGER leads_lists_delete AFTER DELETE ON leads
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION list_changes_notify();
--> statement-breakpoint
CREATE TRIGGER quotes_lists_insert AFTER INSERT ON quotes
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_changes_notify();
--> statement-breakpoint
CREATE TRIGGER quotes_lists_update AFTER UPDATE ON quotes
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_changes_notify();
--> statement-breakpoint
CREATE TRIGGER quotes_lists_delete AFTER DELETE ON quotes
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION list_changes_notify();
--> statement-breakpoint
CREATE TRIGGER quote_lines_lists_insert AFTER INSERT ON quote_line_items
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quote_lines_changes_notify();
--> statement-breakpoint
CREATE TRIGGER quote_lines_lists_update AFTER UPDATE ON quote_line_items
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quote_lines_changes_notify();
--> statement-breakpoint
CREATE TRIGGER quote_lines_lists_delete AFTER DELETE ON quote_line_items
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quote_lines_changes_notify();
--> statement-breakpoint
CREATE TRIGGER appointments_lists_insert AFTER INSERT ON appointments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_changes_notify();
--> statement-breakpoint
CREATE TRIGGER appointments_lists_update AFTER UPDATE ON appointments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION list_changes_notify();
--> statement-breakpoint
CREATE TRIGGER appointments_lists_delete AFTER DELETE ON appointments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION list_changes_notify();
--> statement-breakpoint
CREATE TRIGGER leads_lists_truncate AFTER TRUNCATE ON leads FOR EACH STATEMENT EXECUTE FUNCTION list_truncate_notify();
--> statement-breakpoint
CREATE TRIGGER quotes_lists_truncate AFTER TRUNCATE ON quotes FOR EACH STATEMENT EXECUTE FUNCTION list_truncate_notify();
--> statement-breakpoint
CREATE TRIGGER quote_lines_lists_truncate AFTER TRUNCATE ON quote_line_items FOR EACH STATEMENT EXECUTE FUNCTION list_truncate_notify();
--> statement-breakpoint
CREATE TRIGGER appointments_lists_truncate AFTER TRUNCATE ON appointments FOR EACH STATEMENT EXECUTE FUNCTION list_truncate_notify();
