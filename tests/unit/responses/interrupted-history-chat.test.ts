import { describe, expect, test } from "bun:test";
import { openaiChatCodec } from "../../../src/protocols/openai-chat/codec";
import { composeTranslator } from "../../../src/translate/compose";
import { CANCELLED_TOOL_RESULT } from "../../../src/translate/cancelled-tool-call";
import { testCodec, testContext } from "./support";

/**
 * H11/M08 on a Chat upstream: OpenAI refuses an assistant message whose tool_calls are not each
 * answered by the `tool` messages right after it, and a `tool` message that answers no call
 * before it. Codex replays its whole history every turn, so one interrupted call would make
 * every later turn of the session a 400 (the same repair the Claude encoder makes).
 */
function toChat(input: unknown[]) {
  const responses = testCodec();
  const body = { model: "gpt-5.5", input, tools: [{ type: "function", name: "exec_command", parameters: { type: "object", properties: {} } }] };
  const ctx = testContext({ upstreamProtocol: "openai-chat", upstreamModel: "deepseek-chat" }, responses.decodeRequest(body));
  const sent = composeTranslator(responses, openaiChatCodec).buildUpstreamRequest(body, ctx) as { messages: any[] };
  return { messages: sent.messages, warnings: ctx.warnings };
}

const call = (callId: string) => ({ type: "function_call", id: `fc_${callId}`, call_id: callId, name: "exec_command", arguments: '{"cmd":"ls"}' });
const output = (callId: string, text: string) => ({ type: "function_call_output", call_id: callId, output: text });
const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const developer = (text: string) => ({ type: "message", role: "developer", content: [{ type: "input_text", text }] });
const roles = (messages: any[]) => messages.map((m) => (m.role === "tool" ? `tool:${m.tool_call_id}` : m.role));

describe("H11 M08 R→Chat interrupted Codex turns", () => {
  test("a call the user aborted gets a cancelled result right after it, before the user's next message", () => {
    const { messages } = toChat([user("list files"), call("call_a"), user("never mind, stop")]);
    expect(roles(messages)).toEqual(["user", "assistant", "tool:call_a", "user"]);
    expect(messages[2].content).toBe(CANCELLED_TOOL_RESULT);
    expect(messages[3].content).toBe("never mind, stop");
  });

  test("an output whose call was trimmed away is dropped, with a warning", () => {
    const { messages, warnings } = toChat([user("go on"), output("call_gone", "exit 0"), user("and now?")]);
    expect(messages.some((m) => m.role === "tool")).toBe(false);
    expect(JSON.stringify(messages)).toContain("and now?");
    expect(warnings.map((w) => w.message)).toContain("dropped a tool result that answers no tool call");
  });

  test("of two parallel calls only one answered: both answered, the real result kept as sent", () => {
    const { messages } = toChat([user("two things"), call("call_1"), call("call_2"), output("call_1", "done one"), user("next")]);
    expect(roles(messages)).toEqual(["user", "assistant", "tool:call_1", "tool:call_2", "user"]);
    expect(messages[2].content).toBe("done one");
    expect(messages[3].content).toBe(CANCELLED_TOOL_RESULT);
  });

  test("a developer note between a call and its output: the output moves up to the call, the note follows it", () => {
    const { messages } = toChat([user("run it"), call("call_x"), developer("approval granted"), output("call_x", "ok"), user("thanks")]);
    expect(roles(messages)).toEqual(["user", "assistant", "tool:call_x", "system", "user"]);
    expect(messages[2].content).toBe("ok");
  });

  test("an intact history is unchanged", () => {
    const { messages, warnings } = toChat([user("run"), call("call_1"), output("call_1", "r1"), call("call_2"), output("call_2", "r2"), user("done?")]);
    expect(roles(messages)).toEqual(["user", "assistant", "tool:call_1", "assistant", "tool:call_2", "user"]);
    expect(warnings).toEqual([]);
  });
});
