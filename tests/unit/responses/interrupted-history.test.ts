import { describe, expect, test } from "bun:test";
import { anthropicCodec } from "../../../src/protocols/anthropic/codec";
import { composeTranslator } from "../../../src/translate/compose";
import { testCodec, testContext } from "./support";

/**
 * H11 (and M08 on the Responses side): Codex replays its whole history every turn, so one Ctrl-C
 * (a function_call whose output never came) or a compaction that trimmed a call away (an output
 * without its call) must not make every later turn a 400 from Claude.
 */
function toClaude(input: unknown[]): any {
  const responses = testCodec();
  const body = { model: "gpt-5.5", input, tools: [{ type: "function", name: "exec_command", parameters: { type: "object", properties: {} } }] };
  const ctx = testContext({ upstreamProtocol: "anthropic" }, responses.decodeRequest(body));
  return composeTranslator(responses, anthropicCodec).buildUpstreamRequest(body, ctx);
}

const call = (callId: string) => ({ type: "function_call", id: `fc_${callId}`, call_id: callId, name: "exec_command", arguments: '{"cmd":"ls"}' });
const output = (callId: string, text: string) => ({ type: "function_call_output", call_id: callId, output: text });
const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });

const toolUseIds = (messages: any[]) => messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b: any) => b.type === "tool_use").map((b: any) => b.id);
const toolResults = (messages: any[]) => messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b: any) => b.type === "tool_result");

describe("H11 R→A interrupted Codex turns", () => {
  test("a call the user aborted gets a placeholder result at the head of the next user turn, before the user's text", () => {
    const sent = toClaude([user("list files"), call("call_a"), user("never mind, stop")]);
    expect(toolUseIds(sent.messages)).toEqual(["call_a"]);
    const assistantIndex = sent.messages.findIndex((m: any) => m.role === "assistant");
    const next = sent.messages[assistantIndex + 1];
    expect(next.role).toBe("user");
    expect(next.content[0]).toMatchObject({ type: "tool_result", tool_use_id: "call_a" });
    expect(next.content.at(-1)).toMatchObject({ type: "text", text: "never mind, stop" });
  });

  test("an output whose call was trimmed away is not sent as a tool_result Claude cannot match", () => {
    const sent = toClaude([user("go on"), output("call_gone", "exit 0"), user("and now?")]);
    expect(toolResults(sent.messages)).toEqual([]);
    expect(JSON.stringify(sent.messages)).toContain("and now?");
  });

  test("of two parallel calls only one answered: both have a result, the real one kept as sent", () => {
    const sent = toClaude([user("two things"), call("call_1"), call("call_2"), output("call_1", "done one"), user("next")]);
    const results = toolResults(sent.messages);
    expect(results.map((r: any) => r.tool_use_id).sort()).toEqual(["call_1", "call_2"]);
    expect(JSON.stringify(results.find((r: any) => r.tool_use_id === "call_1"))).toContain("done one");
  });
});
