CREATE TABLE "agent_turns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"lead_id" uuid NOT NULL,
	"trigger" text NOT NULL,
	"engine" text NOT NULL,
	"outcome" text NOT NULL,
	"through" timestamp (3) with time zone,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"transcript" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "ai_score_reason" text;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "qualification" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "agent_paused" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "agent_paused_reason" text;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "origin_key" text;--> statement-breakpoint
ALTER TABLE "agent_turns" ADD CONSTRAINT "agent_turns_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_turns" ADD CONSTRAINT "agent_turns_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agent_turns_trigger_idx" ON "agent_turns" USING btree ("company_id","trigger");--> statement-breakpoint
CREATE INDEX "agent_turns_lead_idx" ON "agent_turns" USING btree ("lead_id","created_at");--> statement-breakpoint
CREATE INDEX "agent_turns_company_created_idx" ON "agent_turns" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "appointments_origin_key_idx" ON "appointments" USING btree ("company_id","origin_key");