import { describe, expect, test } from "bun:test";
import { withoutOpenAIThinking } from "../../../src/protocols/anthropic/foreign-thinking";
import { encodeOpenAIReasoningSignature } from "../../../src/protocols/anthropic/openai-reasoning-signature";

const openaiThinking = (id: string) => ({ type: "thinking", thinking: `summary ${id}`, signature: encodeOpenAIReasoningSignature({ id, encryptedContent: `gAAAAB-${id}` }) });
const claudeThinking = { type: "thinking", thinking: "mine", signature: "EqQBCkgIARABGAIiQ" };
const call = (id: string) => ({ type: "tool_use", id, name: "Bash", input: { command: "ls" } });
const result = (id: string) => ({ role: "user", content: [{ type: "tool_result", tool_use_id: id, content: "a.txt" }] });

describe("OpenAI reasoning kept as thinking never reaches a native Anthropic upstream (K06)", () => {
  test("gateway-tagged thinking blocks are left out; Claude's own are kept; a body without them is the same object", () => {
    const body = {
      model: "claude-sonnet-4-6",
      messages: [
        { role: "user", content: "list" },
        { role: "assistant", content: [openaiThinking("rs_1"), call("call_1")] },
        result("call_1"),
        { role: "assistant", content: [claudeThinking, { type: "text", text: "a.txt" }] },
        { role: "user", content: "thanks" },
      ],
    };
    const cleaned = withoutOpenAIThinking(body);
    expect(cleaned).toMatchObject({ dropped: 1, thinkingOff: false });
    expect((cleaned.body.messages as any[])[1].content).toEqual([call("call_1")]);
    expect((cleaned.body.messages as any[])[3].content[0]).toEqual(claudeThinking);
    expect(body.messages[1]!.content).toHaveLength(2); // the client's body is not touched
    const clean = { model: "x", messages: [{ role: "user", content: "hi" }, { role: "assistant", content: [claudeThinking, call("c")] }, result("c")] };
    expect(withoutOpenAIThinking(clean)).toEqual({ body: clean, dropped: 0, thinkingOff: false });
  });

  test("a tool loop whose latest turn loses its only thinking runs with thinking off (and without clear_thinking edits)", () => {
    const body = {
      model: "claude-opus-5",
      thinking: { type: "adaptive" },
      context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }, { type: "clear_tool_uses_20250919" }] },
      messages: [{ role: "user", content: "list" }, { role: "assistant", content: [openaiThinking("rs_2"), call("call_2")] }, result("call_2")],
    };
    const cleaned = withoutOpenAIThinking(body);
    expect(cleaned).toMatchObject({ dropped: 1, thinkingOff: true });
    expect(cleaned.body.thinking).toBeUndefined();
    expect(cleaned.body.context_management).toEqual({ edits: [{ type: "clear_tool_uses_20250919" }] });
    // A new user turn is no tool loop: thinking stays on.
    const newTurn = { ...body, messages: [...body.messages.slice(0, 2), { role: "user", content: "next" }] };
    expect(withoutOpenAIThinking(newTurn).body.thinking).toEqual({ type: "adaptive" });
  });

  test("an assistant turn holding nothing but such thinking is left out whole", () => {
    const body = { model: "x", messages: [{ role: "user", content: "a" }, { role: "assistant", content: [openaiThinking("rs_3")] }, { role: "user", content: "b" }] };
    expect((withoutOpenAIThinking(body).body.messages as any[]).map((message) => message.role)).toEqual(["user", "user"]);
  });

  test("unsigned thinking (a Chat upstream's reasoning_content, served through the gateway with an empty signature) is left out too; Claude's own blocks without text are kept", () => {
    // Anthropic signs every thinking block it sends; one with an empty or missing signature can
    // only come from another provider, and Anthropic refuses it ("Invalid `signature`").
    const chatThinking = { type: "thinking", thinking: "DeepSeek thought", signature: "" };
    const noSignature = { type: "thinking", thinking: "no field at all" };
    const omittedDisplay = { type: "thinking", thinking: "", signature: "EqQBCkgIARABGAIiQ" };
    const body = {
      model: "claude-sonnet-4-6",
      thinking: { type: "enabled", budget_tokens: 2048 },
      messages: [
        { role: "user", content: "list" },
        { role: "assistant", content: [chatThinking, call("call_1")] },
        result("call_1"),
        { role: "assistant", content: [noSignature, { type: "text", text: "done" }] },
        { role: "user", content: "more" },
        { role: "assistant", content: [omittedDisplay, { type: "text", text: "ok" }] },
        { role: "user", content: "again" },
      ],
    };
    const cleaned = withoutOpenAIThinking(body, { unsigned: true });
    expect(cleaned).toMatchObject({ dropped: 2, thinkingOff: false });
    const messages = cleaned.body.messages as any[];
    expect(messages[1].content).toEqual([call("call_1")]);
    expect(messages[3].content).toEqual([{ type: "text", text: "done" }]);
    expect(messages[5].content[0]).toEqual(omittedDisplay);
    // An Anthropic-compatible server of another vendor (DeepSeek, Kimi) may want its own unsigned thinking back.
    expect(withoutOpenAIThinking(body)).toEqual({ body, dropped: 0, thinkingOff: false });
  });
});
