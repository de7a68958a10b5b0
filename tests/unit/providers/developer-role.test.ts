import { describe, expect, test } from "bun:test";
import { resolveChatDialect } from "../../../src/providers/chat-dialect";
import { applyChatDialect } from "../../../src/providers/dialects/apply-chat-dialect";

/**
 * M05: `developer` is OpenAI's newer name for `system`; servers that only know the four classic
 * roles (DeepSeek: "unknown variant `developer`", Mistral's extra="forbid", many vLLM/Ollama chat
 * templates) refuse it. Only OpenAI's own API keeps it; everyone else gets `system` in its place.
 */
const dialectOf = (kind: string, baseUrl: string) => resolveChatDialect({ kind, baseUrl });
const intent = { model: "m", reasoningOff: false };
const body = () => ({
  model: "m",
  messages: [
    { role: "developer", content: "Be terse." },
    { role: "user", content: "hi" },
    { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
  ],
});

describe("M05 developer messages on Chat providers that do not know the role", () => {
  for (const [label, baseUrl] of [["DeepSeek", "https://api.deepseek.com"], ["Mistral", "https://api.mistral.ai/v1"], ["a local server", "http://127.0.0.1:8000/v1"]] as const) {
    test(`${label}: every developer message goes as a system message, in place, content untouched`, () => {
      const sent = body();
      const out = applyChatDialect(sent, dialectOf("openai-compatible", baseUrl), intent);
      expect((out.messages as any[]).map((m) => m.role)).toEqual(["system", "user", "system"]);
      expect((out.messages as any[])[2].content).toEqual([{ type: "text", text: "Answer in French." }]);
      // A native client's body is copied, never edited in place.
      expect(sent.messages[0]!.role).toBe("developer");
    });
  }

  test("OpenAI keeps developer (its reasoning models prefer it)", () => {
    const sent = body();
    expect(applyChatDialect(sent, dialectOf("openai", "https://api.openai.com/v1"), intent)).toBe(sent);
  });

  test("a body without developer messages is returned as it is", () => {
    const sent = { model: "m", messages: [{ role: "system", content: "s" }, { role: "user", content: "hi" }] };
    expect(applyChatDialect(sent, dialectOf("openai-compatible", "https://api.deepseek.com"), intent)).toBe(sent);
  });
});
