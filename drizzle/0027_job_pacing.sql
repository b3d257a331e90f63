CREATE TABLE "job_pacing" (
	"company_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"next_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "job_pacing_company_id_kind_pk" PRIMARY KEY("company_id","kind")
);
