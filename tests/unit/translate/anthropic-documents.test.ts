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
