import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { type MockResponder, type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { chatStream, claudeCodeParams, streamTurn } from "../support/provider-mocks";

/**
 * Claude Code asks 32,000 output tokens (128,000 for its largest model names); models on
 * compatible servers give less, and the servers refuse the whole request: Groq with the model's
 * maximum in its message, vLLM with its context window less the prompt. Every Claude Code
 * request failed until the user found CLAUDE_CODE_MAX_OUTPUT_TOKENS. The mocks refuse as those
 * servers do.
 */
let mock: MockUpstream;
let gw: TestGateway;
let anthropic: Anthropic;

const provider = (name: string) => ({ [`TOKLIGENCE_PROVIDERS__${name}__KIND`]: "openai-compatible", [`TOKLIGENCE_PROVIDERS__${name}__BASE_URL`]: mock.openaiBaseUrl });
const answer = (model: string) => ({ events: chatStream(model, [{ role: "assistant", content: "Hi." }], "stop", { prompt_tokens: 1200, completion_tokens: 2, total_tokens: 1202 }) });

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock, { ...provider("GROQ"), ...provider("VLLM"), TOKLIGENCE_MODEL_ALIASES: "claude-opus*=>groq:moonshotai/kimi-k2-instruct,claude*=>vllm:Qwen/Qwen3-Coder-30B" });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const sentCaps = (from: number) => mock.requests.slice(from).filter((r) => r.path.endsWith("/chat/completions")).map((r) => r.body.max_tokens);

describe("an output cap above what the model gives", () => {
  test("Groq names the model's maximum: sent again with it, and later requests carry it at once", async () => {
    const groq: MockResponder = (request) =>
      request.body.max_tokens > 16384 ? { status: 400, json: { error: { message: "`max_tokens` must be less than or equal to `16384`", type: "invalid_request_error" } } } : answer(String(request.body.model));
    mock.setResponder(groq);
    const before = mock.requests.length;
    const first = await streamTurn(anthropic, { ...claudeCodeParams("claude-opus-5-5", [{ role: "user", content: "hi" }]), max_tokens: 128_000 });
    expect(first.content.find((block) => block.type === "text")).toMatchObject({ text: "Hi." });
    expect(sentCaps(before)).toEqual([128_000, 16_384]);

    const middle = mock.requests.length;
    await streamTurn(anthropic, { ...claudeCodeParams("claude-opus-5-5", [{ role: "user", content: "again" }]), max_tokens: 128_000 });
    expect(sentCaps(middle)).toEqual([16_384]);
  });

  test("vLLM's limit is its window less the prompt: lowered for each such request, not remembered", async () => {
    const window = 32_768;
    const vllm: MockResponder = (request) => {
      const promptTokens = 1200;
      if (request.body.max_tokens + promptTokens <= window) return answer(String(request.body.model));
      const message = `'max_tokens' or 'max_completion_tokens' is too large: ${request.body.max_tokens}. This model's maximum context length is ${window} tokens and your request has ${promptTokens} input tokens (${request.body.max_tokens} > ${window} - ${promptTokens}).`;
      return { status: 400, json: { object: "error", message, type: "BadRequestError", param: null, code: 400 } };
    };
    mock.setResponder(vllm);
    for (let turn = 0; turn < 2; turn++) {
      const before = mock.requests.length;
      const reply = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [{ role: "user", content: "hi" }]));
      expect(reply.content.find((block) => block.type === "text")).toMatchObject({ text: "Hi." });
      expect(sentCaps(before)).toEqual([32_000, 31_568]);
    }
  });
});
