import { describe, expect, test } from "bun:test";
import { estimateAnthropicInputTokens, IMAGE_TOKEN_ESTIMATE } from "../../../src/protocols/anthropic/count-tokens";

/** T07 count_tokens estimate: counts everything that fills the context. */
const base = { model: "claude-x", messages: [{ role: "user", content: "Hello there, how are you today?" }] };

describe("T07 estimateAnthropicInputTokens", () => {
  test("text is tokenised (not a characters/4 guess)", () => {
    const n = estimateAnthropicInputTokens(base);
    expect(n).toBeGreaterThan(8);
    expect(n).toBeLessThan(20);
  });

  test("system, tools, tool inputs and results all add tokens", () => {
    const plain = estimateAnthropicInputTokens(base);
    const withSystem = estimateAnthropicInputTokens({ ...base, system: [{ type: "text", text: "You are a helpful assistant that writes code." }] });
    const withTools = estimateAnthropicInputTokens({ ...base, tools: [{ name: "Bash", description: "Run a shell command", input_schema: { type: "object", properties: { command: { type: "string" } } } }] });
    const withToolTurns = estimateAnthropicInputTokens({
      ...base,
      messages: [
        ...base.messages,
        { role: "assistant", content: [{ type: "tool_use", id: "t", name: "Bash", input: { command: "ls -la /usr/local/bin" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: "file-one.txt\nfile-two.txt" }] },
      ],
    });
    expect(withSystem).toBeGreaterThan(plain);
    // Tools add their definitions plus Anthropic's hidden tool-use prompt (346 tokens).
    expect(withTools - plain).toBeGreaterThan(346);
    expect(withToolTurns - plain).toBeGreaterThan(15);
  });

  test("images cost a fixed documented amount", () => {
    const withImage = estimateAnthropicInputTokens({ ...base, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } }] }] });
    expect(withImage).toBe(IMAGE_TOKEN_ESTIMATE + 4);
  });
});
