import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defaultAnthropicEvents, defaultChatEvents, type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { upstreamCallsInFlight } from "../../src/upstream/client";

// Both upstream clients meet every fault: the gateway's own (lone calls to http:// upstreams)
// and fetch (https, proxies, and calls made while others are in flight).
for (const client of ["auto", "fetch"] as const) {
  describe(`upstream.client = ${client}`, () => {
    let primary: MockUpstream;
    let backup: MockUpstream;
    let gw: TestGateway;

    beforeAll(async () => {
      primary = await startMockUpstream();
      backup = await startMockUpstream();
      backup.setDefaultText("from the backup");
      gw = await startTestGateway(primary, {
        TOKLIGENCE_PROVIDERS__BACKUP__KIND: "openai-compatible",
        TOKLIGENCE_PROVIDERS__BACKUP__BASE_URL: backup.openaiBaseUrl,
        TOKLIGENCE_PROVIDERS__BACKUP__API_KEYS: "sk-backup-1",
        TOKLIGENCE_PROVIDERS__DEAD__KIND: "openai-compatible",
        TOKLIGENCE_PROVIDERS__DEAD__BASE_URL: "http://127.0.0.1:9/v1",
        TOKLIGENCE_ROUTES: "team-*=>openai|backup,dead-first=>dead|backup",
        TOKLIGENCE_UPSTREAM__CONNECT_TIMEOUT_MS: "1000",
        TOKLIGENCE_UPSTREAM__RESPONSE_TIMEOUT_MS: "1000",
        TOKLIGENCE_UPSTREAM__FIRST_BYTE_TIMEOUT_MS: "1000",
        TOKLIGENCE_UPSTREAM__IDLE_TIMEOUT_MS: "1000",
        TOKLIGENCE_SERVER__KEEPALIVE_INTERVAL_MS: "100",
        TOKLIGENCE_UPSTREAM__CLIENT: client,
        // Each test scripts one fault for one request; cooldowns would send later requests past
        // the faulted provider, leaving its scripts queued. They have tests of their own
        // (provider-cooldowns.test.ts).
        TOKLIGENCE_ROUTING__COOLDOWN_FAILURES: "0",
      });
    });
    afterAll(async () => {
      await gw.stop();
      await primary.stop();
      await backup.stop();
      // Every call, streamed, cut, aborted or failed over, gave its in-flight slot back: a leaked
      // slot would send all later calls through fetch (src/upstream/client.ts).
      expect(upstreamCallsInFlight()).toBe(0);
    });

    const chat = (model: string, stream = false) =>
      fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }) });

    describe("failover before the first byte", () => {
      for (const [name, script] of [
        ["a 500", { status: 500, json: { error: { message: "boom" } } }],
        ["a 429", { status: 429, headers: { "retry-after": "2" }, json: { error: { message: "slow down" } } }],
        ["a 503", { status: 503, json: { error: { message: "unavailable" } } }],
        ["a stall (timeout)", { stall: true }],
      ] as const) {
        test(`${name} on the first provider moves to the next one`, async () => {
          primary.enqueue(script as never);
          const response = await chat("team-model");
          expect(response.status).toBe(200);
          expect(((await response.json()) as any).choices[0].message.content).toBe("from the backup");
          expect(backup.requests.at(-1)!.headers.authorization).toBe("Bearer sk-backup-1");
          expect(gw.ledger.entries.at(-1)!.provider).toBe("backup");
        });
      }

      test("a connect failure moves to the next provider", async () => {
        const response = await chat("dead-first");
        expect(response.status).toBe(200);
        expect(gw.ledger.entries.at(-1)!.provider).toBe("backup");
      });

      test("a stream whose connection breaks before the first byte fails over", async () => {
        primary.enqueue({ reset: true });
        const events = await readSse(await chat("team-model", true));
        expect(events.at(-1)!.raw).toBe("[DONE]");
        expect(gw.ledger.entries.at(-1)!.provider).toBe("backup");
      });

      test("a 400 is the client's fault: no failover, status kept", async () => {
        primary.enqueue({ status: 400, json: { error: { message: "bad request here" } } });
        const before = backup.requests.length;
        const response = await chat("team-model");
        expect(response.status).toBe(400);
        expect(backup.requests.length).toBe(before);
      });
    });

    describe("a non-streamed answer whose body never comes", () => {
      test("504 in the caller's protocol after the idle deadline, the upstream request aborted, the refusal in the ledger", async () => {
        primary.enqueue({ stallBody: true });
        const started = performance.now();
        const response = await chat("gpt-4o-mini");
        const elapsed = performance.now() - started;
        expect(response.status).toBe(504);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe("timeout");
        // The idle deadline (1000 ms here) applies to the whole body; not the test's own timeout.
        expect(elapsed).toBeGreaterThanOrEqual(350);
        expect(elapsed).toBeLessThan(5_000);
        expect(gw.ledger.entries.at(-1)).toMatchObject({ status: 504, errorCode: "upstream_timeout" });
        await Bun.sleep(50);
        expect(primary.requests.at(-1)!.aborted).toBe(true);
      });

      test("no byte has reached the client yet, so the route fails over to its next provider", async () => {
        primary.enqueue({ stallBody: true });
        const response = await chat("team-stalled-body");
        expect(response.status).toBe(200);
        expect(JSON.stringify(await response.json())).toContain("from the backup");
      });
    });

    describe("answers that are not what was asked for", () => {
      test("a streamed request answered with JSON is an upstream error before the first byte, so the route fails over", async () => {
        primary.enqueue({ json: { error: { message: "proxy says no" } } });
        const response = await chat("team-model", true);
        expect(response.status).toBe(200);
        expect(await response.text()).toContain('"content":"backup"');
        expect(gw.ledger.entries.at(-1)!.provider).toBe("backup");

        primary.enqueue({ json: { id: "msg_1", type: "message", content: [] } });
        const translated = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "x" }] }) });
        expect(translated.status).toBe(502);
        expect(((await translated.json()) as any).error.message).toContain("instead of an event stream");
      });

      test("a translated answer without the protocol's answer list is a 502, not an empty success", async () => {
        primary.enqueue({ json: { weird: true } });
        const response = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }] }) });
        expect(response.status).toBe(502);
        expect(((await response.json()) as any).error.message).toContain("no content list");
        expect(gw.ledger.entries.at(-1)).toMatchObject({ status: 502 });
      });
    });

    describe("after the first byte, never fail over", () => {
      test("an upstream that stalls mid-stream ends in one error event (idle deadline), not a silent close", async () => {
        primary.enqueue({ events: defaultChatEvents("m", "a b c d", true), stallAfter: 2 });
        const before = backup.requests.length;
        const events = await readSse(await chat("team-model", true));
        expect(backup.requests.length).toBe(before);
        const last = events.at(-1)!;
        // OpenAI clients get OpenAI's word for it; the ledger keeps the catalogue code.
        expect(last.data.error).toMatchObject({ type: "server_error", code: "timeout" });
        expect(events.some((e) => e.raw === "[DONE]")).toBe(false);
        expect(gw.ledger.entries.at(-1)!.errorCode).toBe("upstream_timeout");
      });

      test("a truncated Anthropic stream ends with an Anthropic error event", async () => {
        primary.enqueue({ events: defaultAnthropicEvents("claude-x", "a b c"), truncateAfter: 3 });
        const response = await fetch(`${gw.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 5, stream: true, messages: [{ role: "user", content: "x" }] }) });
        const events = await readSse(response);
        expect(events.at(-1)!.event).toBe("error");
        expect(events.at(-1)!.data.error.type).toBe("api_error");
        expect(events.some((e) => e.event === "message_stop")).toBe(false);
      });

      test("a truncated Anthropic stream translated for OpenAI clients ends in an error, never a made-up finish", async () => {
        const post = (path: string, body: object) => fetch(`${gw.url}${path}`, { method: "POST", body: JSON.stringify({ model: "claude-sonnet-4-5", stream: true, ...body }) });
        primary.enqueue({ events: defaultAnthropicEvents("claude-x", "a b c"), truncateAfter: 4 });
        const chatEvents = await readSse(await post("/v1/chat/completions", { messages: [{ role: "user", content: "x" }] }));
        expect(chatEvents.at(-1)!.data.error).toMatchObject({ type: "server_error" });
        expect(chatEvents.some((e) => e.raw === "[DONE]" || e.data?.choices?.[0]?.finish_reason)).toBe(false);
        expect(gw.ledger.entries.at(-1)!.errorCode).toBe("upstream_stream_broken");

        primary.enqueue({ events: defaultAnthropicEvents("claude-x", "a b c"), truncateAfter: 4 });
        const responsesEvents = await readSse(await post("/v1/responses", { input: "x" }));
        expect(responsesEvents.some((e) => e.event === "response.completed")).toBe(false);
        expect(["response.failed", "error"]).toContain(responsesEvents.at(-1)!.event ?? "");
        expect(gw.ledger.entries.at(-1)!.errorCode).toBe("upstream_stream_broken");
      });

      test("a Chat upstream that closes before any chunk is no empty answer for an Anthropic client: nothing was sent, so the route fails over", async () => {
        primary.enqueue({ events: defaultChatEvents("m", "a b", true), truncateAfter: 0 });
        const response = await fetch(`${gw.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "team-model", max_tokens: 5, stream: true, messages: [{ role: "user", content: "x" }] }) });
        const events = await readSse(response);
        expect(events.some((e) => e.event === "error")).toBe(false);
        expect(events.filter((e) => e.event === "content_block_delta").map((e) => e.data.delta.text).join("")).toBe("from the backup");
        expect(events.at(-1)!.event).toBe("message_stop");
      });

      test("quiet streams get keep-alive pings in the client's protocol", async () => {
        primary.enqueue({ events: defaultAnthropicEvents("claude-x", "a b"), intervalMs: 300 });
        const response = await fetch(`${gw.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 5, stream: true, messages: [{ role: "user", content: "x" }] }) });
        const text = await response.text();
        // The mock sends no ping of its own in defaultAnthropicEvents: these come from the gateway.
        expect(text).toContain('event: ping\ndata: {"type": "ping"}');
        primary.enqueue({ events: defaultChatEvents("m", "a b", true), intervalMs: 300 });
        expect(await (await chat("team-model", true)).text()).toContain(": ping\n\n");
      });

      test("a quiet translated Responses stream repeats response.in_progress, which Codex's event timer counts (SR09)", async () => {
        primary.enqueue({ events: defaultAnthropicEvents("claude-x", "a b"), intervalMs: 300 });
        const response = await fetch(`${gw.url}/v1/responses`, { method: "POST", body: JSON.stringify({ model: "claude-sonnet-4-5", stream: true, store: false, input: "x" }) });
        const text = await response.text();
        expect(text).not.toContain(": ping");
        const events = text
          .split("\n\n")
          .filter((block) => block.includes("data: "))
          .map((block) => JSON.parse(block.slice(block.indexOf("data: ") + 6)) as { type: string; sequence_number: number; response?: { id: string; status: string } });
        const inProgress = events.filter((event) => event.type === "response.in_progress");
        // The one after response.created, and at least one for the quiet gaps between the mock's events.
        expect(inProgress.length).toBeGreaterThan(1);
        expect(new Set(inProgress.map((event) => event.response!.id)).size).toBe(1);
        expect(inProgress.every((event) => event.response!.status === "in_progress")).toBe(true);
        expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
        expect(events.at(-1)!.type).toBe("response.completed");
      });
    });
  });
}
