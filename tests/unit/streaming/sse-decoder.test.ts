import { describe, expect, test } from "bun:test";
import { SseDecoder } from "../../../src/streaming/sse-decoder";
import { encodeSseEvent } from "../../../src/streaming/sse-encoder";

describe("SSE decoder (T12)", () => {
  test("events split at every possible byte boundary decode the same", () => {
    const text = 'event: message_start\ndata: {"a":1}\n\n: comment\n\ndata: line1\ndata: line2\n\nevent: x\r\ndata: crlf\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoder = new SseDecoder();
      const events = [...decoder.push(bytes.slice(0, cut)), ...decoder.push(bytes.slice(cut)), ...decoder.end()];
      expect(events).toEqual([{ event: "message_start", data: '{"a":1}' }, { data: "line1\nline2" }, { event: "x", data: "crlf" }]);
    }
  });

  test("multi-byte UTF-8 split across reads, BOM, CR-only line ends", () => {
    const bytes = new TextEncoder().encode("\uFEFFdata: héllo 👋\r\rdata: b\n\n");
    const decoder = new SseDecoder();
    const events = [];
    for (const byte of bytes) events.push(...decoder.push(new Uint8Array([byte])));
    expect(events).toEqual([{ data: "héllo 👋" }, { data: "b" }]);
  });

  test("a final event without its blank line is still delivered at end()", () => {
    const decoder = new SseDecoder();
    expect(decoder.push("data: [DONE]")).toEqual([]);
    expect(decoder.end()).toEqual([{ data: "[DONE]" }]);
  });

  test("encoder round-trips and refuses line breaks in event names", () => {
    const event = { event: "content_block_delta", data: 'multi\nline "json"' };
    expect(new SseDecoder().push(encodeSseEvent(event))).toEqual([event]);
    expect(() => encodeSseEvent({ event: "a\nb", data: "x" })).toThrow();
  });
});
