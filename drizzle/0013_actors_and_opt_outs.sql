CREATE TABLE "lead_erasures" (
	"company_id" uuid NOT NULL,
	"lead_id" uuid NOT NULL,
	"erased_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "lead_erasures_company_id_lead_id_pk" PRIMARY KEY("company_id","lead_id")
);
--> statement-breakpoint
CREATE TABLE "sms_opt_outs" (
	"company_id" uuid NOT NULL,
	"phone" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "sms_opt_outs_company_id_phone_pk" PRIMARY KEY("company_id","phone")
);
--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "sms_paused" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "lead_id" uuid;--> statement-breakpoint
ALTER TABLE "outbox_events" ADD COLUMN "actor" jsonb;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD COLUMN "sender" jsonb;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD COLUMN "origin_key" text;--> statement-breakpoint
-- Messages written before senders were kept: inbound ones are the lead's, instant replies the
-- automation's; who sent an earlier outbound text was not recorded, so `system` with no id.
UPDATE "sms_messages" SET "sender" = CASE
    WHEN "direction" = 'inbound' THEN jsonb_build_object('type', 'lead', 'id', "lead_id", 'name', NULL)
    WHEN "kind" = 'instant_reply' THEN jsonb_build_object('type', 'automation', 'id', NULL, 'name', 'Instant reply')
    ELSE jsonb_build_object('type', 'system', 'id', NULL, 'name', NULL) END,
  "origin_key" = CASE WHEN "kind" = 'instant_reply' THEN 'instant_reply:' || "lead_id" END;--> statement-breakpoint
ALTER TABLE "sms_messages" ALTER COLUMN "sender" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "actor" jsonb;--> statement-breakpoint
ALTER TABLE "lead_erasures" ADD CONSTRAINT "lead_erasures_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sms_opt_outs" ADD CONSTRAINT "sms_opt_outs_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sms_messages_origin_key_idx" ON "sms_messages" USING btree ("company_id","origin_key");--> statement-breakpoint
-- Opt-outs recorded on leads so far become the company's suppression of their numbers,
INSERT INTO "sms_opt_outs" ("company_id", "phone", "created_at")
  SELECT DISTINCT "company_id", "phone", now() FROM "leads" WHERE "sms_opted_out" AND "phone" IS NOT NULL
  ON CONFLICT DO NOTHING;--> statement-breakpoint
-- and every lead of the company with such a number reads opted out.
UPDATE "leads" l SET "sms_opted_out" = true FROM "sms_opt_outs" o
  WHERE o."company_id" = l."company_id" AND o."phone" = l."phone" AND NOT l."sms_opted_out";
