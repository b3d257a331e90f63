CREATE TABLE "intake_form_texts" (
	"form_id" uuid NOT NULL,
	"hour" timestamp (3) with time zone NOT NULL,
	"texts" integer NOT NULL,
	CONSTRAINT "intake_form_texts_form_id_hour_pk" PRIMARY KEY("form_id","hour")
);
--> statement-breakpoint
CREATE TABLE "intake_forms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"company_id" uuid NOT NULL,
	"name" text NOT NULL,
	"public_key" text NOT NULL,
	"source" text NOT NULL,
	"allowed_origins" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"allow_no_origin" boolean DEFAULT false NOT NULL,
	"thank_you_url" text,
	"field_mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"captcha_provider" text,
	"captcha_site_key" text,
	"captcha_secret_ciphertext" text,
	"texts_per_hour" integer DEFAULT 30 NOT NULL,
	"min_fill_seconds" integer DEFAULT 3 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "auto_text_held" text;--> statement-breakpoint
ALTER TABLE "lead_submissions" ADD COLUMN "form_id" uuid;--> statement-breakpoint
ALTER TABLE "intake_form_texts" ADD CONSTRAINT "intake_form_texts_form_id_intake_forms_id_fk" FOREIGN KEY ("form_id") REFERENCES "public"."intake_forms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intake_forms" ADD CONSTRAINT "intake_forms_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "intake_forms_public_key_idx" ON "intake_forms" USING btree ("public_key");--> statement-breakpoint
CREATE INDEX "intake_forms_company_idx" ON "intake_forms" USING btree ("company_id","created_at");--> statement-breakpoint
ALTER TABLE "lead_submissions" ADD CONSTRAINT "lead_submissions_form_id_intake_forms_id_fk" FOREIGN KEY ("form_id") REFERENCES "public"."intake_forms"("id") ON DELETE set null ON UPDATE no action;