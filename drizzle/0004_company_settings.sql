ALTER TABLE "companies" ADD COLUMN "currency" text DEFAULT 'AUD' NOT NULL;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "tax_rate" numeric(6, 5) DEFAULT '0.1' NOT NULL;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "tax_mode" text DEFAULT 'exclusive' NOT NULL;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "timezone" text DEFAULT 'Australia/Sydney' NOT NULL;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "instant_reply" text;