CREATE INDEX "notifications_created_idx" ON "notifications" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "team_texts_created_idx" ON "team_texts" USING btree ("created_at");