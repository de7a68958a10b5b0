/** LedgerEntry → stored row: sanitised counters and strings, plus the cost. */
import type { UsageRow } from "../store/types";
import { computeCostMicroUsd, type PriceTable } from "./price-table";
import type { LedgerEntry } from "./types";

const MAX_TEXT = 512;

/** A counter as a non-negative integer: upstreams occasionally send nonsense (metrics count the same way). */
export function toCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/**
 * Strings come from clients (model names): strip NUL, which PostgreSQL text refuses, and cap
 * the length, so no row can be poison that blocks every batch behind it.
 */
function toText(value: string): string {
  const clean = value.replaceAll("\u0000", "");
  return clean.length > MAX_TEXT ? clean.slice(0, MAX_TEXT) : clean;
}

function toOptionalText(value: string | null): string | null {
  return value === null ? null : toText(value);
}

function usesTokens(usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number }): boolean {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens > 0;
}

export function toUsageRow(entry: LedgerEntry, prices: PriceTable | null, now: Date): UsageRow {
  const usage = {
    inputTokens: toCount(entry.usage.inputTokens),
    outputTokens: toCount(entry.usage.outputTokens),
    cacheReadTokens: toCount(entry.usage.cacheReadTokens),
    cacheWriteTokens: toCount(entry.usage.cacheWriteTokens),
    reasoningTokens: toCount(entry.usage.reasoningTokens),
  };
  const price = prices?.find(entry.modelServed ?? entry.modelRequested) ?? null;
  return {
    requestId: toText(entry.requestId),
    clientRequestId: toOptionalText(entry.clientRequestId),
    userId: entry.userId,
    apiKeyId: entry.apiKeyId,
    endpoint: toText(entry.endpoint),
    clientProtocol: entry.clientProtocol,
    modelRequested: toText(entry.modelRequested),
    modelServed: toOptionalText(entry.modelServed),
    provider: toOptionalText(entry.provider),
    upstreamProtocol: entry.upstreamProtocol,
    stream: entry.stream,
    status: Math.trunc(entry.status),
    errorCode: toOptionalText(entry.errorCode),
    promptTokens: usage.inputTokens,
    completionTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
    usageEstimated: entry.usageEstimated,
    // A row without tokens (a refusal, a 401, an unknown model) spent nothing: its cost is 0, not
    // "unpriced", which would count every refused request among the usage summaries' unpriced_requests.
    costMicroUsd: price ? computeCostMicroUsd(price, usage) : usesTokens(usage) ? null : 0,
    latencyMs: toCount(entry.latencyMs),
    ttftMs: entry.ttftMs === null ? null : toCount(entry.ttftMs),
    startedAt: entry.startedAt,
    createdAt: now,
  };
}
