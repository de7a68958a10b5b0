import { describe, expect, test } from "bun:test";
import type { LedgerEntry } from "../../../src/ledger/types";
import { abandonedRow, finalRow, isSettledStatus, keyFingerprint, nativeBackgroundOf, nextPollDelayMs, pendingRowOf } from "../../../src/proxy/native-background-state";

const created: LedgerEntry = {
  requestId: "req_1",
  clientRequestId: null,
  startedAt: new Date("2030-01-01T00:00:00Z"),
  userId: 7,
  apiKeyId: 3,
  endpoint: "/v1/responses",
  clientProtocol: "openai-responses",
  modelRequested: "bg-gpt",
  modelServed: "gpt-5",
  provider: "openai",
  upstreamProtocol: "openai-responses",
  stream: false,
  status: 200,
  errorCode: null,
  usage: { inputTokens: 40, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
  usageEstimated: true,
  latencyMs: 12,
  ttftMs: null,
};
const pending = pendingRowOf(created);
const later = created.startedAt.getTime() + 90_000;
const usage = { input_tokens: 120, input_tokens_details: { cached_tokens: 100 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 12 } };

describe("the ledger row of a native background run", () => {
  test("completed: the final usage, not an estimate; the creating request's key, user and route; latency to the end", () => {
    const row = finalRow(pending, { status: "completed", usage }, later);
    expect(row).toMatchObject({ requestId: "req_1", userId: 7, apiKeyId: 3, status: 200, errorCode: null, usageEstimated: false, latencyMs: 90_000, provider: "openai" });
    expect(row.usage).toEqual({ inputTokens: 120, outputTokens: 30, cacheReadTokens: 100, cacheWriteTokens: 0, reasoningTokens: 12 });
    expect(row.startedAt).toEqual(created.startedAt);
  });

  test("incomplete is a 200; failed says upstream_error; cancelled is 499 client_closed", () => {
    expect(finalRow(pending, { status: "incomplete", usage }, later)).toMatchObject({ status: 200, errorCode: null });
    expect(finalRow(pending, { status: "failed", usage }, later)).toMatchObject({ status: 200, errorCode: "upstream_error" });
    expect(finalRow(pending, { status: "cancelled", usage }, later)).toMatchObject({ status: 499, errorCode: "client_closed", usageEstimated: false });
  });

  test("an end without usage keeps the creation's estimate, marked as such", () => {
    const row = finalRow(pending, { status: "cancelled", usage: null }, later);
    expect(row.usage).toEqual(created.usage);
    expect(row.usageEstimated).toBe(true);
    expect(abandonedRow(pending, later, 502, "upstream_not_found")).toMatchObject({ status: 502, errorCode: "upstream_not_found", usage: created.usage, usageEstimated: true });
  });
});

describe("following", () => {
  test("each wait half again as long, up to the cap", () => {
    const delays = [1000];
    while (delays.length < 8) delays.push(nextPollDelayMs(delays.at(-1)!, 15_000));
    expect(delays).toEqual([1000, 1500, 2250, 3375, 5063, 7595, 11393, 15000]);
  });

  test("settled statuses", () => {
    expect(["completed", "incomplete", "failed", "cancelled"].every(isSettledStatus)).toBe(true);
    expect(["queued", "in_progress", undefined, 3].some(isSettledStatus)).toBe(false);
  });

  test("the marker is read only from a record that has one; the key is kept as a fingerprint that does not contain it", () => {
    const key = "sk-proj-abcdefghijklmnopqrstuvwxyz";
    const marker = { provider: "openai", key: keyFingerprint(key), stream: false, row: pending };
    expect(nativeBackgroundOf({ input: [], native_background: marker })).toEqual(marker);
    expect(nativeBackgroundOf({ input: [] })).toBeUndefined();
    expect(nativeBackgroundOf({ native_background: { provider: 3 } })).toBeUndefined();
    expect(marker.key).toHaveLength(16);
    expect(key).not.toContain(marker.key);
    expect(keyFingerprint(key)).toBe(marker.key);
    expect(keyFingerprint(`${key}x`)).not.toBe(marker.key);
  });
});
