import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import pino from "pino";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";

/**
 * Translated requests fitted to the target model family, as a Responses client (Codex, the
 * OpenAI SDK) meets them on a Claude upstream: reasoning on a Claude without thinking, a valid
 * budget on one with it, a cap above the model's output lowered, and what the operator sees.
 */
let mock: MockUpstream;
let gw: TestGateway;
let openai: OpenAI;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  mock = await startMockUpstream();
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  gw = await startTestGateway(mock, { TOKLIGENCE_ROUTES: "claude*=>anthropic,local_*=>anthropic", TOKLIGENCE_MODELS__LOCAL_CLAUDE__MAX_OUTPUT_TOKENS: "2000" }, {}, logger);
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

/** The body the mock Anthropic upstream received for the latest call. */
const lastAnthropicBody = () => mock.requests.filter((request) => request.path.endsWith("/messages")).at(-1)!.body;
const noticesAbout = (text: string) => logLines.filter((line) => String(line.msg).includes(text));

describe("a Responses client's reasoning on Claude families", () => {
  test("reasoning effort high on claude-3-5-haiku: 200 with the answer, and the upstream got no thinking (told once, then at debug)", async () => {
    for (let turn = 0; turn < 2; turn++) {
      const response = await openai.responses.create({ model: "claude-3-5-haiku-20241022", input: "hi", reasoning: { effort: "high" } });
      expect(response.status).toBe("completed");
      expect(response.output_text.length).toBeGreaterThan(0);
      const upstream = lastAnthropicBody();
      expect(upstream.model).toBe("claude-3-5-haiku-20241022");
      expect(upstream.thinking).toBeUndefined();
      expect(upstream.max_tokens).toBeLessThanOrEqual(8_192);
    }
    const told = noticesAbout("thinking left out");
    expect(told.map((line) => line.level)).toEqual([40, 20]);
    expect(told[0]).toMatchObject({ provider: "anthropic", model: "claude-3-5-haiku-20241022" });
  });

  test("the same on claude-sonnet-4-5: thinking with a budget Anthropic accepts (1,024 ≤ budget < max_tokens)", async () => {
    const stream = await openai.responses.create({ model: "claude-sonnet-4-5", input: "hi", reasoning: { effort: "high" }, stream: true });
    let status = "";
    for await (const event of stream) if (event.type === "response.completed") status = event.response.status ?? "";
    expect(status).toBe("completed");
    const upstream = lastAnthropicBody();
    expect(upstream.thinking).toEqual({ type: "enabled", budget_tokens: 24_576 });
    expect(upstream.thinking.budget_tokens).toBeGreaterThanOrEqual(1_024);
    expect(upstream.thinking.budget_tokens).toBeLessThan(upstream.max_tokens);
    expect(upstream.max_tokens).toBeLessThanOrEqual(64_000);
  });
});

describe("output caps above the model's maximum", () => {
  test("a Responses cap of 32k on claude-3-5-haiku reaches Anthropic as 8,192 (a debug line, no warning)", async () => {
    const response = await openai.responses.create({ model: "claude-3-5-haiku-latest", input: "hi", max_output_tokens: 32_000 });
    expect(response.status).toBe("completed");
    expect(lastAnthropicBody().max_tokens).toBe(8_192);
    expect(noticesAbout("max_tokens lowered").every((line) => line.level === 20)).toBe(true);
    expect(noticesAbout("max_tokens lowered").length).toBeGreaterThan(0);
  });

  test("a Chat client's cap on a model the operator configured under [models] is lowered to the configured maximum", async () => {
    const completion = await openai.chat.completions.create({ model: "local_claude", messages: [{ role: "user", content: "hi" }], max_tokens: 10_000 });
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(lastAnthropicBody()).toMatchObject({ model: "local_claude", max_tokens: 2_000 });
  });
});

describe("native passthrough", () => {
  test("an Anthropic client's own request to Claude is forwarded untouched: the provider checks it", async () => {
    const body = { model: "claude-3-5-haiku-20241022", max_tokens: 32_000, thinking: { type: "enabled", budget_tokens: 31_999 }, messages: [{ role: "user", content: "hi" }] };
    const response = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    expect(lastAnthropicBody()).toEqual(body);
  });
});
