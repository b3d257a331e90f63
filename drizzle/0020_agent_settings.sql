CREATE TABLE "agent_settings" (
	"company_id" uuid PRIMARY KEY NOT NULL,
	"enabled" boolean NOT NULL,
	"engine" text NOT NULL,
	"instructions" text NOT NULL,
	"goals" text[] NOT NULL,
	"rules" jsonb NOT NULL,
	"service_postcodes" text[] NOT NULL,
	"max_agent_messages_per_lead" integer NOT NULL,
	"handoff_keywords" text[] NOT NULL,
	"business_hours" jsonb NOT NULL,
	"slot_minutes" jsonb NOT NULL,
	"min_notice_minutes" integer NOT NULL,
	"days_ahead" integer NOT NULL,
	"closed_dates" text[] NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agent_settings" ADD CONSTRAINT "agent_settings_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;