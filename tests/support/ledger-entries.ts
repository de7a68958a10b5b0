/** LedgerEntry builders for tests. */
import type { LedgerEntry } from "../../src/ledger/types";

export function makeLedgerEntry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    requestId: `req_${crypto.randomUUID()}`,
    clientRequestId: null,
    startedAt: new Date("2025-03-04T10:00:00.000Z"),
    userId: null,
    apiKeyId: null,
    endpoint: "/v1/chat/completions",
    clientProtocol: "openai-chat",
    modelRequested: "gpt-4o",
    modelServed: "gpt-4o",
    provider: "openai",
    upstreamProtocol: "openai-chat",
    stream: false,
    status: 200,
    errorCode: null,
    usage: { inputTokens: 1000, outputTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    usageEstimated: false,
    latencyMs: 120,
    ttftMs: null,
    ...overrides,
  };
}
