CREATE TABLE "instant_reply_jobs" (
	"lead_id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"claimed_until" timestamp (3) with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"done_at" timestamp (3) with time zone,
	"outcome" text,
	"message_id" uuid
);
--> statement-breakpoint
CREATE TABLE "sms_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"lead_id" uuid NOT NULL,
	"direction" text NOT NULL,
	"body" text NOT NULL,
	"status" text NOT NULL,
	"segments" smallint NOT NULL,
	"error_code" text,
	"provider" text NOT NULL,
	"provider_sid" text,
	"from_number" text,
	"to_number" text,
	"kind" text DEFAULT 'message' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "instant_reply_jobs" ADD CONSTRAINT "instant_reply_jobs_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instant_reply_jobs" ADD CONSTRAINT "instant_reply_jobs_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD CONSTRAINT "sms_messages_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD CONSTRAINT "sms_messages_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "instant_reply_jobs_due_idx" ON "instant_reply_jobs" USING btree ("created_at") WHERE done_at is null;--> statement-breakpoint
CREATE INDEX "sms_messages_lead_created_idx" ON "sms_messages" USING btree ("lead_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "sms_messages_provider_sid_idx" ON "sms_messages" USING btree ("provider_sid");--> statement-breakpoint
CREATE UNIQUE INDEX "sms_messages_instant_reply_idx" ON "sms_messages" USING btree ("lead_id") WHERE kind = 'instant_reply';