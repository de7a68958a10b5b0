/**
 * The real Codex CLI on a Claude route (the mock answers in Anthropic Messages) when the upstream
 * misbehaves: a stream cut off before message_stop (Codex reconnects and finishes), a rate limit
 * (retried after the hint, then served) and an exhausted credit balance (Codex's quota message at
 * once, no retry), and an overload in mid-stream (stopped with Codex's capacity message). Codex runs with its default retry settings, as a developer has them.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { describeWhenCodexRuns, runCodexExec } from "../support/codex-cli";
import { defaultAnthropicEvents, type MockResponder, type MockUpstream, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";

const describeIfCodex = describeWhenCodexRuns("codex-failures compat");

let mock: MockUpstream | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await mock?.stop();
  gw = undefined;
  mock = undefined;
});

const finalText = "FINAL after the upstream recovered";

/** Codex's turn requests (a Messages POST), whatever side requests it makes. */
const turns = (requests: RecordedRequest[]) => requests.filter((request) => request.path === "/v1/messages");

async function runOnClaude(responder: MockResponder) {
  mock = await startMockUpstream();
  mock.setResponder(responder);
  gw = await startTestGateway(mock, { TOKLIGENCE_OPENAI_API_KEY: "", TOKLIGENCE_MODEL_ALIASES: "gpt-5.5=>anthropic:claude-sonnet-4-6" });
  const run = await runCodexExec({ gatewayUrl: gw.url, prompt: "Say hello.", retries: "defaults", timeoutMs: 40_000 });
  return { run, diagnostics: `exit ${run.exitCode}${run.timedOut ? " (killed by the timer)" : ""}\nstdout:\n${run.stdout.slice(-1500)}\nstderr:\n${run.stderr.slice(-3000)}` };
}

describeIfCodex("Codex CLI on a Claude route when the upstream fails", () => {
  test("a stream cut off before message_stop: Codex reconnects and finishes; the cut answer is an estimated, flagged ledger row", async () => {
    let answered = 0;
    const { run, diagnostics } = await runOnClaude((request) => {
      if (request.path !== "/v1/messages") return undefined;
      const model = String(request.body.model);
      if (answered++ === 0) return { events: defaultAnthropicEvents(model, "partial text that is cut off"), truncateAfter: 4 };
      return { events: defaultAnthropicEvents(model, finalText) };
    });
    expect(run.exitCode, diagnostics).toBe(0);
    expect(run.stdout).toContain(finalText);
    expect(run.stderr).toContain("Reconnecting... 1/");
    expect(turns(mock!.requests)).toHaveLength(2);
    const rows = gw!.ledger.entries;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ endpoint: "/v1/responses", status: 200, errorCode: "upstream_stream_broken", usageEstimated: true });
    expect(rows[1]).toMatchObject({ endpoint: "/v1/responses", status: 200, errorCode: null, usageEstimated: false });
  }, 55_000);

  test("an Anthropic rate limit (429, retry-after): Codex waits, retries and is served", async () => {
    let answered = 0;
    const { run, diagnostics } = await runOnClaude((request) => {
      if (request.path !== "/v1/messages") return undefined;
      if (answered++ === 0) return { status: 429, headers: { "retry-after": "1" }, json: { type: "error", error: { type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" } } };
      return { events: defaultAnthropicEvents(String(request.body.model), finalText) };
    });
    expect(run.exitCode, diagnostics).toBe(0);
    expect(run.stdout).toContain(finalText);
    expect(turns(mock!.requests)).toHaveLength(2);
    expect(gw!.ledger.entries.map((e) => [e.status, e.errorCode])).toEqual([
      [429, "upstream_rate_limited"],
      [200, null],
    ]);
  }, 55_000);

  test("an exhausted Anthropic credit balance: Codex shows its quota message after one request, no retries", async () => {
    const { run, diagnostics } = await runOnClaude((request) =>
      request.path === "/v1/messages" ? { status: 400, json: { type: "error", error: { type: "invalid_request_error", message: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits." } } } : undefined,
    );
    expect(run.exitCode, diagnostics).not.toBe(0);
    expect(run.timedOut).toBe(false);
    // OpenAI's insufficient_quota is the one code Codex treats as a quota problem (fatal, never retried).
    expect(run.stderr, diagnostics).toContain("Quota exceeded");
    expect(run.stderr).not.toContain("Reconnecting");
    expect(turns(mock!.requests)).toHaveLength(1);
    // The row keeps the catalogue status (the upstream's 400), as rows do for every rendered error (shutdown-drain.test.ts).
    expect(gw!.ledger.entries.map((e) => [e.status, e.errorCode])).toEqual([[400, "upstream_quota_exceeded"]]);
  }, 55_000);

  test("an Anthropic overloaded_error mid-stream: Codex is told server_is_overloaded, as OpenAI says it, and stops with its capacity message", async () => {
    const { run, diagnostics } = await runOnClaude((request) => {
      if (request.path !== "/v1/messages") return undefined;
      const events = defaultAnthropicEvents(String(request.body.model), "partial text that breaks")!;
      return { events: [...events.slice(0, 4), { event: "error", data: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } }] };
    });
    // Codex 0.169 does not retry ServerOverloaded (it suggests another model); an Anthropic 529
    // before the first byte gets the same answer (503 server_is_overloaded).
    expect(run.exitCode, diagnostics).not.toBe(0);
    expect(run.stderr, diagnostics).toContain("Selected model is at capacity");
    expect(turns(mock!.requests)).toHaveLength(1);
    expect(gw!.ledger.entries).toHaveLength(1);
    expect(gw!.ledger.entries[0]).toMatchObject({ status: 200, errorCode: "upstream_stream_broken", usageEstimated: true });
  }, 55_000);
});
