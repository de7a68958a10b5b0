import { describe, expect, test } from "bun:test";
import { isForeignReasoningItem, newGatewayReasoningId, withoutForeignReasoning } from "../../../src/protocols/openai-responses/foreign-reasoning";
import { generateRandomId } from "../../../src/protocols/openai-responses/options";
import { wrapAnthropicReasoning } from "../../../src/protocols/openai-responses/reasoning-blob";

const claudeThinking = { type: "reasoning", id: newGatewayReasoningId(generateRandomId), summary: [], encrypted_content: wrapAnthropicReasoning({ text: "hm", signature: "SIG" }) };
const claudeWithoutBlob = { type: "reasoning", id: newGatewayReasoningId(generateRandomId), summary: [{ type: "summary_text", text: "hm" }] };
const openaiWithBlob = { type: "reasoning", id: "rs_68b65c4f87348190b80440b13861a94c08cd5796c3342f15", summary: [], encrypted_content: "gAAAAB-openai" };
const openaiStored = { type: "reasoning", id: "rs_68b65c4f87348190b80440b13861a94c08cd5796c3342f15", summary: [] };

describe("reasoning items a native OpenAI Responses model cannot take (K06, K09)", () => {
  test("a gateway blob, or no blob under a gateway id, is foreign; OpenAI's own items are not", () => {
    expect(isForeignReasoningItem(claudeThinking)).toBe(true);
    expect(isForeignReasoningItem(claudeWithoutBlob)).toBe(true);
    expect(isForeignReasoningItem(openaiWithBlob)).toBe(false);
    expect(isForeignReasoningItem(openaiStored)).toBe(false);
    // A real OpenAI blob decides, whatever the id.
    expect(isForeignReasoningItem({ ...openaiWithBlob, id: claudeThinking.id })).toBe(false);
    expect(isForeignReasoningItem({ type: "message", id: claudeThinking.id })).toBe(false);
  });

  test("the input keeps every other item in order, and is the same value when nothing is foreign", () => {
    const user = { type: "message", role: "user", content: "hi" };
    const call = { type: "function_call", call_id: "toolu_1", name: "ls", arguments: "{}" };
    expect(withoutForeignReasoning([user, claudeThinking, openaiWithBlob, claudeWithoutBlob, call])).toEqual([user, openaiWithBlob, call]);
    const clean = [user, openaiStored, call];
    expect(withoutForeignReasoning(clean)).toBe(clean);
    expect(withoutForeignReasoning("hi")).toBe("hi");
  });
});
