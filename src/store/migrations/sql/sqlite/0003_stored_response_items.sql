CREATE TABLE `stored_response_items` (
	`response_id` text NOT NULL,
	`item_id` text NOT NULL,
	`in_output` integer NOT NULL,
	PRIMARY KEY(`response_id`, `item_id`)
);
--> statement-breakpoint
CREATE INDEX `idx_stored_response_items_item_id` ON `stored_response_items` (`item_id`);--> statement-breakpoint
ALTER TABLE `stored_responses` ADD `deleted_at` integer;--> statement-breakpoint
-- Responses stored before this table existed get their rows too (the ids stored-response-items.ts
-- indexes on each write): output items with an id, then input items, an input item without an id
-- under its listing id. Output first, so an id in both counts as output.
INSERT OR IGNORE INTO `stored_response_items` (`response_id`, `item_id`, `in_output`)
SELECT r.`id`, json_extract(o.`value`, '$.id'), 1
FROM `stored_responses` r, json_each(r.`response_json`, '$.output') o
WHERE json_type(r.`response_json`, '$.output') = 'array' AND o.`type` = 'object' AND json_type(o.`value`, '$.id') = 'text' AND json_extract(o.`value`, '$.id') <> '';
--> statement-breakpoint
INSERT OR IGNORE INTO `stored_response_items` (`response_id`, `item_id`, `in_output`)
SELECT r.`id`,
  CASE
    WHEN i.`type` = 'object' AND json_type(i.`value`, '$.id') = 'text' AND json_extract(i.`value`, '$.id') <> '' THEN json_extract(i.`value`, '$.id')
    WHEN i.`type` = 'object' AND json_extract(i.`value`, '$.type') = 'message' THEN 'msg_' || r.`id` || '_' || i.`key`
    ELSE 'item_' || r.`id` || '_' || i.`key`
  END,
  0
FROM `stored_responses` r, json_each(r.`request_json`, '$.input') i
WHERE json_type(r.`request_json`, '$.input') = 'array';
