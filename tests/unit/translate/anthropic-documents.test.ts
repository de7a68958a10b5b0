import { describe, expect, test } from "bun:test";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/** C05 documents through the hub to an Anthropic upstream: the fields only Claude reads come back as they were. */
const translator = findTranslator("anthropic", "anthropic")!;

function build(content: unknown[]) {
  const ctx = makeContext("anthropic", "anthropic", { upstreamModel: "claude-sonnet-4-6" });
  return translator.buildUpstreamRequest({ model: "claude-x", max_tokens: 50, messages: [{ role: "user", content }] }, ctx) as Record<string, any>;
}

describe("A→A documents", () => {
  test("a content source keeps its chunks (each citable), its title and its context", () => {
    const chunks = [{ type: "text", text: "Version 2 adds search." }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }];
    const out = build([{ type: "document", title: "Release notes", context: "By the platform team", source: { type: "content", content: chunks } }, { type: "text", text: "What changed?" }]);
    expect(out.messages[0].content[0]).toEqual({ type: "document", title: "Release notes", context: "By the platform team", source: { type: "content", content: chunks } });
  });

  test("a content source given as a string is one text chunk", () => {
    const out = build([{ type: "document", source: { type: "content", content: "Version 2 adds search." } }]);
    expect(out.messages[0].content[0].source).toEqual({ type: "content", content: [{ type: "text", text: "Version 2 adds search." }] });
  });

  test("a text document keeps its context", () => {
    const out = build([{ type: "document", context: "Revised in March", source: { type: "text", media_type: "text/plain", data: "Leave is 25 days." } }]);
    expect(out.messages[0].content[0]).toMatchObject({ context: "Revised in March", source: { type: "text", data: "Leave is 25 days." } });
  });

  test("a content source may hold only text and image blocks", () => {
    expect(() => build([{ type: "document", source: { type: "content", content: [{ type: "document", source: { type: "text", data: "x" } }] } }])).toThrow("a content source takes text and image blocks");
  });
});

describe("C06 a document's citations setting", () => {
  const cited = { type: "document", title: "Handbook", source: { type: "text", media_type: "text/plain", data: "Leave is 25 days." }, citations: { enabled: true } };

  test("A→A through the hub: kept, at the top level and inside a tool result, so Claude still cites (it was dropped)", () => {
    expect(build([cited, { type: "text", text: "How much leave?" }]).messages[0].content[0].citations).toEqual({ enabled: true });
    const ctx = makeContext("anthropic", "anthropic", { upstreamModel: "claude-sonnet-4-6" });
    const out = translator.buildUpstreamRequest(
      {
        model: "claude-x",
        max_tokens: 50,
        messages: [
          { role: "user", content: "Read it" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Read", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [cited] }] },
        ],
      },
      ctx,
    ) as Record<string, any>;
    expect(out.messages[2].content[0].content[0].citations).toEqual({ enabled: true });
  });

  test("A→A: an explicit `enabled: false` stays as sent; none stays none", () => {
    expect(build([{ ...cited, citations: { enabled: false } }]).messages[0].content[0].citations).toEqual({ enabled: false });
    expect(build([{ ...cited, citations: undefined }]).messages[0].content[0]).not.toHaveProperty("citations");
  });

  for (const upstream of ["openai-chat", "openai-responses"] as const) {
    test(`A→${upstream === "openai-chat" ? "O" : "R"}: the request goes on with the document; a warning says the answer will carry no citations`, () => {
      const ctx = makeContext("anthropic", upstream);
      const out = findTranslator("anthropic", upstream)!.buildUpstreamRequest({ model: "m", max_tokens: 50, messages: [{ role: "user", content: [cited, { type: "text", text: "How much leave?" }] }] }, ctx);
      expect(JSON.stringify(out)).toContain("Leave is 25 days.");
      expect(ctx.warnings.filter((warning) => warning.includes("citations"))).toHaveLength(1);
    });
  }

  test("no warning when no document asks for citations", () => {
    const ctx = makeContext("anthropic", "openai-chat");
    findTranslator("anthropic", "openai-chat")!.buildUpstreamRequest({ model: "m", max_tokens: 50, messages: [{ role: "user", content: [{ ...cited, citations: { enabled: false } }] }] }, ctx);
    expect(ctx.warnings.filter((warning) => warning.includes("citations"))).toEqual([]);
  });
});
