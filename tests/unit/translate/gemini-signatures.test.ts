import { beforeEach, describe, expect, test } from "bun:test";
import { forgetThoughtSignatures, recalledThoughtSignature, rememberThoughtSignature, UNKNOWN_SIGNATURE_PLACEHOLDER } from "../../../src/protocols/openai-chat/gemini-signatures";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext, parseSse } from "./support";

/** K08: Gemini thought signatures survive a round trip through Anthropic and Responses clients. */
const anthropicToChat = findTranslator("anthropic", "openai-chat")!;
const responsesToChat = findTranslator("openai-responses", "openai-chat")!;
const gemini = { clientModel: "claude-sonnet-4-6", upstreamModel: "gemini-3-pro-preview", providerName: "gemini" };
const SIGNATURE = "CrICAdHtim827fQ+signature/with=base64==";

const geminiToolCall = (id: string, name: string, args: string, signature?: string) => ({
  id,
  type: "function",
  function: { name, arguments: args },
  ...(signature ? { extra_content: { google: { thought_signature: signature } } } : {}),
});

/** The Anthropic client's next turn: the assistant's tool_use blocks replayed, then their results. */
function replayToGemini(toolUses: Array<{ id: string; name: string; input: unknown }>, upstreamModel = gemini.upstreamModel) {
  const ctx = makeContext("anthropic", "openai-chat", { ...gemini, upstreamModel });
  const body = {
    model: "claude-sonnet-4-6",
    max_tokens: 1024,
    messages: [
      { role: "user", content: "read both files" },
      { role: "assistant", content: toolUses.map((use) => ({ type: "tool_use", ...use })) },
      { role: "user", content: toolUses.map((use) => ({ type: "tool_result", tool_use_id: use.id, content: "ok" })) },
    ],
  };
  const out = anthropicToChat.buildUpstreamRequest(body, ctx) as { messages: Array<Record<string, any>> };
  return out.messages.find((message) => message.role === "assistant")!.tool_calls as Array<Record<string, any>>;
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseEvent => ({
  data: JSON.stringify({ id: "chatcmpl-g", object: "chat.completion.chunk", created: 1, model: "gemini-3-pro-preview", choices: [{ index: 0, delta, finish_reason: finish }] }),
});

beforeEach(() => forgetThoughtSignatures());

describe("K08 Gemini thought signatures", () => {
  test("non-streamed: the signature is kept under the client's tool id (ids stay short) and returned on replay", () => {
    const { body } = anthropicToChat.translateResponse(
      { id: "c1", model: "gemini-3-pro-preview", choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [geminiToolCall("call_gem_1", "Read", '{"path":"a"}', SIGNATURE)] }, finish_reason: "stop" }] },
      makeContext("anthropic", "openai-chat", gemini),
    ) as { body: { content: Array<Record<string, any>> } };
    const toolUse = body.content.find((block) => block.type === "tool_use")!;
    expect(toolUse.id).toBe("call_gem_1");
    expect(JSON.stringify(body)).not.toContain(SIGNATURE);

    const calls = replayToGemini([{ id: "call_gem_1", name: "Read", input: { path: "a" } }]);
    expect(calls[0]).toEqual({ id: "call_gem_1", type: "function", function: { name: "Read", arguments: '{"path":"a"}' }, extra_content: { google: { thought_signature: SIGNATURE } } });
  });

  test("streamed: a signature in the call's first chunk, or in a later one, is kept", () => {
    const stream = anthropicToChat.createStreamTranslator(makeContext("anthropic", "openai-chat", gemini));
    const events = [
      chunk({ role: "assistant", tool_calls: [{ index: 0, ...geminiToolCall("call_s1", "Read", '{"path":"a"}', "sig-one") }] }),
      chunk({ tool_calls: [{ index: 1, id: "call_s2", type: "function", function: { name: "Read", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"path":"b"}' }, extra_content: { google: { thought_signature: "sig-two" } } }] }),
      chunk({}, "tool_calls"),
      { data: "[DONE]" },
    ];
    const out = parseSse([...events.flatMap((event) => stream.push(event)), ...stream.end()]);
    const data = out.map((event) => event.data as Record<string, any>);
    const starts = data.filter((event) => event?.type === "content_block_start").map((event) => event.content_block.id);
    expect(starts).toEqual(["call_s1", "call_s2"]);
    expect(recalledThoughtSignature(gemini, "call_s1")).toBe("sig-one");
    expect(recalledThoughtSignature(gemini, "call_s2")).toBe("sig-two");
  });

  test("an upstream id replaced for being empty (H02) keeps its signature under the new id", () => {
    const { body } = anthropicToChat.translateResponse(
      { id: "c2", model: "gemini-3-pro-preview", choices: [{ index: 0, message: { role: "assistant", tool_calls: [geminiToolCall("", "Read", "{}", SIGNATURE)] }, finish_reason: "stop" }] },
      makeContext("anthropic", "openai-chat", gemini),
    ) as { body: { content: Array<Record<string, any>> } };
    const id = body.content.find((block) => block.type === "tool_use")!.id as string;
    expect(id).toMatch(/^call_/);
    expect(recalledThoughtSignature(gemini, id)).toBe(SIGNATURE);
  });

  test("parallel calls: only the first carries a signature, and only the known one is returned", () => {
    rememberThoughtSignature(gemini, "call_p1", "sig-p1");
    const calls = replayToGemini([
      { id: "call_p1", name: "Read", input: { path: "a" } },
      { id: "call_p2", name: "Read", input: { path: "b" } },
    ]);
    expect(calls[0]!.extra_content).toEqual({ google: { thought_signature: "sig-p1" } });
    expect(calls[1]!.extra_content).toBeUndefined();
  });

  test("a step this gateway never saw (another model's history, a restart) gets Google's placeholder on its first call", () => {
    const calls = replayToGemini([
      { id: "toolu_from_claude_1", name: "Read", input: { path: "a" } },
      { id: "toolu_from_claude_2", name: "Read", input: { path: "b" } },
    ]);
    expect(calls[0]!.extra_content).toEqual({ google: { thought_signature: UNKNOWN_SIGNATURE_PLACEHOLDER } });
    expect(calls[1]!.extra_content).toBeUndefined();
  });

  test("other models never get the field (OpenAI rejects unknown message fields)", () => {
    rememberThoughtSignature(gemini, "call_x", SIGNATURE);
    const calls = replayToGemini([{ id: "call_x", name: "Read", input: {} }], "gpt-4.1");
    expect(calls[0]!.extra_content).toBeUndefined();
  });

  test("Responses clients (Codex) replaying a function_call get the signature back too", () => {
    rememberThoughtSignature(gemini, "call_codex_1", SIGNATURE);
    const ctx = makeContext("openai-responses", "openai-chat", { ...gemini, clientModel: "gpt-5-codex" });
    const out = responsesToChat.buildUpstreamRequest(
      {
        model: "gpt-5-codex",
        input: [
          { type: "message", role: "user", content: [{ type: "input_text", text: "list files" }] },
          { type: "function_call", id: "fc_1", call_id: "call_codex_1", name: "shell", arguments: '{"command":["ls"]}' },
          { type: "function_call_output", call_id: "call_codex_1", output: "a.txt" },
        ],
      },
      ctx,
    ) as { messages: Array<Record<string, any>> };
    const assistant = out.messages.find((message) => message.role === "assistant")!;
    expect(assistant.tool_calls[0].extra_content).toEqual({ google: { thought_signature: SIGNATURE } });
  });

  test("the cache is bounded: the oldest signature goes first", () => {
    for (let index = 0; index <= 10_000; index++) rememberThoughtSignature(gemini, `call_${index}`, `sig_${index}`);
    expect(recalledThoughtSignature(gemini, "call_0")).toBeUndefined();
    expect(recalledThoughtSignature(gemini, "call_1")).toBe("sig_1");
    expect(recalledThoughtSignature(gemini, "call_10000")).toBe("sig_10000");
  });
});

describe("K08 signatures stay with the client and provider they came from", () => {
  // The cache is process-wide and keyed by tool call id: a client that replays a tool call id
  // another client was given must not have that client's signature (its encrypted reasoning)
  // sent upstream in its own request, nor may one provider's signature go to another.
  const answer = (ctx: ReturnType<typeof makeContext>) =>
    anthropicToChat.translateResponse({ id: "c1", model: "gemini-3-pro-preview", choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [geminiToolCall("call_shared", "Read", "{}", SIGNATURE)] }, finish_reason: "stop" }] }, ctx);
  const replay = (overrides: Record<string, unknown>) => {
    const ctx = makeContext("anthropic", "openai-chat", { ...gemini, ...overrides });
    const body = { model: "m", max_tokens: 64, messages: [{ role: "user", content: "go" }, { role: "assistant", content: [{ type: "tool_use", id: "call_shared", name: "Read", input: {} }] }, { role: "user", content: [{ type: "tool_result", tool_use_id: "call_shared", content: "ok" }] }] };
    const out = anthropicToChat.buildUpstreamRequest(body, ctx) as { messages: Array<Record<string, any>> };
    return out.messages.find((message) => message.role === "assistant")!.tool_calls[0].extra_content.google.thought_signature;
  };

  test("another user replaying the same id gets the placeholder; the owner gets the signature", () => {
    answer(makeContext("anthropic", "openai-chat", { ...gemini, signatureOwner: "u:1" }));
    expect(replay({ signatureOwner: "u:2" })).toBe(UNKNOWN_SIGNATURE_PLACEHOLDER);
    expect(replay({ signatureOwner: "u:1", providerName: "vertex" })).toBe(UNKNOWN_SIGNATURE_PLACEHOLDER);
    expect(replay({ signatureOwner: "u:1" })).toBe(SIGNATURE);
  });
});
