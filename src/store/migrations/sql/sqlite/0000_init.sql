CREATE TABLE `api_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`user_id` integer NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`name` text,
	`scopes` text DEFAULT '[]' NOT NULL,
	`expires_at` integer,
	`revoked_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_uuid_unique` ON `api_keys` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `idx_api_keys_user_id` ON `api_keys` (`user_id`);--> statement-breakpoint
CREATE INDEX `idx_api_keys_key_prefix` ON `api_keys` (`key_prefix`);--> statement-breakpoint
CREATE TABLE `stored_responses` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`model` text NOT NULL,
	`request_json` text NOT NULL,
	`response_json` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `idx_stored_responses_expires_at` ON `stored_responses` (`expires_at`);--> statement-breakpoint
CREATE INDEX `idx_stored_responses_user_id` ON `stored_responses` (`user_id`);--> statement-breakpoint
CREATE TABLE `usage_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` text NOT NULL,
	`user_id` integer,
	`api_key_id` integer,
	`endpoint` text NOT NULL,
	`client_protocol` text NOT NULL,
	`model_requested` text NOT NULL,
	`model_served` text,
	`provider` text,
	`upstream_protocol` text,
	`stream` integer NOT NULL,
	`status` integer NOT NULL,
	`error_code` text,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`cache_read_tokens` integer NOT NULL,
	`cache_write_tokens` integer NOT NULL,
	`reasoning_tokens` integer NOT NULL,
	`usage_estimated` integer NOT NULL,
	`cost_micro_usd` integer,
	`latency_ms` integer NOT NULL,
	`ttft_ms` integer,
	`started_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_usage_entries_request_id` ON `usage_entries` (`request_id`);--> statement-breakpoint
CREATE INDEX `idx_usage_entries_user_started` ON `usage_entries` (`user_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `idx_usage_entries_started` ON `usage_entries` (`started_at`);--> statement-breakpoint
CREATE INDEX `idx_usage_entries_key_started` ON `usage_entries` (`api_key_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`display_name` text,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_uuid_unique` ON `users` (`uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `idx_users_role` ON `users` (`role`);--> statement-breakpoint
CREATE INDEX `idx_users_deleted_at` ON `users` (`deleted_at`);