import { describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "../../../src/canonical/types";
import { filterUnusableTools } from "../../../src/agents/tool-filter";

function request(overrides: Partial<CanonicalRequest>): CanonicalRequest {
  return { model: "m", system: [{ type: "text", text: "mentions apply_patch" }], messages: [], tools: [], stream: true, extra: { protocol: "openai-responses", fields: {} }, ...overrides };
}

describe("tool filtering (upstream-tokligence §1.19)", () => {
  test("S12 R04 built-ins without a mapping are removed for Anthropic; apply_patch stays; the prompt is untouched", () => {
    const { request: filtered, removed } = filterUnusableTools(
      request({
        tools: [
          { kind: "custom", name: "apply_patch" },
          { kind: "builtin", protocol: "openai-responses", type: "web_search", value: { type: "web_search" } },
          { kind: "builtin", protocol: "openai-responses", type: "tool_search", value: { type: "tool_search" } },
        ],
      }),
      { upstreamProtocol: "anthropic" },
    );
    expect(removed).toEqual(["tool_search"]);
    expect(filtered.tools.map((tool) => (tool.kind === "builtin" ? tool.type : tool.name))).toEqual(["apply_patch", "web_search"]);
    expect(filtered.system).toEqual([{ type: "text", text: "mentions apply_patch" }]);
  });

  test("R04 a forced choice of a removed tool becomes auto; with no tools left the choice is dropped", () => {
    const denied = filterUnusableTools(
      request({ tools: [{ kind: "function", name: "a", parameters: {} }, { kind: "function", name: "b", parameters: {} }], toolChoice: { type: "tool", name: "b" } }),
      { upstreamProtocol: "openai-chat", deny: ["b"] },
    );
    expect(denied.request.toolChoice).toEqual({ type: "auto" });
    const none = filterUnusableTools(
      request({ tools: [{ kind: "builtin", protocol: "openai-responses", type: "file_search", value: {} }], toolChoice: { type: "required" }, parallelToolCalls: true }),
      { upstreamProtocol: "openai-chat" },
    );
    expect(none.request.tools).toEqual([]);
    expect(none.request.toolChoice).toBeUndefined();
    expect(none.request.parallelToolCalls).toBeUndefined();
  });

  test("nothing to remove returns the same request object", () => {
    const original = request({ tools: [{ kind: "function", name: "a", parameters: {} }] });
    expect(filterUnusableTools(original, { upstreamProtocol: "anthropic" }).request).toBe(original);
  });
});
