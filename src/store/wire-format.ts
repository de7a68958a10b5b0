/**
 * JSON shapes of users, keys and usage for the admin/usage APIs and the CLI's --json output
 * (snake_case like the original's admin API, upstream notes §1.1). Never includes a key hash.
 */
import { budgetStatusOf } from "../limits/budget-status";
import type { ApiKey, Limits, SpendCounters, StoredUsageRow, UsageGroup, UsageSummary, UsageTotals, User } from "./types";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Limits as set: budget in dollars (exact: stored as micro-dollars), rates per minute; null = none. */
export function toLimitsJson(limits: Limits) {
  return {
    budget_usd: limits.budgetMicroUsd === null ? null : limits.budgetMicroUsd / 1_000_000,
    budget_period: limits.budgetMicroUsd === null ? null : (limits.budgetPeriod ?? "lifetime"),
    rpm_limit: limits.rpmLimit,
    tpm_limit: limits.tpmLimit,
  };
}

/** The budget's state now (null without a budget): spend in the current period, in-flight reservations, what is left. */
export function toBudgetJson(limits: Limits, spend: SpendCounters, now = new Date()) {
  const status = budgetStatusOf(limits, spend, now);
  if (!status) return null;
  return {
    period: status.period,
    period_start: status.period === "lifetime" ? null : iso(status.periodStart),
    resets_at: iso(status.resetsAt),
    budget_micro_usd: status.budgetMicroUsd,
    spent_micro_usd: status.spentMicroUsd,
    reserved_micro_usd: status.reservedMicroUsd,
    remaining_micro_usd: status.remainingMicroUsd,
    /** Convenience only; the micro-dollar figures are exact. */
    spent_usd: status.spentMicroUsd / 1_000_000,
    remaining_usd: status.remainingMicroUsd / 1_000_000,
  };
}

export function toUserJson(user: User) {
  return {
    id: user.id,
    uuid: user.uuid,
    email: user.email,
    role: user.role,
    display_name: user.displayName,
    status: user.status,
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    deleted_at: iso(user.deletedAt),
    limits: toLimitsJson(user.limits),
    budget: toBudgetJson(user.limits, user.spend),
  };
}

export function toApiKeyJson(key: ApiKey) {
  return {
    id: key.id,
    uuid: key.uuid,
    user_id: key.userId,
    key_prefix: key.keyPrefix,
    name: key.name,
    scopes: key.scopes,
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    created_at: iso(key.createdAt),
    updated_at: iso(key.updatedAt),
    limits: toLimitsJson(key.limits),
    budget: toBudgetJson(key.limits, key.spend),
  };
}

function toTotalsJson(totals: UsageTotals) {
  return {
    requests: totals.requests,
    prompt_tokens: totals.promptTokens,
    completion_tokens: totals.completionTokens,
    total_tokens: totals.promptTokens + totals.completionTokens,
    cache_read_tokens: totals.cacheReadTokens,
    cache_write_tokens: totals.cacheWriteTokens,
    reasoning_tokens: totals.reasoningTokens,
    cost_micro_usd: totals.costMicroUsd,
    /** Convenience only; cost_micro_usd is the exact figure. */
    cost_usd: totals.costMicroUsd / 1_000_000,
    unpriced_requests: totals.unpricedRequests,
    errors: totals.errors,
  };
}

function toGroupJson(group: UsageGroup) {
  return { day: group.day, model: group.model, ...toTotalsJson(group) };
}

export function toUsageSummaryJson(summary: UsageSummary) {
  return { totals: toTotalsJson(summary.totals), by_day_model: summary.byDayModel.map(toGroupJson) };
}

export function toUsageRowJson(row: StoredUsageRow) {
  return {
    id: row.id,
    request_id: row.requestId,
    client_request_id: row.clientRequestId,
    user_id: row.userId,
    api_key_id: row.apiKeyId,
    started_at: iso(row.startedAt),
    endpoint: row.endpoint,
    client_protocol: row.clientProtocol,
    model_requested: row.modelRequested,
    model_served: row.modelServed,
    provider: row.provider,
    upstream_protocol: row.upstreamProtocol,
    stream: row.stream,
    status: row.status,
    error_code: row.errorCode,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    cache_read_tokens: row.cacheReadTokens,
    cache_write_tokens: row.cacheWriteTokens,
    reasoning_tokens: row.reasoningTokens,
    usage_estimated: row.usageEstimated,
    cost_micro_usd: row.costMicroUsd,
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs,
  };
}
