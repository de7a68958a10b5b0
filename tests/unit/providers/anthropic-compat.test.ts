import { describe, expect, test } from "bun:test";
import { applyAnthropicCompat, sanitizeToolId } from "../../../src/protocols/anthropic/compat-filter";
import { ANTHROPIC_COMPAT, resolveAnthropicCompat } from "../../../src/providers/anthropic-compat";

const deepseek = resolveAnthropicCompat({ baseUrl: "https://api.deepseek.com/anthropic" });

/** A Claude Code-shaped request: cache markers everywhere, adaptive thinking, an empty text block, Kimi's ids. */
function claudeCodeBody(): Record<string, any> {
  return {
    model: "deepseek-v4-pro",
    max_tokens: 32000,
    thinking: { type: "adaptive", display: "omitted" },
    output_config: { effort: "high" },
    context_management: { edits: [{ type: "clear_thinking_20251015" }] },
    system: [
      { type: "text", text: "x-anthropic-billing-header: cc_version=2" },
      { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
    ],
    tools: [{ name: "Bash", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } }],
    messages: [
      { role: "user", content: [{ type: "text", text: "" }, { type: "text", text: "list files", cache_control: { type: "ephemeral" } }] },
      { role: "assistant", content: [{ type: "tool_use", id: "functions.Bash:0", name: "Bash", input: { command: "ls" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "functions.Bash:0", content: [{ type: "text", text: "a.txt", cache_control: { type: "ephemeral" } }, { type: "text", text: " " }] }] },
      { role: "assistant", content: [{ type: "text", text: "  " }] },
      { role: "user", content: "thanks" },
    ],
  };
}

describe("Q05 Anthropic-compatible profiles", () => {
  test("profiles come from the base URL's host, named profiles and switches override", () => {
    expect(resolveAnthropicCompat({ baseUrl: "https://api.anthropic.com" }).name).toBe("anthropic");
    expect(resolveAnthropicCompat({ baseUrl: "https://api.moonshot.ai/anthropic" }).name).toBe("kimi");
    expect(resolveAnthropicCompat({ baseUrl: "https://open.bigmodel.cn/api/anthropic" }).name).toBe("glm");
    expect(resolveAnthropicCompat({ baseUrl: "https://ws1.ap-southeast-1.maas.aliyuncs.com/apps/anthropic" }).name).toBe("qwen");
    const proxied = resolveAnthropicCompat({ baseUrl: "http://127.0.0.1:9000", profile: "qwen", dropCacheControl: true, dropAnthropicBeta: false });
    expect(proxied).toMatchObject({ name: "qwen", dropCacheControl: true, dropAnthropicBeta: false, thinkingAdaptiveToEnabled: true });
    expect(resolveAnthropicCompat({ baseUrl: "https://api.moonshot.cn/anthropic" }).sanitizeToolIds).toBe(false);
  });

  test("deepseek: cache_control, empty text and adaptive thinking go; Kimi ids are made valid on both sides; the rest stays", () => {
    const body = claudeCodeBody();
    const before = structuredClone(body);
    const { body: out, changed } = applyAnthropicCompat(body, deepseek);
    expect(body).toEqual(before);
    expect(changed.sort()).toEqual(["cache_control", "empty_text", "thinking", "tool_ids"]);
    expect(JSON.stringify(out)).not.toContain("cache_control");
    expect(out.thinking).toEqual({ type: "enabled", budget_tokens: 24_576 });
    expect(out.output_config).toEqual({ effort: "high" });
    expect(out.context_management).toBe(body.context_management);
    expect(out.system).toEqual([{ type: "text", text: "x-anthropic-billing-header: cc_version=2" }, { type: "text", text: "You are Claude Code." }]);
    expect(out.tools).toEqual([{ name: "Bash", input_schema: { type: "object" } }]);
    const messages = out.messages as any[];
    // The assistant turn holding only whitespace text is left out.
    expect(messages).toHaveLength(4);
    expect(messages[0].content).toEqual([{ type: "text", text: "list files" }]);
    const id = messages[1].content[0].id;
    expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(messages[2].content[0].tool_use_id).toBe(id);
    expect(messages[2].content[0].content).toEqual([{ type: "text", text: "a.txt" }]);
    expect(messages[3]).toBe(body.messages[4]);
  });

  test("adaptive thinking: the budget follows the effort and stays below max_tokens; none fits: left out", () => {
    const medium = applyAnthropicCompat({ max_tokens: 8000, thinking: { type: "adaptive" }, messages: [] }, deepseek).body;
    expect(medium.thinking).toEqual({ type: "enabled", budget_tokens: 7999 });
    const tiny = applyAnthropicCompat({ max_tokens: 512, thinking: { type: "adaptive" }, messages: [] }, deepseek).body;
    expect("thinking" in tiny).toBe(false);
    const enabled = { max_tokens: 8000, thinking: { type: "enabled", budget_tokens: 2048 }, messages: [] };
    expect(applyAnthropicCompat(enabled, deepseek).body).toBe(enabled);
  });

  test("nothing to change, or a profile with every switch off: the very same object (raw bytes forwarded)", () => {
    const clean = { model: "m", max_tokens: 10, messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], x_vendor: 1 };
    expect(applyAnthropicCompat(clean, deepseek)).toEqual({ body: clean, changed: [] });
    const off = resolveAnthropicCompat({ baseUrl: "https://api.deepseek.com/anthropic", dropCacheControl: false, thinkingAdaptiveToEnabled: false, dropEmptyTextBlocks: false, sanitizeToolIds: false });
    const body = claudeCodeBody();
    expect(applyAnthropicCompat(body, off).body).toBe(body);
  });

  test("Anthropic's own profile only makes invalid tool ids valid", () => {
    const body = claudeCodeBody();
    const { body: out, changed } = applyAnthropicCompat(body, ANTHROPIC_COMPAT);
    expect(changed).toEqual(["tool_ids"]);
    expect(out.thinking).toBe(body.thinking);
    expect(out.system).toBe(body.system);
    expect((out.messages as any[])[0]).toBe(body.messages[0]);
  });

  test("H01: sanitised ids are deterministic, valid, and keep ids differing in invalid characters apart", () => {
    expect(sanitizeToolId("toolu_01AbC-d")).toBe("toolu_01AbC-d");
    expect(sanitizeToolId("functions.Bash:0")).toBe(sanitizeToolId("functions.Bash:0"));
    expect(sanitizeToolId("a.b")).not.toBe(sanitizeToolId("a:b"));
    expect(sanitizeToolId("call 1")).toMatch(/^call_1_[0-9a-f]{8}$/);
  });
});
