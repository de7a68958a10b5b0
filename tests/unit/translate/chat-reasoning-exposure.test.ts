import { describe, expect, test } from "bun:test";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext, parseSse } from "./support";

/** K10: Claude's thinking shown to Chat clients (reasoning_content) only where the operator lets it. */
const translator = findTranslator("openai-chat", "anthropic")!;
const ctx = (exposeReasoning?: boolean) => makeContext("openai-chat", "anthropic", { clientModel: "gpt-4o", upstreamModel: "claude-sonnet-4-6", ...(exposeReasoning === undefined ? {} : { exposeReasoning }) });
const ev = (type: string, payload: Record<string, unknown> = {}): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });

const message = {
  id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-6",
  content: [
    { type: "thinking", thinking: "secret plan", signature: "sig" },
    { type: "redacted_thinking", data: "opaque" },
    { type: "text", text: "Answer." },
  ],
  stop_reason: "end_turn", stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5 },
};

const events: SseEvent[] = [
  ev("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-6", content: [], usage: { input_tokens: 10, output_tokens: 0 } } }),
  ev("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }),
  ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "secret plan" } }),
  ev("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "sig" } }),
  ev("content_block_stop", { index: 0 }),
  ev("content_block_start", { index: 1, content_block: { type: "redacted_thinking", data: "opaque" } }),
  ev("content_block_stop", { index: 1 }),
  ev("content_block_start", { index: 2, content_block: { type: "text", text: "" } }),
  ev("content_block_delta", { index: 2, delta: { type: "text_delta", text: "Answer." } }),
  ev("content_block_stop", { index: 2 }),
  ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 5 } }),
  ev("message_stop"),
];

function streamDeltas(exposeReasoning?: boolean): any[] {
  const s = translator.createStreamTranslator(ctx(exposeReasoning));
  return parseSse(events.flatMap((e) => s.push(e))).map((e: any) => e.data?.choices?.[0]?.delta ?? {});
}

describe("K10 reasoning exposure to Chat clients", () => {
  test("by default (and when allowed) the thinking is reasoning_content, with the signed entry for replay", () => {
    for (const expose of [undefined, true]) {
      const body = translator.translateResponse(message, ctx(expose)).body as any;
      expect(body.choices[0].message.reasoning_content).toBe("secret plan");
      expect(body.choices[0].message.reasoning_details.map((d: any) => d.type)).toEqual(["reasoning.text", "reasoning.encrypted"]);
      const deltas = streamDeltas(expose);
      expect(deltas.filter((d) => d.reasoning_content).map((d) => d.reasoning_content).join("")).toBe("secret plan");
    }
  });

  test("not exposed: no reasoning_content and no readable entry, non-stream and stream; the answer and the redacted entry stay", () => {
    const body = translator.translateResponse(message, ctx(false)).body as any;
    const reply = body.choices[0].message;
    expect(reply.reasoning_content).toBeUndefined();
    expect(reply.content).toBe("Answer.");
    expect(reply.reasoning_details).toEqual([{ type: "reasoning.encrypted", data: "opaque", format: "anthropic-claude-v1", index: 1 }]);
    expect(JSON.stringify(body)).not.toContain("secret plan");

    const deltas = streamDeltas(false);
    expect(JSON.stringify(deltas)).not.toContain("secret plan");
    expect(deltas.some((d) => "reasoning_content" in d)).toBe(false);
    expect(deltas.map((d) => d.content ?? "").join("")).toBe("Answer.");
    expect(deltas.find((d) => d.reasoning_details).reasoning_details).toEqual([{ type: "reasoning.encrypted", data: "opaque", format: "anthropic-claude-v1", index: 1 }]);
  });
});
