DROP INDEX "leads_company_created_idx";--> statement-breakpoint
DROP INDEX "leads_company_stage_created_idx";--> statement-breakpoint
DROP INDEX "leads_company_ai_status_created_idx";--> statement-breakpoint
CREATE INDEX "leads_company_created_idx" ON "leads" USING btree ("company_id","created_at","id");--> statement-breakpoint
CREATE INDEX "leads_company_stage_created_idx" ON "leads" USING btree ("company_id","pipeline_stage","created_at","id");--> statement-breakpoint
CREATE INDEX "leads_company_ai_status_created_idx" ON "leads" USING btree ("company_id","ai_status","created_at","id");