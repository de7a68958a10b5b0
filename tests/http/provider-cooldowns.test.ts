import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import pino from "pino";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { parseExposition, sampleValue } from "../support/prometheus-text";
import { upstreamCallsInFlight } from "../../src/upstream/client";

/**
 * Provider cooldowns (src/routing/provider-health.ts) through the whole gateway: two mock
 * providers, alpha and beta, on one `alpha|beta` route. Each test starts its own gateway, so
 * each starts with every provider healthy.
 */
let alpha: MockUpstream;
let beta: MockUpstream;
let gw: TestGateway | undefined;
/** The gateway's log lines, parsed (warnings and info: cooldowns and recoveries). */
let logLines: Array<Record<string, any>> = [];

beforeAll(async () => {
  alpha = await startMockUpstream();
  beta = await startMockUpstream();
  alpha.setDefaultText("from alpha");
  beta.setDefaultText("from beta");
});
beforeEach(() => {
  // Each test counts the requests its mocks saw from zero.
  alpha.requests.length = 0;
  beta.requests.length = 0;
  logLines = [];
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  alpha.setResponder(undefined);
  beta.setResponder(undefined);
});
afterAll(async () => {
  await alpha.stop();
  await beta.stop();
  expect(upstreamCallsInFlight()).toBe(0);
});

async function startGateway(env: Record<string, string> = {}): Promise<TestGateway> {
  gw = await startTestGateway(undefined, {
    TOKLIGENCE_PROVIDERS__ALPHA__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__ALPHA__BASE_URL: alpha.openaiBaseUrl,
    TOKLIGENCE_PROVIDERS__ALPHA__API_KEYS: "sk-alpha-1",
    TOKLIGENCE_PROVIDERS__BETA__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__BETA__BASE_URL: beta.openaiBaseUrl,
    TOKLIGENCE_PROVIDERS__BETA__API_KEYS: "sk-beta-1",
    TOKLIGENCE_ROUTES: "team-*=>alpha|beta,alpha-only=>alpha,beta-only=>beta",
    TOKLIGENCE_ROUTING__COOLDOWN_FAILURES: "2",
    TOKLIGENCE_ROUTING__COOLDOWN_SECONDS: "1",
    TOKLIGENCE_UPSTREAM__CONNECT_TIMEOUT_MS: "400",
    TOKLIGENCE_UPSTREAM__RESPONSE_TIMEOUT_MS: "400",
    TOKLIGENCE_UPSTREAM__FIRST_BYTE_TIMEOUT_MS: "400",
    TOKLIGENCE_UPSTREAM__IDLE_TIMEOUT_MS: "2000",
    ...env,
  }, {}, pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line)) }));
  return gw;
}

const chat = (gateway: TestGateway, model = "team-model", stream = false, signal?: AbortSignal) =>
  fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hi" }] }), ...(signal ? { signal } : {}) });

/** One non-streamed request: its status and the text it answered with. */
async function ask(gateway: TestGateway, model = "team-model"): Promise<{ status: number; text: string }> {
  const response = await chat(gateway, model);
  const body = (await response.json()) as { choices?: Array<{ message: { content: string } }> };
  return { status: response.status, text: body.choices?.[0]?.message.content ?? "" };
}

async function metrics(gateway: TestGateway) {
  return parseExposition(await (await fetch(`${gateway.url}/metrics`)).text());
}

const unavailable = { status: 503, json: { error: { message: "alpha is down" } } };

describe("a provider that keeps failing", () => {
  test("after two failures the next requests go straight to the next provider; after the cooldown one probe reaches it again", async () => {
    const gateway = await startGateway();
    alpha.enqueue(unavailable, unavailable);
    for (let index = 0; index < 2; index++) expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(alpha.requests).toHaveLength(2);

    // Cooling: alpha is not asked at all, beta answers at once.
    const betaBefore = beta.requests.length;
    for (let index = 0; index < 4; index++) expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(alpha.requests).toHaveLength(2);
    expect(beta.requests.length - betaBefore).toBe(4);
    let scraped = await metrics(gateway);
    expect(sampleValue(scraped, "tokligence_provider_cooldown", { provider: "alpha" })).toBe(1);
    expect(sampleValue(scraped, "tokligence_provider_cooldown", { provider: "beta" })).toBe(0);
    expect(sampleValue(scraped, "tokligence_failovers_total", { from_provider: "alpha", to_provider: "beta" })).toBe(2);

    // After the cooldown (1 s) alpha is healthy again: the probe reaches it and closes the breaker.
    await Bun.sleep(1_100);
    expect(await ask(gateway)).toEqual({ status: 200, text: "from alpha" });
    expect(alpha.requests).toHaveLength(3);
    expect(await ask(gateway)).toEqual({ status: 200, text: "from alpha" });
    scraped = await metrics(gateway);
    expect(sampleValue(scraped, "tokligence_provider_cooldown", { provider: "alpha" })).toBe(0);

    // One warning as it went into cooldown, one line as it came back.
    const cooling = logLines.filter((line) => /cooling down/.test(line.msg));
    expect(cooling).toHaveLength(1);
    expect(cooling[0]).toMatchObject({ level: 40, provider: "alpha", reason: "upstream_unavailable (503)", cooldownSeconds: 1 });
    const recovered = logLines.filter((line) => /recovered/.test(line.msg));
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ level: 30, provider: "alpha" });
    // Every request has one row, on the provider that answered it.
    expect(gateway.ledger.entries.map((row) => [row.provider, row.status])).toEqual([...Array(6).fill(["beta", 200]), ["alpha", 200], ["alpha", 200]]);
  });

  test("while the probe is in flight the other requests still skip the provider; a probe that fails re-opens it", async () => {
    const gateway = await startGateway();
    alpha.enqueue(unavailable, unavailable);
    await ask(gateway);
    await ask(gateway);
    await Bun.sleep(1_100);
    // The probe takes 300 ms to fail; three requests arrive meanwhile.
    alpha.enqueue({ ...unavailable, delayMs: 300 });
    const answers = await Promise.all([ask(gateway), ask(gateway), ask(gateway), ask(gateway)]);
    expect(answers.every((answer) => answer.status === 200 && answer.text === "from beta")).toBe(true);
    expect(alpha.requests).toHaveLength(3);
    // Re-opened, for twice as long (2 s): still skipped after the first cooldown's length.
    await Bun.sleep(1_100);
    expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(alpha.requests).toHaveLength(3);
    expect(gateway.ledger.entries).toHaveLength(7);
    expect(gateway.ledger.entries.every((row) => row.provider === "beta" && row.status === 200)).toBe(true);
  });

  test("a provider that never answers trips at once: only the first request waits out the deadline", async () => {
    const gateway = await startGateway();
    alpha.setResponder(() => ({ stall: true }));
    let started = performance.now();
    expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    for (const stream of [false, true, false]) {
      started = performance.now();
      const response = await chat(gateway, "team-model", stream);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("beta");
      expect(performance.now() - started).toBeLessThan(300);
    }
    expect(alpha.requests).toHaveLength(1);
    expect(gateway.ledger.entries.map((row) => row.provider)).toEqual(["beta", "beta", "beta", "beta"]);
  });
});

describe("routes that have nothing else to try", () => {
  test("a route whose providers all cool still answers, through the one whose cooldown ends first", async () => {
    const gateway = await startGateway({ TOKLIGENCE_ROUTING__COOLDOWN_SECONDS: "5" });
    // Single-provider routes are always tried, and their failures still count: beta trips first.
    beta.enqueue(unavailable, unavailable);
    expect((await ask(gateway, "beta-only")).status).toBe(503);
    expect((await ask(gateway, "beta-only")).status).toBe(503);
    await Bun.sleep(20);
    alpha.enqueue(unavailable, unavailable);
    expect((await ask(gateway, "alpha-only")).status).toBe(503);
    expect((await ask(gateway, "alpha-only")).status).toBe(503);
    const scraped = await metrics(gateway);
    expect(sampleValue(scraped, "tokligence_provider_cooldown", { provider: "alpha" })).toBe(1);
    expect(sampleValue(scraped, "tokligence_provider_cooldown", { provider: "beta" })).toBe(1);

    // Both cool; both are up again. Beta's cooldown ends first, so it goes first.
    const alphaBefore = alpha.requests.length;
    expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(alpha.requests.length).toBe(alphaBefore);
    // A single-provider route still reaches its cooling provider, whose success closes its breaker.
    expect(await ask(gateway, "alpha-only")).toEqual({ status: 200, text: "from alpha" });
    expect(sampleValue(await metrics(gateway), "tokligence_provider_cooldown", { provider: "alpha" })).toBe(0);
    expect(gateway.ledger.entries.map((row) => [row.provider, row.status])).toEqual([
      ["beta", 503],
      ["beta", 503],
      ["alpha", 503],
      ["alpha", 503],
      ["beta", 200],
      ["alpha", 200],
    ]);
  });
});

describe("what does not count against a provider", () => {
  test("the client's own errors, a client that left and a stream that breaks after its first byte", async () => {
    // One counted failure would trip alpha here.
    const gateway = await startGateway({ TOKLIGENCE_ROUTING__COOLDOWN_FAILURES: "1" });
    // Alpha answers by what the request says, so the scripts hold however the requests arrive.
    alpha.setResponder((request) => {
      const said = request.body?.messages?.[0]?.content;
      if (said === "bad") return { status: 400, json: { error: { message: "bad request" } } };
      if (said === "unknown") return { status: 404, json: { error: { message: "no such model" } } };
      // Slower than the client's patience, quicker than the deadline: only a 499 could count.
      if (said === "leave") return { delayMs: 200 };
      if (said === "cut") return { events: [{ data: { id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "partial" } }] } }], truncateAfter: 1 };
      return undefined;
    });
    const send = (content: string, stream = false, signal?: AbortSignal) =>
      fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "team-model", stream, messages: [{ role: "user", content }] }), ...(signal ? { signal } : {}) });
    expect((await send("bad")).status).toBe(400);
    // An unknown model fails over (another provider may serve it) but says nothing about alpha.
    expect((await send("unknown")).status).toBe(200);
    // One client that gives up (Bun's in-process client notices a second abort late: one is enough).
    const controller = new AbortController();
    const pending = send("leave", false, controller.signal).catch(() => undefined);
    await Bun.sleep(50);
    controller.abort();
    await pending;
    await Bun.sleep(250);
    expect(await (await send("cut", true)).text()).toContain("partial");
    expect(sampleValue(await metrics(gateway), "tokligence_provider_cooldown", { provider: "alpha" })).toBe(0);
    expect(await ask(gateway)).toEqual({ status: 200, text: "from alpha" });
    // Only the unknown model failed over: beta was asked once.
    expect(beta.requests).toHaveLength(1);
    expect(gateway.ledger.entries.map((row) => [row.provider, row.status])).toEqual([
      ["alpha", 400],
      ["beta", 200],
      ["alpha", 499],
      ["alpha", 200],
      ["alpha", 200],
    ]);
    expect(logLines.some((line) => /cooling down/.test(line.msg))).toBe(false);
  });

  test("a 429 the key ring answers with the provider's next key counts once, as one failure", async () => {
    const gateway = await startGateway({ TOKLIGENCE_PROVIDERS__ALPHA__API_KEYS: "sk-alpha-1,sk-alpha-2" });
    const limited = { status: 429, headers: { "retry-after": "1" }, json: { error: { message: "slow down" } } };
    alpha.enqueue(limited, limited);
    expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    // Both keys were tried (the key ring's own retry), and that is one failure, below the threshold of two.
    expect(alpha.requests.map((request) => request.headers.authorization)).toEqual(["Bearer sk-alpha-1", "Bearer sk-alpha-2"]);
    expect(sampleValue(await metrics(gateway), "tokligence_provider_cooldown", { provider: "alpha" })).toBe(0);
    // The second 429 (both keys set aside) trips it.
    alpha.enqueue(limited);
    expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(sampleValue(await metrics(gateway), "tokligence_provider_cooldown", { provider: "alpha" })).toBe(1);
  });

  test("routing.cooldown_failures = 0: every request tries the first provider again, and no gauge", async () => {
    const gateway = await startGateway({ TOKLIGENCE_ROUTING__COOLDOWN_FAILURES: "0" });
    alpha.enqueue(unavailable, unavailable, unavailable, unavailable);
    for (let index = 0; index < 4; index++) expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(alpha.requests).toHaveLength(4);
    const scraped = await metrics(gateway);
    expect(sampleValue(scraped, "tokligence_provider_cooldown", { provider: "alpha" })).toBeUndefined();
    expect(sampleValue(scraped, "tokligence_failovers_total", { from_provider: "alpha", to_provider: "beta" })).toBe(4);
  });
});

describe("a provider whose account cannot serve the request", () => {
  const quota = { status: 429, json: { error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota", code: "insufficient_quota" } } };
  const refusedKey = { status: 401, json: { error: { message: "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key" } } };

  test("quota or credit exhausted: the request goes to the next provider, which serves the next ones at once", async () => {
    const gateway = await startGateway({ TOKLIGENCE_ROUTING__COOLDOWN_FAILURES: "3" });
    alpha.enqueue(quota);
    // Before this, an exhausted account ended the request with the quota error although beta could serve it.
    expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    // One such failure sets alpha aside for the longest cooldown (no retry soon fixes a quota).
    for (let index = 0; index < 3; index++) expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(alpha.requests).toHaveLength(1);
    expect(sampleValue(await metrics(gateway), "tokligence_provider_cooldown", { provider: "alpha" })).toBe(1);
    const cooling = logLines.filter((line) => /cooling down/.test(line.msg));
    expect(cooling).toHaveLength(1);
    expect(cooling[0]).toMatchObject({ provider: "alpha", reason: "quota exhausted, upstream_rate_limited (429)", cooldownSeconds: 300 });
    expect(gateway.ledger.entries.map((row) => [row.provider, row.status])).toEqual(Array(4).fill(["beta", 200]));
    // A route with alpha alone still tries it, and the client gets the quota error as it was.
    alpha.enqueue(quota);
    const alone = await chat(gateway, "alpha-only");
    expect(alone.status).toBe(429);
    expect(((await alone.json()) as { error: { code: string } }).error.code).toBe("insufficient_quota");
  });

  test("the gateway's key refused (401): the next provider serves; a client's bad request (400) never fails over", async () => {
    const gateway = await startGateway();
    alpha.enqueue(refusedKey);
    expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(sampleValue(await metrics(gateway), "tokligence_provider_cooldown", { provider: "alpha" })).toBe(1);
    expect(await ask(gateway)).toEqual({ status: 200, text: "from beta" });
    expect(alpha.requests).toHaveLength(1);
  });

  // A provider declared without api_keys (a hosted one whose key the operator forgot) sends no
  // Authorization, and its 401 reached the log as the upstream's words alone ("Authentication
  // Fails"), which read as if the gateway's own key were wrong. The warning names what is missing.
  test("a provider without a key refuses the request: the warning says it has no key and where to set one", async () => {
    const gateway = await startGateway({ TOKLIGENCE_PROVIDERS__ALPHA__API_KEYS: "" });
    alpha.enqueue(refusedKey);
    expect((await chat(gateway, "alpha-only")).status).toBe(401);
    expect(alpha.requests[0]!.headers.authorization).toBeUndefined();
    const failed = logLines.filter((line) => /^upstream attempt failed/.test(line.msg));
    expect(failed).toHaveLength(1);
    expect(failed[0]!.msg).toContain("provider alpha has no API key configured: set TOKLIGENCE_PROVIDERS__ALPHA__API_KEYS (or api_keys under [providers.alpha])");
    // With a key, the refusal is about that key: no such hint.
    beta.enqueue(refusedKey);
    expect((await chat(gateway, "beta-only")).status).toBe(401);
    const keyed = logLines.filter((line) => /^upstream attempt failed/.test(line.msg) && line.provider === "beta");
    expect(keyed).toHaveLength(1);
    expect(keyed[0]!.msg).not.toContain("no API key configured");
  });

  test("one refused key among several: set aside, and the same request goes with the next key", async () => {
    const gateway = await startGateway({ TOKLIGENCE_PROVIDERS__ALPHA__API_KEYS: "sk-alpha-revoked,sk-alpha-good" });
    alpha.setResponder((request) => (request.headers.authorization === "Bearer sk-alpha-revoked" ? refusedKey : undefined));
    for (let index = 0; index < 4; index++) expect(await ask(gateway)).toEqual({ status: 200, text: "from alpha" });
    // The revoked key was tried once, then left out: the other requests went straight to the good one.
    expect(alpha.requests.map((request) => request.headers.authorization)).toEqual(["Bearer sk-alpha-revoked", ...Array(4).fill("Bearer sk-alpha-good")]);
    expect(beta.requests).toHaveLength(0);
    expect(sampleValue(await metrics(gateway), "tokligence_provider_cooldown", { provider: "alpha" })).toBe(0);
    const warned = logLines.filter((line) => /refused one of its API keys/.test(line.msg));
    expect(warned).toHaveLength(1);
    // The key itself never reaches the log.
    expect(JSON.stringify(logLines)).not.toContain("sk-alpha-revoked");
  });

  test("a key whose quota is used up among several stays aside longer than the 429's retry-after", async () => {
    const gateway = await startGateway({ TOKLIGENCE_PROVIDERS__ALPHA__API_KEYS: "sk-alpha-spent,sk-alpha-good" });
    alpha.setResponder((request) => (request.headers.authorization === "Bearer sk-alpha-spent" ? { ...quota, headers: { "retry-after": "1" } } : undefined));
    expect(await ask(gateway)).toEqual({ status: 200, text: "from alpha" });
    // A rate limit's key would be back after its 1 s; a spent quota's is not.
    await Bun.sleep(1_100);
    for (let index = 0; index < 3; index++) expect(await ask(gateway)).toEqual({ status: 200, text: "from alpha" });
    expect(alpha.requests.map((request) => request.headers.authorization)).toEqual(["Bearer sk-alpha-spent", ...Array(4).fill("Bearer sk-alpha-good")]);
  });
});
