-- Quote and appointment counts for list totals, kept by statement-level triggers with transition
-- tables (as lead_counters in 0002): a list page never counts rows unless it filters by time. Quotes
-- are created one at a time under the company's quote-number lock, so one counter row per status
-- is enough; appointment bookings are rare beside reads.
CREATE FUNCTION quote_status_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quote_status_counts (company_id, status, n)
    SELECT company_id, status, sum(d) FROM (
      SELECT company_id, status, 1 AS d FROM new_rows
      UNION ALL
      SELECT company_id, status, -1 AS d FROM old_rows
    ) changes GROUP BY 1, 2 HAVING sum(d) <> 0
    ORDER BY 1, 2
  ON CONFLICT (company_id, status) DO UPDATE SET n = quote_status_counts.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION quote_status_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quote_status_counts (company_id, status, n)
    SELECT company_id, status, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (company_id, status) DO UPDATE SET n = quote_status_counts.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION quote_status_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quote_status_counts (company_id, status, n)
    SELECT company_id, status, -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (company_id, status) DO UPDATE SET n = quote_status_counts.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER quotes_count_insert AFTER INSERT ON quotes
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quote_status_counts_insert();
--> statement-breakpoint
CREATE TRIGGER quotes_count_update AFTER UPDATE ON quotes
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quote_status_counts_apply();
--> statement-breakpoint
CREATE TRIGGER quotes_count_delete AFTER DELETE ON quotes
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quote_status_counts_delete();
--> statement-breakpoint
CREATE FUNCTION appointment_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO appointment_counts (company_id, appointment_type, status, n)
    SELECT company_id, appointment_type, status, count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (company_id, appointment_type, status) DO UPDATE SET n = appointment_counts.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION appointment_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO appointment_counts (company_id, appointment_type, status, n)
    SELECT company_id, appointment_type, status, -count(*) FROM old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (company_id, appointment_type, status) DO UPDATE SET n = appointment_counts.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION appointment_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO appointment_counts (company_id, appointment_type, status, n)
    SELECT company_id, appointment_type, status, sum(d) FROM (
      SELECT company_id, appointment_type, status, 1 AS d FROM new_rows
      UNION ALL
      SELECT company_id, appointment_type, status, -1 AS d FROM old_rows
    ) changes GROUP BY 1, 2, 3 HAVING sum(d) <> 0
    ORDER BY 1, 2, 3
  ON CONFLICT (company_id, appointment_type, status) DO UPDATE SET n = appointment_counts.n + excluded.n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER appointments_count_insert AFTER INSERT ON appointments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION appointment_counts_insert();
--> statement-breakpoint
CREATE TRIGGER appointments_count_update AFTER UPDATE ON appointments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION appointment_counts_update();
--> statement-breakpoint
CREATE TRIGGER appointments_count_delete AFTER DELETE ON appointments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION appointment_counts_delete();
--> statement-breakpoint
-- Rules the service checks too, held by the database as well.
ALTER TABLE quote_line_items ADD CONSTRAINT quote_line_items_amounts_check
  CHECK (quantity_milli > 0 AND unit_price_cents >= 0 AND subtotal_cents >= 0);
--> statement-breakpoint
ALTER TABLE quotes ADD CONSTRAINT quotes_totals_check
  CHECK (subtotal_cents + tax_cents = total_cents AND tax_cents >= 0 AND subtotal_cents >= 0);
--> statement-breakpoint
ALTER TABLE appointments ADD CONSTRAINT appointments_times_check CHECK (end_time > start_time);
