import { describe, expect, test } from "bun:test";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/** C06: Claude's web search citations reach OpenAI clients as url_citation annotations (non-stream). */
const answer = {
  id: "msg_c06", type: "message", role: "assistant", model: "claude-sonnet-4-6",
  content: [
    { type: "text", text: "Per the docs, " },
    {
      type: "text", text: "Bun is fast.",
      citations: [
        { type: "web_search_result_location", url: "https://bun.sh", title: "Bun", encrypted_index: "e1", cited_text: "Bun is a fast runtime" },
        { type: "web_search_result_location", url: "https://bun.sh", title: "Bun", encrypted_index: "e2", cited_text: "again" },
      ],
    },
    { type: "text", text: " And a PDF says so.", citations: [{ type: "page_location", cited_text: "so", document_index: 0, start_page_number: 1, end_page_number: 2 }] },
  ],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 5 },
};

describe("C06 citations to OpenAI clients", () => {
  test("Chat: the text is whole, web citations become url_citation annotations with indexes into content", () => {
    const translator = findTranslator("openai-chat", "anthropic")!;
    const body = translator.translateResponse(answer, makeContext("openai-chat", "anthropic")).body as any;
    const message = body.choices[0].message;
    expect(message.content).toBe("Per the docs, Bun is fast. And a PDF says so.");
    expect(message.annotations).toEqual([{ type: "url_citation", url_citation: { start_index: 14, end_index: 26, url: "https://bun.sh", title: "Bun" } }]);
    expect(message.content.slice(14, 26)).toBe("Bun is fast.");
  });

  test("Chat: an answer without web citations has no annotations field", () => {
    const translator = findTranslator("openai-chat", "anthropic")!;
    const plain = { ...answer, content: [answer.content[0], answer.content[2]] };
    expect("annotations" in (translator.translateResponse(plain, makeContext("openai-chat", "anthropic")).body as any).choices[0].message).toBe(false);
  });

  test("Responses: each output_text carries its own url_citations; Anthropic's other citation kinds never leak", () => {
    const translator = findTranslator("openai-responses", "anthropic")!;
    const body = translator.translateResponse(answer, makeContext("openai-responses", "anthropic")).body as any;
    const parts = body.output[0].content;
    expect(parts.map((p: any) => p.text).join("")).toBe("Per the docs, Bun is fast. And a PDF says so.");
    expect(parts[0].annotations).toEqual([]);
    expect(parts[1].annotations).toEqual([{ type: "url_citation", start_index: 0, end_index: 12, url: "https://bun.sh", title: "Bun" }]);
    expect(parts[2].annotations).toEqual([]);
  });
});
