import { describe, expect, test } from "bun:test";
import type { LedgerEntry } from "../../../src/ledger/types";
import { computeCostMicroUsd, loadPriceTable, parsePriceTable } from "../../../src/ledger/price-table";
import { costMicroUsd, toNumericPrice } from "../../../src/metrics/cost";
import { createGatewayMetrics } from "../../../src/metrics/gateway-metrics";
import { MemoryLedgerSink } from "../../../src/ledger/memory-sink";
import { observingLedger } from "../../../src/metrics/observing-ledger";
import { createSilentLogger } from "../../../src/log/logger";
import { makeLedgerEntry } from "../../support/ledger-entries";
import { parseExposition, sampleValue, samplesOf } from "../../support/prometheus-text";

/** The shared test row, with the figures these tests read (cached input, reasoning, a known key and user). */
function row(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return makeLedgerEntry({
    requestId: "req_1",
    startedAt: new Date(0),
    userId: 7,
    apiKeyId: 9,
    usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 400, cacheWriteTokens: 0, reasoningTokens: 20 },
    latencyMs: 800,
    ...overrides,
  });
}

const sources = { requestsInFlight: () => 2, upstreamCallsInFlight: () => 1, ledger: new MemoryLedgerSink(), version: "9.9.9", commit: "c0ffee" };

function metricsWith(maxSeries?: number) {
  return createGatewayMetrics({ prices: loadPriceTable(), sources, ...(maxSeries === undefined ? {} : { maxSeries }) });
}

describe("request metrics", () => {
  test("a row adds to requests, duration, tokens and cost with the ledger's figures; no user, key or request id becomes a label", () => {
    const metrics = metricsWith();
    metrics.observe(row());
    metrics.observe(row({ stream: true, ttftMs: 120, latencyMs: 2600 }));
    metrics.observe(row({ modelServed: null, provider: null, status: 404, errorCode: "model_not_found", modelRequested: "nope", usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, latencyMs: 1 }));
    const text = metrics.render();
    const parsed = parseExposition(text);
    expect(sampleValue(parsed, "tokligence_requests_total", { endpoint: "/v1/chat/completions", provider: "openai", model: "gpt-4o", status: "200" })).toBe(2);
    expect(sampleValue(parsed, "tokligence_requests_total", { endpoint: "/v1/chat/completions", provider: "", model: "", status: "404" })).toBe(1);
    expect(samplesOf(parsed, "tokligence_request_errors_total").map((sample) => [sample.labels, sample.value])).toEqual([[{ endpoint: "/v1/chat/completions", provider: "", error_code: "model_not_found" }, 1]]);
    expect(sampleValue(parsed, "tokligence_request_duration_seconds_sum", { endpoint: "/v1/chat/completions", provider: "openai", stream: "false" })).toBe(0.8);
    expect(sampleValue(parsed, "tokligence_request_duration_seconds_bucket", { endpoint: "/v1/chat/completions", provider: "openai", stream: "true", le: "2.5" })).toBe(0);
    expect(sampleValue(parsed, "tokligence_request_duration_seconds_bucket", { endpoint: "/v1/chat/completions", provider: "openai", stream: "true", le: "5" })).toBe(1);
    // Only the stream has a time to first token.
    expect(samplesOf(parsed, "tokligence_time_to_first_token_seconds_count").map((sample) => sample.value)).toEqual([1]);
    expect(sampleValue(parsed, "tokligence_time_to_first_token_seconds_sum", { endpoint: "/v1/chat/completions", provider: "openai" })).toBe(0.12);
    const tokens = (type: string) => sampleValue(parsed, "tokligence_tokens_total", { provider: "openai", model: "gpt-4o", type });
    expect([tokens("input"), tokens("output"), tokens("cache_read"), tokens("cache_write")]).toEqual([2000, 200, 800, undefined]);
    // gpt-4o: $2.50 input, $1.25 cached input, $10 output per 1M tokens, as the ledger prices it.
    const perRow = computeCostMicroUsd(loadPriceTable().find("gpt-4o")!, row().usage);
    expect(perRow).toBe(600 * 2.5 + 400 * 1.25 + 100 * 10);
    expect(sampleValue(parsed, "tokligence_cost_usd_total", { provider: "openai", model: "gpt-4o" })).toBe((2 * perRow) / 1e6);
    for (const secret of ["req_1", "userId", "apiKey", "user_id", "api_key"]) expect(text).not.toContain(secret);
    // The runtime gauges come from their sources.
    expect(sampleValue(parsed, "tokligence_requests_in_flight")).toBe(2);
    expect(sampleValue(parsed, "tokligence_upstream_calls_in_flight")).toBe(1);
    expect(sampleValue(parsed, "tokligence_build_info", { version: "9.9.9", commit: "c0ffee" })).toBe(1);
    expect(parsed.types.get("process_cpu_seconds_total")).toBe("counter");
    expect(sampleValue(parsed, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(sampleValue(parsed, "process_start_time_seconds")).toBeLessThanOrEqual(Date.now() / 1000);
  });

  test("a model without a price adds tokens and no cost; without a price table there is no cost at all", () => {
    const metrics = metricsWith();
    metrics.observe(row({ modelServed: "my-local-llama", provider: "vllm" }));
    const parsed = parseExposition(metrics.render());
    expect(sampleValue(parsed, "tokligence_tokens_total", { provider: "vllm", model: "my-local-llama", type: "input" })).toBe(1000);
    expect(samplesOf(parsed, "tokligence_cost_usd_total")).toEqual([]);
    const unpriced = createGatewayMetrics({ prices: null, sources });
    unpriced.observe(row());
    expect(samplesOf(parseExposition(unpriced.render()), "tokligence_cost_usd_total")).toEqual([]);
  });

  test("client-chosen model names past the cap fold into __other__, and every request is still counted", () => {
    const metrics = metricsWith(20);
    for (let index = 0; index < 200; index++) metrics.observe(row({ modelServed: `gpt-client-${index}`, modelRequested: `gpt-client-${index}` }));
    const parsed = parseExposition(metrics.render());
    const requests = samplesOf(parsed, "tokligence_requests_total");
    expect(requests.length).toBeLessThanOrEqual(21);
    expect(requests.reduce((sum, sample) => sum + sample.value, 0)).toBe(200);
    expect(sampleValue(parsed, "tokligence_requests_total", { endpoint: "/v1/chat/completions", provider: "openai", model: "__other__", status: "200" })).toBe(180);
    const input = samplesOf(parsed, "tokligence_tokens_total").filter((sample) => sample.labels.type === "input");
    expect(input.reduce((sum, sample) => sum + sample.value, 0)).toBe(200 * 1000);
    expect(sampleValue(parsed, "tokligence_tokens_total", { provider: "openai", model: "__other__", type: "input" })).toBeGreaterThan(0);
  });

  test("the observing ledger counts each row it writes, and keeps the sink's optional parts optional", async () => {
    const metrics = metricsWith();
    const sink = new MemoryLedgerSink();
    const ledger = observingLedger(sink, metrics.observe, createSilentLogger());
    await ledger.record(row());
    expect(sink.entries).toHaveLength(1);
    expect(ledger.failing).toBeUndefined();
    expect(ledger.spilledCount).toBeUndefined();
    expect(sampleValue(parseExposition(metrics.render()), "tokligence_requests_total", { endpoint: "/v1/chat/completions", provider: "openai", model: "gpt-4o", status: "200" })).toBe(1);
    // A fault in counting never costs the row.
    const broken = observingLedger(sink, () => {
      throw new Error("bug");
    }, createSilentLogger());
    await broken.record(row());
    expect(sink.entries).toHaveLength(2);
  });

  // What a row costs, for whoever wants to measure it on a quiet machine (not run here: timing
  // assertions on a shared machine are flaky, and the gateway's benchmarks are the real measure).
  // Per row: one key string, one Map lookup, then additions and a bucket scan per histogram; no
  // BigInt, no object per row.
  //   const m = metricsWith(); const r = row(); const t = Bun.nanoseconds();
  //   for (let i = 0; i < 1e6; i++) m.observe(r);
  //   console.log((Bun.nanoseconds() - t) / 1e6, "ns per row");
});

describe("cost arithmetic", () => {
  test("plain-number cost equals the ledger's BigInt cost, also where rounding and huge counts matter", () => {
    const table = parsePriceTable(`
[[prices]]
model = "odd"
input = 0.15
output = 0.6
cache_read = 0.075
cache_write = 0.1875

[[prices]]
model = "dear"
input = 75
output = 150
`);
    const prices = [table.find("odd")!, table.find("dear")!, loadPriceTable().find("gpt-4o")!, loadPriceTable().find("claude-sonnet-4-5")!];
    let seed = 12345;
    const random = (max: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % max;
    };
    const cases: Array<[number, number, number, number]> = [
      [0, 0, 0, 0],
      [10, 0, 7, 0],
      [3, 0, 0, 0],
      [1, 1, 1, 1],
      [0, 0, 1_000_000, 0],
      [3_000_000_000, 1_000_000_000, 0, 0],
      [2 ** 40, 2 ** 40, 2 ** 39, 2 ** 38],
    ];
    for (let index = 0; index < 2000; index++) {
      const input = random(2_000_000);
      cases.push([input, random(200_000), random(input + 1), random(1000)]);
    }
    for (const price of prices) {
      const numeric = toNumericPrice(price);
      for (const [input, output, cacheRead, cacheWrite] of cases) {
        const expected = computeCostMicroUsd(price, { inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite, reasoningTokens: 0 });
        expect({ price: price.pattern, input, output, cacheRead, cacheWrite, cost: costMicroUsd(numeric, input, output, cacheRead, cacheWrite) }).toEqual({ price: price.pattern, input, output, cacheRead, cacheWrite, cost: expected });
      }
    }
  });
});
