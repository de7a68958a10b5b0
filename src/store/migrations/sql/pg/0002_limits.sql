CREATE TABLE "budget_reservations" (
	"id" text PRIMARY KEY NOT NULL,
	"api_key_id" integer,
	"user_id" integer,
	"key_micro_usd" bigint NOT NULL,
	"user_micro_usd" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "budget_micro_usd" bigint;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "budget_period" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "rpm_limit" integer;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "tpm_limit" integer;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "spent_micro_usd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "reserved_micro_usd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "spend_period_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "budget_micro_usd" bigint;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "budget_period" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "rpm_limit" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "tpm_limit" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "spent_micro_usd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "reserved_micro_usd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "spend_period_start" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "idx_budget_reservations_expires_at" ON "budget_reservations" USING btree ("expires_at");