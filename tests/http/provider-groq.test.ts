import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { type MockScript, type MockUpstream, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { chatChunk, chatMessages, claudeCodeParams, streamTurn, toolResultsFor } from "../support/provider-mocks";

/**
 * Claude Code on Groq's gpt-oss. Groq streams the model's reasoning as `reasoning` (Claude Code
 * keeps it as a thinking block and replays it), tool calls whole in one chunk, `x_groq` beside
 * the chunks; and it refuses any reasoning field on a replayed message, which the gateway used
 * to send as reasoning_content on every tool-call turn: the second turn of each tool loop failed.
 */
const MODEL = "openai/gpt-oss-120b";

let mock: MockUpstream;
let gw: TestGateway;
let anthropic: Anthropic;

function groqRefusal(request: RecordedRequest): MockScript | undefined {
  for (const [index, message] of chatMessages(request).entries()) {
    for (const field of ["reasoning_content", "reasoning", "reasoning_details"]) {
      if (field in message) return { status: 400, json: { error: { message: `property 'messages.${index}.${field}' is unsupported`, type: "invalid_request_error" } } };
    }
  }
  return undefined;
}

function groqAnswer(request: RecordedRequest): MockScript {
  const usage = { queue_time: 0.01, prompt_tokens: 60, prompt_time: 0.002, completion_tokens: 12, completion_time: 0.01, total_tokens: 72, total_time: 0.012 };
  const done = [chatChunk(MODEL, {}, "stop", { x_groq: { id: "req_1", usage } }), { data: { id: "chatcmpl-provider", object: "chat.completion.chunk", created: 1, model: MODEL, choices: [], usage } }, { data: "[DONE]" }];
  if (chatMessages(request).at(-1)?.role === "tool") {
    return { events: [chatChunk(MODEL, { role: "assistant", content: "", reasoning: "The tool answered." }), chatChunk(MODEL, { content: "It says hello." }), ...done] };
  }
  const call = { id: "fc_5e6a", type: "function", function: { name: "Read", arguments: '{"file_path":"/tmp/a.txt"}' }, index: 0 };
  return {
    events: [
      chatChunk(MODEL, { role: "assistant", content: "" }, null, { x_groq: { id: "req_1" } }),
      chatChunk(MODEL, { reasoning: "I need the file." }),
      chatChunk(MODEL, { tool_calls: [call] }),
      chatChunk(MODEL, {}, "tool_calls", { x_groq: { id: "req_1", usage } }),
      { data: { id: "chatcmpl-provider", object: "chat.completion.chunk", created: 1, model: MODEL, choices: [], usage } },
      { data: "[DONE]" },
    ],
  };
}

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.setResponder((request) => (request.path.endsWith("/chat/completions") ? (groqRefusal(request) ?? groqAnswer(request)) : undefined));
  gw = await startTestGateway(mock, {
    TOKLIGENCE_PROVIDERS__GROQ__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__GROQ__BASE_URL: mock.openaiBaseUrl,
    // api.groq.com is recognised by its URL; the mock needs the dialect named.
    TOKLIGENCE_PROVIDERS__GROQ__DIALECT: "groq",
    TOKLIGENCE_MODEL_ALIASES: `claude*=>groq:${MODEL}`,
  });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

describe("Claude Code's tool loop on Groq's gpt-oss", () => {
  test("the model's reasoning reaches Claude Code as thinking, and the replayed turn carries none (Groq refuses it)", async () => {
    const ask: Anthropic.Messages.MessageParam = { role: "user", content: "What does /tmp/a.txt say?" };
    const call = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [ask]));
    expect(call.content.map((block) => block.type)).toEqual(["thinking", "tool_use"]);
    expect(call.usage.output_tokens).toBe(12);

    const answer = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [ask, { role: "assistant", content: call.content }, toolResultsFor(call, "hello")]));
    expect(answer.content.find((block) => block.type === "text")).toMatchObject({ text: "It says hello." });
    const replayed = chatMessages(mock.requests.at(-1)!).find((m) => m.role === "assistant")!;
    expect(replayed).toMatchObject({ tool_calls: [{ id: "fc_5e6a" }] });
    expect(Object.keys(replayed).sort()).toEqual(["content", "role", "tool_calls"]);
  });
});
