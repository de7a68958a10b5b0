import { describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "../../../src/canonical/types";
import { filterUnusableTools, localShellFunctionTool, mapBuiltinTools } from "../../../src/agents/tool-filter";

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
          { kind: "builtin", protocol: "anthropic", type: "web_search_20250305", value: { type: "web_search_20250305", name: "web_search" } },
        ],
      }),
      { upstreamProtocol: "anthropic" },
    );
    // Unmapped Responses built-ins go (the Anthropic encoder could not send them); Anthropic's own stay.
    expect(removed).toEqual(["web_search", "tool_search"]);
    expect(filtered.tools.map((tool) => (tool.kind === "builtin" ? tool.type : tool.name))).toEqual(["apply_patch", "web_search_20250305"]);
    expect(filtered.system).toEqual([{ type: "text", text: "mentions apply_patch" }]);
  });

  test("S09 an Anthropic web search is usable on a Responses upstream (its encoder maps it); not on Chat", () => {
    const tools = [{ kind: "builtin" as const, protocol: "anthropic" as const, type: "web_search_20250305", value: {} }];
    expect(filterUnusableTools(request({ tools }), { upstreamProtocol: "openai-responses" }).removed).toEqual([]);
    expect(filterUnusableTools(request({ tools }), { upstreamProtocol: "openai-chat" }).removed).toEqual(["web_search_20250305"]);
  });

  test("S09 a choice forcing the Anthropic web search survives the removal of other tools on a Responses upstream", () => {
    const { request: filtered, removed } = filterUnusableTools(
      request({
        tools: [
          { kind: "builtin", protocol: "anthropic", type: "code_execution_20250825", value: { type: "code_execution_20250825", name: "code_execution" } },
          { kind: "builtin", protocol: "anthropic", type: "web_search_20250305", value: { type: "web_search_20250305", name: "web_search" } },
        ],
        toolChoice: { type: "tool", name: "web_search" },
      }),
      { upstreamProtocol: "openai-responses" },
    );
    expect(removed).toEqual(["code_execution_20250825"]);
    expect(filtered.toolChoice).toEqual({ type: "tool", name: "web_search" });
  });

  test("S12 Responses web_search becomes Anthropic's web search, with allowed domains and location carried over", () => {
    const webSearch = {
      kind: "builtin" as const,
      protocol: "openai-responses" as const,
      type: "web_search",
      value: { type: "web_search", filters: { allowed_domains: ["example.com"] }, user_location: { type: "approximate", country: "GB", city: "London" }, search_context_size: "high" },
    };
    const options = { upstreamProtocol: "anthropic" as const, webSearchToAnthropic: true, localShellAsFunction: true };
    const { request: mapped, mapped: log } = mapBuiltinTools(request({ tools: [webSearch] }), options);
    expect(mapped.tools).toEqual([
      {
        kind: "builtin",
        protocol: "anthropic",
        type: "web_search_20250305",
        value: { type: "web_search_20250305", name: "web_search", allowed_domains: ["example.com"], user_location: { type: "approximate", city: "London", country: "GB" } },
      },
    ]);
    expect(log).toEqual(["web_search → web_search_20250305"]);
    // Switched off, or for a Chat upstream: left alone (the filter drops it).
    expect(mapBuiltinTools(request({ tools: [webSearch] }), { ...options, webSearchToAnthropic: false }).request.tools).toEqual([webSearch]);
    expect(mapBuiltinTools(request({ tools: [webSearch] }), { ...options, upstreamProtocol: "openai-chat" }).request.tools).toEqual([webSearch]);
  });

  test("S12 a web search the client limited to cached results is not turned into live search", () => {
    const cached = { kind: "builtin" as const, protocol: "openai-responses" as const, type: "web_search", value: { type: "web_search", external_web_access: false } };
    const result = mapBuiltinTools(request({ tools: [cached] }), { upstreamProtocol: "anthropic", webSearchToAnthropic: true, localShellAsFunction: true });
    expect(result.request.tools).toEqual([cached]);
    expect(result.skipped[0]!.reason).toContain("external_web_access");
  });

  test("R05 local_shell becomes a function tool for Anthropic and Chat upstreams, stays a built-in for Responses", () => {
    const localShell = { kind: "builtin" as const, protocol: "openai-responses" as const, type: "local_shell", value: { type: "local_shell" } };
    for (const upstreamProtocol of ["anthropic", "openai-chat"] as const) {
      expect(mapBuiltinTools(request({ tools: [localShell] }), { upstreamProtocol, webSearchToAnthropic: true, localShellAsFunction: true }).request.tools).toEqual([localShellFunctionTool]);
    }
    expect(mapBuiltinTools(request({ tools: [localShell] }), { upstreamProtocol: "openai-responses", webSearchToAnthropic: true, localShellAsFunction: true }).request.tools).toEqual([localShell]);
    expect(mapBuiltinTools(request({ tools: [localShell] }), { upstreamProtocol: "anthropic", webSearchToAnthropic: true, localShellAsFunction: false }).request.tools).toEqual([localShell]);
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

describe("S09 computer-use versions for OpenAI upstreams", () => {
  const chat = { upstreamProtocol: "openai-chat" as const, webSearchToAnthropic: false, localShellAsFunction: false };
  const computer = (type: string) => ({ kind: "builtin" as const, protocol: "anthropic" as const, type, value: { type, name: "computer", display_width_px: 800, display_height_px: 600 } });

  test("known versions map as themselves; a later unknown one maps with the newest known schema and says so", () => {
    const result = mapBuiltinTools(request({ tools: [computer("computer_20251124")] }), chat);
    expect(result.request.tools[0]).toMatchObject({ kind: "function", name: "computer" });
    expect(result.approximated).toEqual([]);
    const later = mapBuiltinTools(request({ tools: [computer("computer_20270301")] }), chat);
    expect(later.request.tools[0]).toMatchObject({ kind: "function", name: "computer" });
    expect(later.approximated).toEqual([{ type: "computer_20270301", as: "computer_20251124" }]);
  });

  test("a version between two known ones maps with the one before it; one older than all known is not mapped", () => {
    const between = mapBuiltinTools(request({ tools: [computer("computer_20250601")] }), chat);
    expect(between.approximated).toEqual([{ type: "computer_20250601", as: "computer_20250124" }]);
    const older = mapBuiltinTools(request({ tools: [computer("computer_20240101")] }), chat);
    expect(older.request.tools[0]).toMatchObject({ kind: "builtin", type: "computer_20240101" });
    expect(older.approximated).toEqual([]);
  });
});
