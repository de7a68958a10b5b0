import { describe, expect, test } from "bun:test";
import type { CanonicalEvent } from "../../../src/canonical/types";
import { GatewayError } from "../../../src/errors/gateway-error";
import { collectResponse } from "../../../src/translate/collect-response";

/** SC06: a whole canonical stream → the one response it describes. */
describe("collectResponse", () => {
  const opening: CanonicalEvent[] = [{ type: "message_start", id: "msg_1", model: "m", usage: { inputTokens: 9 } }];

  test("blocks in opening order, pieces joined, reasoning summary and blobs kept, usage merged", () => {
    const response = collectResponse([
      ...opening,
      { type: "block_start", index: 0, block: { type: "reasoning", id: "rs_1" } },
      { type: "reasoning_delta", index: 0, text: "Sum", summary: true },
      { type: "reasoning_delta", index: 0, text: "mary", summary: true },
      { type: "reasoning_signature", index: 0, encryptedContent: "blob" },
      { type: "block_stop", index: 0 },
      { type: "block_start", index: 1, block: { type: "tool_call", id: "call_1", name: "f", kind: "function", namespace: "ns" } },
      { type: "block_start", index: 2, block: { type: "text" } },
      { type: "tool_args_delta", index: 1, fragment: '{"a"' },
      { type: "text_delta", index: 2, text: "Hel" },
      { type: "tool_args_delta", index: 1, fragment: ":1}" },
      { type: "text_delta", index: 2, text: "lo" },
      { type: "block_stop", index: 1 },
      { type: "block_stop", index: 2 },
      { type: "block_start", index: 3, block: { type: "text" } },
      { type: "block_stop", index: 3 },
      { type: "finish", stopReason: "stop_sequence", stopSequence: "END" },
      { type: "usage", usage: { outputTokens: 5 } },
      { type: "message_stop" },
    ]);
    expect(response).toEqual({
      id: "msg_1",
      model: "m",
      content: [
        { type: "reasoning", id: "rs_1", summary: ["Sum", "mary"], encryptedContent: "blob" },
        { type: "tool_call", id: "call_1", name: "f", kind: "function", namespace: "ns", arguments: '{"a":1}' },
        { type: "text", text: "Hello" },
      ],
      stopReason: "stop_sequence",
      stopSequence: "END",
      usage: expect.objectContaining({ inputTokens: 9, outputTokens: 5 }),
    });
  });

  test("an error event is the answer's error; a stream without its finish is a broken stream", () => {
    const overloaded = () => collectResponse([...opening, { type: "error", status: 529, code: "upstream_overloaded", message: "Overloaded", retryAfter: 3 }]);
    expect(overloaded).toThrow(GatewayError);
    expect(overloaded).toThrow("Overloaded");
    const cut = () => collectResponse([...opening, { type: "block_start", index: 0, block: { type: "text" } }, { type: "text_delta", index: 0, text: "half" }]);
    expect(cut).toThrow(/ended before its final event/);
  });
});
