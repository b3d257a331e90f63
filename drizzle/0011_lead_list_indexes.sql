DROP INDEX "appointments_lead_idx";--> statement-breakpoint
DROP INDEX "quotes_lead_idx";--> statement-breakpoint
CREATE INDEX "appointments_lead_start_idx" ON "appointments" USING btree ("lead_id","start_time","id");--> statement-breakpoint
CREATE INDEX "quotes_lead_created_idx" ON "quotes" USING btree ("lead_id","created_at","id");