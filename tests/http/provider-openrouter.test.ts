import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type MockScript, type MockUpstream, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { chatChunk, chatMessages, claudeCodeParams, readTool, streamTurn, toolResultsFor } from "../support/provider-mocks";
import { sdkClients } from "../support/sdk-clients";

/**
 * Claude Code and Codex on Gemini 3 through OpenRouter. OpenRouter returns the model's reasoning
 * as `reasoning` text plus structured `reasoning_details`, Gemini's thought signature among them
 * (`reasoning.encrypted`), and needs those entries back on the replayed tool-call turn; without
 * them Gemini refuses the turn, which OpenRouter relays as "Provider returned error" with
 * Gemini's message under metadata.raw. The mock streams and refuses as OpenRouter does.
 */
const MODEL = "google/gemini-3-pro-preview";
const SIGNATURE = "CiQBjz1rX3mock+gemini/thought-signature==";
const CALL_ID = "tool_Read_7f3a";

let mock: MockUpstream;
let gw: TestGateway;
let anthropic: Anthropic;
let openai: OpenAI;

/** OpenRouter's 400 for a replayed Gemini call without its signature. */
function refusesMissingSignature(request: RecordedRequest): MockScript | undefined {
  const assistant = chatMessages(request).find((m) => m.role === "assistant" && Array.isArray(m.tool_calls));
  if (!assistant) return undefined;
  const details: any[] = Array.isArray(assistant.reasoning_details) ? assistant.reasoning_details : [];
  if (details.some((d) => d.type === "reasoning.encrypted" && d.data === SIGNATURE && d.id === CALL_ID)) return undefined;
  const raw = JSON.stringify({ error: { code: 400, message: "Function call is missing a thought_signature in functionCall parts. Additional data, function call `Read`, position 2.", status: "INVALID_ARGUMENT" } });
  return { status: 400, json: { error: { code: 400, message: "Provider returned error", metadata: { raw, provider_name: "Google AI Studio" } } } };
}

function openRouterAnswer(request: RecordedRequest): MockScript {
  const usage = { prompt_tokens: 80, completion_tokens: 25, total_tokens: 105, cost: 0.0004, prompt_tokens_details: { cached_tokens: 64 }, completion_tokens_details: { reasoning_tokens: 15 } };
  const usageChunk = { data: { id: "gen-1", object: "chat.completion.chunk", created: 1, model: MODEL, provider: "Google AI Studio", choices: [], usage } };
  if (chatMessages(request).at(-1)?.role === "tool") {
    return { events: [": OPENROUTER PROCESSING\n\n", chatChunk(MODEL, { role: "assistant", content: "It says hello." }), chatChunk(MODEL, {}, "stop"), usageChunk, { data: "[DONE]" }] };
  }
  const text = (piece: string) => ({ type: "reasoning.text", text: piece, format: "google-gemini-v1", index: 0 });
  return {
    events: [
      ": OPENROUTER PROCESSING\n\n",
      chatChunk(MODEL, { role: "assistant", content: "", reasoning: "I should read", reasoning_details: [text("I should read")] }),
      chatChunk(MODEL, { content: "", reasoning: " the file.", reasoning_details: [text(" the file.")] }),
      chatChunk(MODEL, {
        content: null,
        tool_calls: [{ index: 0, id: CALL_ID, type: "function", function: { name: "Read", arguments: '{"file_path":"/tmp/a.txt"}' } }],
        reasoning_details: [{ type: "reasoning.encrypted", data: SIGNATURE, id: CALL_ID, format: "google-gemini-v1", index: 1 }],
      }),
      chatChunk(MODEL, {}, "tool_calls"),
      usageChunk,
      { data: "[DONE]" },
    ],
  };
}

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.setResponder((request) => (request.path.endsWith("/chat/completions") ? (refusesMissingSignature(request) ?? openRouterAnswer(request)) : undefined));
  gw = await startTestGateway(mock, {
    TOKLIGENCE_PROVIDERS__OPENROUTER__KIND: "openai-compatible",
    TOKLIGENCE_PROVIDERS__OPENROUTER__BASE_URL: mock.openaiBaseUrl,
    // openrouter.ai is recognised by its URL; the mock needs the dialect named.
    TOKLIGENCE_PROVIDERS__OPENROUTER__DIALECT: "openrouter",
    TOKLIGENCE_MODEL_ALIASES: `claude*=>openrouter:${MODEL},gpt-5.5=>openrouter:${MODEL}`,
  });
  ({ anthropic, openai } = sdkClients(gw.url));
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const lastAssistant = () => chatMessages(mock.requests.at(-1)!).find((m) => m.role === "assistant")!;

describe("Claude Code on Gemini 3 through OpenRouter", () => {
  test("the tool loop's second turn carries OpenRouter's reasoning_details back, thought signature included", async () => {
    const ask: Anthropic.Messages.MessageParam = { role: "user", content: "What does /tmp/a.txt say?" };
    const call = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [ask]));
    expect(call.stop_reason).toBe("tool_use");
    expect(call.content.find((block) => block.type === "thinking")).toMatchObject({ thinking: "I should read the file." });
    expect(call.content.find((block) => block.type === "tool_use")).toMatchObject({ id: CALL_ID, name: "Read" });
    expect(call.usage).toMatchObject({ input_tokens: 16, cache_read_input_tokens: 64, output_tokens: 25 });

    const answer = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [ask, { role: "assistant", content: call.content }, toolResultsFor(call, "hello")]));
    expect(answer.content.find((block) => block.type === "text")).toMatchObject({ text: "It says hello." });
    const replayed = lastAssistant();
    expect(replayed.reasoning_details).toEqual([
      { type: "reasoning.text", text: "I should read the file.", format: "google-gemini-v1", index: 0 },
      { type: "reasoning.encrypted", data: SIGNATURE, id: CALL_ID, format: "google-gemini-v1", index: 1 },
    ]);
    // The signatures travel in reasoning_details; Gemini's own extra_content is not OpenRouter's.
    expect(replayed.tool_calls[0].extra_content).toBeUndefined();
    expect(replayed.reasoning_content).toBeUndefined();
  });
});

describe("Codex on Gemini 3 through OpenRouter (Responses client)", () => {
  /** One streamed Codex turn, as Codex sends it (store:false, encrypted reasoning included). */
  async function codexTurn(input: OpenAI.Responses.ResponseInputItem[]): Promise<OpenAI.Responses.Response> {
    const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: readTool.name, parameters: readTool.input_schema as Record<string, unknown>, strict: false }];
    const stream = await openai.responses.create({ model: "gpt-5.5", input, tools, store: false, include: ["reasoning.encrypted_content"], reasoning: { effort: "medium" }, stream: true });
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === "response.completed") completed = event.response;
    return completed!;
  }

  test("the reasoning item Codex replays brings the entries back", async () => {
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: "What does /tmp/a.txt say?" }];
    const first = await codexTurn(input);
    expect(first.output.map((item) => item.type)).toEqual(["reasoning", "function_call"]);
    expect(first.output[1]).toMatchObject({ call_id: CALL_ID, name: "Read" });

    const second = await codexTurn([...input, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: "function_call_output", call_id: CALL_ID, output: "hello" }]);
    expect(JSON.stringify(second.output)).toContain("It says hello.");
    expect(lastAssistant().reasoning_details).toContainEqual({ type: "reasoning.encrypted", data: SIGNATURE, id: CALL_ID, format: "google-gemini-v1", index: 1 });
  });
});
