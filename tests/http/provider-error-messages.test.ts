import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { claudeCodeParams, streamTurn } from "../support/provider-mocks";
import { sdkClients } from "../support/sdk-clients";

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
  ({ anthropic, openai } = sdkClients(gw.url));
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
    // Anthropic's API never answers 422: its clients get the 400 it uses for a malformed request.
    Anthropic.BadRequestError,
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

/**
 * E04: a prompt over the model's window. Claude Code compacts the conversation when the message
 * starts "prompt is too long", Codex when the code is context_length_exceeded; compatible servers
 * say it in their own words only, and both clients stopped instead.
 */
const overflows: Array<[string, unknown]> = [
  ["DeepSeek", { error: { message: "This model's maximum context length is 131072 tokens. However, you requested 172000 tokens (140000 in the messages, 32000 in the completion). Please reduce the length of the messages or completion.", type: "invalid_request_error", param: null, code: "invalid_request_error" } }],
  ["Gemini", [{ error: { code: 400, message: "The input token count (1054016) exceeds the maximum number of tokens allowed (1048576).", status: "INVALID_ARGUMENT" } }]],
  ["Mistral", { object: "error", message: "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length", type: "invalid_request_error", param: null, code: "3051" }],
  ["xAI", { code: "Client specified an invalid argument", error: "This model's maximum prompt length is 131072 but the request contains 200000 tokens." }],
];

describe("a prompt too long for the model", () => {
  test.each(overflows)("%s: Claude Code reads 'prompt is too long', Codex context_length_exceeded", async (_label, body) => {
    mock.enqueue({ status: 400, json: body });
    const error = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [{ role: "user", content: "hi" }])).catch((caught) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.error.error.message).toStartWith("prompt is too long: ");

    mock.enqueue({ status: 400, json: body });
    const codexError = await openai.responses.create({ model: "gpt-5.5", input: "hi" }).catch((caught) => caught);
    expect(codexError).toBeInstanceOf(OpenAI.BadRequestError);
    expect(codexError.code).toBe("context_length_exceeded");
  });
});
