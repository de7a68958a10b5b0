import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { claudeCodeParams, streamTurn } from "../support/provider-mocks";

/**
 * What Claude Code and Codex show when an OpenAI-compatible provider refuses a request: the
 * provider's own words, whatever envelope it wraps them in. Gemini wraps its error in an array,
 * Mistral puts pydantic's details in an object, OpenRouter puts the routed provider's error
 * under metadata.raw; the user used to read only "upstream returned HTTP 400".
 */
let mock: MockUpstream;
let gw: TestGateway;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock, {
    TOKLIGENCE_PROVIDERS__COMPAT__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__COMPAT__BASE_URL: mock.openaiBaseUrl,
    TOKLIGENCE_MODEL_ALIASES: "claude*=>compat:provider-model,gpt-5.5=>compat:provider-model",
  });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const geminiSignature = "Function call is missing a thought_signature in functionCall parts. Additional data, function call `Read`, position 2.";
/** Label, the provider's status and body, what the message must hold, and the SDK's error class. */
const refusals: Array<[string, number, unknown, string, Function]> = [
  ["Gemini (an array around the envelope)", 400, [{ error: { code: 400, message: geminiSignature, status: "INVALID_ARGUMENT" } }], geminiSignature, Anthropic.BadRequestError],
  [
    "Gemini's quota (429 RESOURCE_EXHAUSTED)",
    429,
    [{ error: { code: 429, message: "You exceeded your current quota, please check your plan and billing details.", status: "RESOURCE_EXHAUSTED" } }],
    "You exceeded your current quota",
    Anthropic.RateLimitError,
  ],
  [
    "Mistral (pydantic details in an object)",
    422,
    { object: "error", message: { detail: [{ type: "extra_forbidden", loc: ["body", "messages", 1, "assistant", "reasoning_content"], msg: "Extra inputs are not permitted", input: "x" }] }, type: "invalid_request_error", param: null, code: null },
    "Extra inputs are not permitted: messages.1.assistant.reasoning_content",
    Anthropic.UnprocessableEntityError,
  ],
  [
    "OpenRouter (the routed provider's error under metadata.raw)",
    400,
    { error: { code: 400, message: "Provider returned error", metadata: { raw: JSON.stringify({ object: "error", message: "Unexpected role 'user' after role 'tool'", type: "invalid_request_message_order", code: "3230" }), provider_name: "Mistral" } } },
    "Provider returned error (Mistral: Unexpected role 'user' after role 'tool')",
    Anthropic.BadRequestError,
  ],
];

describe("a provider's refusal as Claude Code sees it (Anthropic SDK, streamed)", () => {
  test.each(refusals)("%s", async (_label, status, body, expected, errorClass) => {
    mock.enqueue({ status, json: body });
    const error = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [{ role: "user", content: "hi" }])).catch((caught) => caught);
    expect(error).toBeInstanceOf(errorClass);
    expect(error.message).toContain(expected);
  });
});

describe("the same as Codex sees it (openai SDK, Responses)", () => {
  test("Gemini's array-wrapped refusal keeps its message", async () => {
    mock.enqueue({ status: 400, json: refusals[0]![2] });
    const error = await openai.responses.create({ model: "gpt-5.5", input: "hi" }).catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toContain(geminiSignature);
  });
});
