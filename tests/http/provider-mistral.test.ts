import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type MockScript, type MockUpstream, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { chatChunk, chatMessages, claudeCodeParams, streamTurn, toolResultsFor } from "../support/provider-mocks";
import { chatCompletionRequests, sdkClients } from "../support/sdk-clients";

/**
 * Claude Code and the openai SDK on Mistral's API (devstral, the model Mistral offers for coding
 * agents). The mock validates as Mistral does: pydantic with extra="forbid" at the top level and
 * in messages (422 extra_forbidden), its message order (400 "Unexpected role 'user' after role
 * 'tool'"), nine-character tool call ids; it streams usage in the last chunk, unasked.
 */
const MODEL = "devstral-medium-latest";
const TOP_LEVEL = new Set(["model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed", "response_format", "tools", "tool_choice", "presence_penalty", "frequency_penalty", "n", "parallel_tool_calls", "prompt_mode", "safe_prompt", "reasoning_effort"]);
const MESSAGE_FIELDS = new Set(["role", "content", "tool_calls", "tool_call_id", "name", "prefix"]);

let mock: MockUpstream;
let gw: TestGateway;
let anthropic: Anthropic;
let openai: OpenAI;

function mistralRefusal(request: RecordedRequest): MockScript | undefined {
  const messages = chatMessages(request);
  const detail = [
    ...Object.keys(request.body).filter((field) => !TOP_LEVEL.has(field)).map((field) => ({ loc: ["body", field] })),
    ...messages.flatMap((message, index) => Object.keys(message).filter((field) => !MESSAGE_FIELDS.has(field)).map((field) => ({ loc: ["body", "messages", index, message.role, field] }))),
  ].map((entry) => ({ type: "extra_forbidden", ...entry, msg: "Extra inputs are not permitted" }));
  if (detail.length > 0) return { status: 422, json: { object: "error", message: { detail }, type: "invalid_request_error", param: null, code: null } };
  for (const [index, message] of messages.entries()) {
    if (index > 0 && message.role === "user" && messages[index - 1]!.role === "tool") {
      return { status: 400, json: { object: "error", message: "Unexpected role 'user' after role 'tool'", type: "invalid_request_message_order", param: null, code: "3230" } };
    }
  }
  return undefined;
}

/** Mistral's stream: usage rides on the finish chunk; a tool call arrives whole. */
function mistralAnswer(request: RecordedRequest): MockScript {
  const usage = { prompt_tokens: 50, completion_tokens: 8, total_tokens: 58 };
  const last = chatMessages(request).at(-1);
  if (last?.role === "tool" || !Array.isArray(request.body.tools)) {
    return { events: [chatChunk(MODEL, { role: "assistant", content: "" }), chatChunk(MODEL, { content: "It says hello." }), chatChunk(MODEL, { content: "" }, "stop", { usage }), { data: "[DONE]" }] };
  }
  const call = { id: "D681PevKs", function: { name: "Read", arguments: '{"file_path": "/tmp/a.txt"}' }, index: 0 };
  return { events: [chatChunk(MODEL, { role: "assistant", content: "" }), chatChunk(MODEL, { tool_calls: [call] }), chatChunk(MODEL, { content: "" }, "tool_calls", { usage }), { data: "[DONE]" }] };
}

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.setResponder((request) => (request.path.endsWith("/chat/completions") ? (mistralRefusal(request) ?? mistralAnswer(request)) : undefined));
  gw = await startTestGateway(mock, {
    TOKLIGENCE_PROVIDERS__MISTRAL__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__MISTRAL__BASE_URL: mock.openaiBaseUrl,
    // api.mistral.ai is recognised by its URL; the mock needs the dialect named.
    TOKLIGENCE_PROVIDERS__MISTRAL__DIALECT: "mistral",
    TOKLIGENCE_MODEL_ALIASES: `claude*=>mistral:${MODEL},devstral*=>mistral:${MODEL}`,
  });
  ({ anthropic, openai } = sdkClients(gw.url));
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const chatRequests = () => chatCompletionRequests(mock);

describe("Claude Code's tool loop on Mistral", () => {
  test("the first request is accepted as sent: no stream_options, no user (no 422 to learn from first)", async () => {
    const before = chatRequests().length;
    const call = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [{ role: "user", content: "What does /tmp/a.txt say?" }]));
    expect(call.stop_reason).toBe("tool_use");
    expect(call.usage.output_tokens).toBe(8);
    const sent = chatRequests().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body.stream_options).toBeUndefined();
    expect(sent[0]!.body.user).toBeUndefined();
  });

  test("a tool result turn with text beside it (Claude Code's system reminders): the text joins the tool message", async () => {
    const ask: Anthropic.Messages.MessageParam = { role: "user", content: "What does /tmp/a.txt say?" };
    const call = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [ask]));
    const results = toolResultsFor(call, "hello");
    const reminder = "<system-reminder>The user opened a.txt in the IDE.</system-reminder>";
    (results.content as Anthropic.Messages.ContentBlockParam[]).push({ type: "text", text: reminder });
    const answer = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [ask, { role: "assistant", content: call.content }, results]));
    expect(answer.content.find((block) => block.type === "text")).toMatchObject({ text: "It says hello." });
    const messages = chatMessages(chatRequests().at(-1)!);
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(messages.at(-1)).toMatchObject({ tool_call_id: "D681PevKs", content: `hello\n\n${reminder}` });
  });

  test("a history holding another model's thinking: no reasoning_content in Mistral's messages", async () => {
    const history: Anthropic.Messages.MessageParam[] = [
      { role: "user", content: "Read /tmp/b.txt" },
      { role: "assistant", content: [{ type: "thinking", thinking: "I will read it.", signature: "" }, { type: "tool_use", id: "call_00_prev", name: "Read", input: { file_path: "/tmp/b.txt" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_00_prev", content: "hello" }] },
    ];
    const answer = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", history));
    expect(answer.content.find((block) => block.type === "text")).toMatchObject({ text: "It says hello." });
    expect(chatMessages(chatRequests().at(-1)!).find((m) => m.role === "assistant")).not.toHaveProperty("reasoning_content");
  });
});

describe("an OpenAI SDK client's own stream to Mistral (native)", () => {
  test("no stream_options added (Mistral refuses it); the usage in its last chunk reaches the ledger", async () => {
    const before = chatRequests().length;
    const stream = await openai.chat.completions.create({ model: "devstral-latest", messages: [{ role: "user", content: "hi" }], stream: true, user: "team-a" });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("It says hello.");
    const sent = chatRequests().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toEqual({ model: MODEL, messages: [{ role: "user", content: "hi" }], stream: true });
    expect(gw.ledger.entries.findLast((entry) => entry.provider === "mistral")).toMatchObject({ usageEstimated: false, usage: { inputTokens: 50, outputTokens: 8 } });
  });
});

describe("an OpenAI SDK client's seed on Mistral (native)", () => {
  test("goes as random_seed, Mistral's name for it, rather than being left out", async () => {
    const before = chatRequests().length;
    const stream = await openai.chat.completions.create({ model: "devstral-latest", messages: [{ role: "user", content: "hi" }], stream: true, seed: 42 });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("It says hello.");
    const sent = chatRequests().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toEqual({ model: MODEL, messages: [{ role: "user", content: "hi" }], stream: true, random_seed: 42 });
  });
});

/** Magistral (and Mistral Medium asked for reasoning) sends content as chunk lists, thinking first. */
describe("Mistral's reasoning models: content as thinking and text chunks", () => {
  const thinking = (text: string) => [{ type: "thinking", thinking: [{ type: "text", text }] }];
  const textChunk = (text: string) => [{ type: "text", text }];

  test("streamed: Claude Code gets a thinking block and the text, not an empty turn", async () => {
    const model = "magistral-medium-2509";
    mock.enqueue({
      events: [
        chatChunk(model, { role: "assistant", content: thinking("The user greets") }),
        chatChunk(model, { content: thinking(" me.") }),
        chatChunk(model, { content: textChunk("Hello") }),
        chatChunk(model, { content: "!" }),
        chatChunk(model, { content: "" }, "stop", { usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 } }),
        { data: "[DONE]" },
      ],
    });
    const answer = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [{ role: "user", content: "hi" }]));
    expect(answer.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    expect(answer.content[0]).toMatchObject({ thinking: "The user greets me." });
    expect(answer.content[1]).toMatchObject({ text: "Hello!" });
  });

  test("whole: the same for an unstreamed answer", async () => {
    mock.enqueue({
      json: {
        id: "cmpl-m",
        object: "chat.completion",
        created: 1,
        model: "magistral-medium-2509",
        choices: [{ index: 0, message: { role: "assistant", content: [...thinking("Short."), ...textChunk("Hello!")] }, finish_reason: "stop" }],
        usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
      },
    });
    const answer = await anthropic.messages.create({ model: "claude-sonnet-4-6", max_tokens: 1000, thinking: { type: "enabled", budget_tokens: 500 }, messages: [{ role: "user", content: "hi" }] });
    expect(answer.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    expect(answer.content[1]).toMatchObject({ text: "Hello!" });
  });
});

describe("Mistral's model_length finish reason", () => {
  test("a conversation that filled the model's window ends as model_context_window_exceeded, not as a finished turn", async () => {
    mock.enqueue({ events: [chatChunk(MODEL, { role: "assistant", content: "Part of" }), chatChunk(MODEL, { content: "" }, "model_length", { usage: { prompt_tokens: 131000, completion_tokens: 72, total_tokens: 131072 } }), { data: "[DONE]" }] });
    const answer = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [{ role: "user", content: "hi" }]));
    expect(answer.stop_reason as string).toBe("model_context_window_exceeded");
  });
});
