/**
 * PostgreSQL schema (postgres.js). Same tables and columns as `sqlite.ts`; types mapped per
 * notes/packaging-and-stack.md §7: timestamptz, boolean, jsonb, identity ids. Token counters
 * and money are bigint (read as JS numbers) so a bogus upstream count cannot overflow int4
 * and block a ledger batch.
 */
import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

const tz = { withTimezone: true, mode: "date" } as const;
const num = { mode: "number" } as const;

/** Budget and rate-limit columns (src/limits; documented in schema/sqlite.ts), built per table. */
function limitColumns() {
  return {
    budgetMicroUsd: bigint("budget_micro_usd", num),
    budgetPeriod: text("budget_period"),
    rpmLimit: integer("rpm_limit"),
    tpmLimit: integer("tpm_limit"),
    spentMicroUsd: bigint("spent_micro_usd", num).notNull().default(0),
    reservedMicroUsd: bigint("reserved_micro_usd", num).notNull().default(0),
    spendPeriodStart: timestamp("spend_period_start", tz),
  };
}

export const users = pgTable(
  "users",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    uuid: text("uuid").notNull().unique(),
    email: text("email").notNull().unique(),
    role: text("role").notNull(),
    displayName: text("display_name"),
    status: text("status").notNull().default("active"),
    createdAt: timestamp("created_at", tz).notNull(),
    updatedAt: timestamp("updated_at", tz).notNull(),
    deletedAt: timestamp("deleted_at", tz),
    ...limitColumns(),
  },
  (t) => [index("idx_users_role").on(t.role), index("idx_users_deleted_at").on(t.deletedAt)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    uuid: text("uuid").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    keyHash: text("key_hash").notNull().unique(),
    keyPrefix: text("key_prefix").notNull(),
    name: text("name"),
    scopes: jsonb("scopes").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    expiresAt: timestamp("expires_at", tz),
    revokedAt: timestamp("revoked_at", tz),
    createdAt: timestamp("created_at", tz).notNull(),
    updatedAt: timestamp("updated_at", tz).notNull(),
    ...limitColumns(),
  },
  (t) => [index("idx_api_keys_user_id").on(t.userId), index("idx_api_keys_key_prefix").on(t.keyPrefix)],
);

export const usageEntries = pgTable(
  "usage_entries",
  {
    id: bigint("id", num).primaryKey().generatedByDefaultAsIdentity(),
    requestId: text("request_id").notNull(),
    clientRequestId: text("client_request_id"),
    userId: integer("user_id"),
    apiKeyId: integer("api_key_id"),
    endpoint: text("endpoint").notNull(),
    clientProtocol: text("client_protocol").notNull(),
    modelRequested: text("model_requested").notNull(),
    modelServed: text("model_served"),
    provider: text("provider"),
    upstreamProtocol: text("upstream_protocol"),
    stream: boolean("stream").notNull(),
    status: integer("status").notNull(),
    errorCode: text("error_code"),
    promptTokens: bigint("prompt_tokens", num).notNull(),
    completionTokens: bigint("completion_tokens", num).notNull(),
    cacheReadTokens: bigint("cache_read_tokens", num).notNull(),
    cacheWriteTokens: bigint("cache_write_tokens", num).notNull(),
    reasoningTokens: bigint("reasoning_tokens", num).notNull(),
    usageEstimated: boolean("usage_estimated").notNull(),
    costMicroUsd: bigint("cost_micro_usd", num),
    latencyMs: integer("latency_ms").notNull(),
    ttftMs: integer("ttft_ms"),
    startedAt: timestamp("started_at", tz).notNull(),
    createdAt: timestamp("created_at", tz).notNull(),
  },
  (t) => [
    uniqueIndex("uq_usage_entries_request_id").on(t.requestId),
    index("idx_usage_entries_user_started").on(t.userId, t.startedAt),
    index("idx_usage_entries_started").on(t.startedAt),
    index("idx_usage_entries_key_started").on(t.apiKeyId, t.startedAt),
  ],
);

export const storedResponses = pgTable(
  "stored_responses",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id"),
    createdAt: timestamp("created_at", tz).notNull(),
    expiresAt: timestamp("expires_at", tz),
    model: text("model").notNull(),
    requestJson: jsonb("request_json").notNull(),
    responseJson: jsonb("response_json").notNull(),
    /** A deleted response that was still running (documented in schema/sqlite.ts). */
    deletedAt: timestamp("deleted_at", tz),
  },
  (t) => [index("idx_stored_responses_expires_at").on(t.expiresAt), index("idx_stored_responses_user_id").on(t.userId)],
);

/** Item ids of stored responses, for item_reference lookups (documented in schema/sqlite.ts). */
export const storedResponseItems = pgTable(
  "stored_response_items",
  {
    responseId: text("response_id").notNull(),
    itemId: text("item_id").notNull(),
    inOutput: boolean("in_output").notNull(),
  },
  (t) => [primaryKey({ columns: [t.responseId, t.itemId] }), index("idx_stored_response_items_item_id").on(t.itemId)],
);

export const budgetReservations = pgTable(
  "budget_reservations",
  {
    id: text("id").primaryKey(),
    apiKeyId: integer("api_key_id"),
    userId: integer("user_id"),
    keyMicroUsd: bigint("key_micro_usd", num).notNull(),
    userMicroUsd: bigint("user_micro_usd", num).notNull(),
    createdAt: timestamp("created_at", tz).notNull(),
    expiresAt: timestamp("expires_at", tz).notNull(),
  },
  (t) => [index("idx_budget_reservations_expires_at").on(t.expiresAt)],
);
