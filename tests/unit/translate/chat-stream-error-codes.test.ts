import { describe, expect, test } from "bun:test";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/**
 * SC05 seen from the other side: a Chat-compatible server's mid-stream error chunk whose `code` is
 * an HTTP status number, as OpenRouter and Gemini's compatible endpoint send it
 * (`{"error":{"code":503,"message":…}}`). Responses clients must get a string code (Codex reads
 * `response.failed`'s error with `code: Option<String>` and reports a parse failure instead of the
 * message for a number), and the status decides the kind for both client protocols.
 */
const chunk = (delta: Record<string, unknown>): SseEvent => ({ data: JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: null }] }) });
const errorChunk = (error: Record<string, unknown>): SseEvent => ({ data: JSON.stringify({ error }) });

function lastEvent(client: "openai-responses" | "anthropic", error: Record<string, unknown>): any {
  const translator = findTranslator(client, "openai-chat")!;
  const s = translator.createStreamTranslator(makeContext(client, "openai-chat", { upstreamModel: "m" }));
  const out = [chunk({ role: "assistant", content: "par" }), errorChunk(error)].flatMap((event) => s.push(event));
  return JSON.parse(out.at(-1)!.data);
}

describe("a mid-stream error chunk with a numeric code", () => {
  test("Responses clients get response.failed with the string code OpenAI uses for that status", () => {
    const cases: Array<[number, string]> = [
      [503, "server_is_overloaded"],
      [429, "rate_limit_exceeded"],
      [502, "server_error"],
      [400, "invalid_request_error"],
    ];
    for (const [code, expected] of cases) {
      const failed = lastEvent("openai-responses", { code, message: `upstream said ${code}` });
      expect(failed.type).toBe("response.failed");
      expect({ code, sent: failed.response.error }).toEqual({ code, sent: { code: expected, message: `upstream said ${code}` } });
    }
  });

  test("Anthropic clients get the error type of that status", () => {
    const cases: Array<[number, string]> = [
      [503, "overloaded_error"],
      [429, "rate_limit_error"],
      [502, "api_error"],
      [400, "invalid_request_error"],
    ];
    for (const [code, expected] of cases) {
      const sent = lastEvent("anthropic", { code, message: "m" });
      expect({ code, type: sent.error.type }).toEqual({ code, type: expected });
    }
  });
});
