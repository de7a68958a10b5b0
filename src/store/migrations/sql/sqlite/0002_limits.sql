CREATE TABLE `budget_reservations` (
	`id` text PRIMARY KEY NOT NULL,
	`api_key_id` integer,
	`user_id` integer,
	`key_micro_usd` integer NOT NULL,
	`user_micro_usd` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `idx_budget_reservations_expires_at` ON `budget_reservations` (`expires_at`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `budget_micro_usd` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `budget_period` text;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `rpm_limit` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `tpm_limit` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `spent_micro_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `reserved_micro_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `spend_period_start` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `budget_micro_usd` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `budget_period` text;--> statement-breakpoint
ALTER TABLE `users` ADD `rpm_limit` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `tpm_limit` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `spent_micro_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `reserved_micro_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `spend_period_start` integer;