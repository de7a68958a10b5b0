import { describe, expect, test } from "bun:test";
import { mergeReasoningDetails, unwrapReasoningDetails, wrapReasoningDetails } from "../../../src/canonical/reasoning-details-blob";
import { withoutOpenAIThinking } from "../../../src/protocols/anthropic/foreign-thinking";
import { encodeOpenAIReasoningSignature } from "../../../src/protocols/anthropic/openai-reasoning-signature";
import { withoutForeignReasoning } from "../../../src/protocols/openai-responses/foreign-reasoning";

/** OpenRouter's reasoning_details carried as one blob (src/canonical/reasoning-details-blob.ts). */
describe("reasoning_details blobs", () => {
  test("streamed pieces merge by index: text joined, the signature set once; entries without an index stand alone", () => {
    const merged: Array<Record<string, unknown>> = [];
    mergeReasoningDetails(merged, [{ type: "reasoning.text", text: "Let me ", format: "anthropic-claude-v1", index: 0 }]);
    mergeReasoningDetails(merged, [{ type: "reasoning.text", text: "think.", index: 0 }, null]);
    mergeReasoningDetails(merged, [{ type: "reasoning.text", signature: "EqQB", index: 0 }, { type: "reasoning.encrypted", data: "x" }]);
    expect(merged).toEqual([{ type: "reasoning.text", text: "Let me think.", format: "anthropic-claude-v1", signature: "EqQB", index: 0 }, { type: "reasoning.encrypted", data: "x" }]);
  });

  test("round trip; another blob is not one", () => {
    const details = [{ type: "reasoning.encrypted", data: "sig==", format: "google-gemini-v1", index: 1 }];
    expect(unwrapReasoningDetails(wrapReasoningDetails(details))).toEqual(details);
    expect(unwrapReasoningDetails("gAAAAB-openai-blob")).toBeUndefined();
  });

  test("never reaches OpenAI or Anthropic natively: a Responses history and a Claude Code history leave it out", () => {
    const blob = wrapReasoningDetails([{ type: "reasoning.encrypted", data: "sig==" }]);
    const input = [{ type: "reasoning", id: "rs_x", summary: [], encrypted_content: blob }, { role: "user", content: "hi" }];
    expect(withoutForeignReasoning(input)).toEqual([{ role: "user", content: "hi" }]);
    const thinking = { type: "thinking", thinking: "", signature: encodeOpenAIReasoningSignature({ encryptedContent: blob }) };
    const cleaned = withoutOpenAIThinking({ messages: [{ role: "assistant", content: [thinking, { type: "text", text: "ok" }] }] });
    expect(cleaned.dropped).toBe(1);
  });
});
