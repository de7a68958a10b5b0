CREATE TABLE "stored_response_items" (
	"response_id" text NOT NULL,
	"item_id" text NOT NULL,
	"in_output" boolean NOT NULL,
	CONSTRAINT "stored_response_items_response_id_item_id_pk" PRIMARY KEY("response_id","item_id")
);
--> statement-breakpoint
ALTER TABLE "stored_responses" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "idx_stored_response_items_item_id" ON "stored_response_items" USING btree ("item_id");--> statement-breakpoint
-- Responses stored before this table existed get their rows too (the ids stored-response-items.ts
-- indexes on each write): output items with an id, then input items, an input item without an id
-- under its listing id. Output first, so an id in both counts as output.
INSERT INTO "stored_response_items" ("response_id", "item_id", "in_output")
SELECT r."id", o.value->>'id', true
FROM "stored_responses" r,
  jsonb_array_elements(CASE WHEN jsonb_typeof(r."response_json"->'output') = 'array' THEN r."response_json"->'output' ELSE '[]'::jsonb END) AS o(value)
WHERE jsonb_typeof(o.value) = 'object' AND jsonb_typeof(o.value->'id') = 'string' AND o.value->>'id' <> ''
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "stored_response_items" ("response_id", "item_id", "in_output")
SELECT r."id",
  CASE
    WHEN jsonb_typeof(i.value) = 'object' AND jsonb_typeof(i.value->'id') = 'string' AND i.value->>'id' <> '' THEN i.value->>'id'
    WHEN jsonb_typeof(i.value) = 'object' AND i.value->>'type' = 'message' THEN 'msg_' || r."id" || '_' || (i.position - 1)
    ELSE 'item_' || r."id" || '_' || (i.position - 1)
  END,
  false
FROM "stored_responses" r,
  jsonb_array_elements(CASE WHEN jsonb_typeof(r."request_json"->'input') = 'array' THEN r."request_json"->'input' ELSE '[]'::jsonb END) WITH ORDINALITY AS i(value, position)
ON CONFLICT DO NOTHING;
