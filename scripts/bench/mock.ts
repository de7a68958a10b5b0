/**
 * The benchmark's upstream: a deliberately fast mock (raw Bun.serve, every body pre-serialised)
 * speaking OpenAI Chat Completions (JSON and SSE) and Anthropic Messages (JSON and SSE).
 * It must be cheaper than anything it measures (performance.md §6.2), so it never builds JSON
 * per request. Streams are paced on a deadline schedule (Bifrost mocker's approach, §2.1) so the
 * stream's wall clock does not drift with write cost: chunk i leaves at start + i × interval.
 *
 * Run: bun scripts/bench/mock.ts --port 0 --chunks 20 --interval-ms 10
 * Prints "READY <port>" on stdout once listening. GET /__stats returns request counts per route,
 * which the bench uses to check that a route really reached the upstream it claims to.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    chunks: { type: "string", default: "20" },
    "interval-ms": { type: "string", default: "10" },
  },
});
const chunkCount = Number(values.chunks);
const intervalMs = Number(values["interval-ms"]);

const encoder = new TextEncoder();
const usage = { prompt_tokens: 42, completion_tokens: chunkCount, total_tokens: 42 + chunkCount };

// Non-streaming answers, about 0.5 KB each (a short completion with usage, as real providers send).
const openaiJson = encoder.encode(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4.1-mini",
    choices: [{ index: 0, message: { role: "assistant", content: "Benchmark answer. ".repeat(8).trim(), refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage,
    system_fingerprint: "fp_bench",
  }),
);
const anthropicJson = encoder.encode(
  JSON.stringify({
    id: "msg_bench",
    type: "message",
    role: "assistant",
    model: "claude-3-5-haiku-20241022",
    content: [{ type: "text", text: "Benchmark answer. ".repeat(8).trim() }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 42, output_tokens: chunkCount, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  }),
);
const modelsJson = encoder.encode(JSON.stringify({ object: "list", data: [{ id: "gpt-4.1-mini", object: "model", created: 1_700_000_000, owned_by: "bench" }] }));

function sse(event: string | undefined, data: unknown): string {
  return `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

/** A paced stream: `head` at once, `chunkCount` copies of `delta` on the deadline schedule, then `tail`. */
interface StreamShape {
  head: Uint8Array;
  delta: Uint8Array;
  tail: Uint8Array;
}

const openaiChunk = (delta: object, finish: string | null, extra: object = {}) =>
  sse(undefined, { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4.1-mini", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });
const openaiStream: StreamShape = {
  head: encoder.encode(openaiChunk({ role: "assistant", content: "" }, null)),
  delta: encoder.encode(openaiChunk({ content: "tok " }, null)),
  tail: encoder.encode(
    openaiChunk({}, "stop") +
      sse(undefined, { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4.1-mini", choices: [], usage }) +
      sse(undefined, "[DONE]"),
  ),
};
const anthropicStream: StreamShape = {
  head: encoder.encode(
    sse("message_start", {
      type: "message_start",
      message: { id: "msg_bench", type: "message", role: "assistant", model: "claude-3-5-haiku-20241022", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 42, output_tokens: 1 } },
    }) + sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
  ),
  delta: encoder.encode(sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "tok " } })),
  tail: encoder.encode(
    sse("content_block_stop", { type: "content_block_stop", index: 0 }) +
      sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: chunkCount } }) +
      sse("message_stop", { type: "message_stop" }),
  ),
};

const jsonHeaders = { "content-type": "application/json" };
const sseHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/**
 * Stream `shape` with deadline pacing; each write is flushed on its own so the client sees one read
 * per chunk. `chunks`/`interval` default to the command line; a burst request overrides them.
 */
// Bun's "direct" ReadableStream overload exists at runtime, but with lib DOM loaded bun-types defers
// to DOM's constructor, which lacks it; this names the real signature instead of casting to any.
const DirectReadableStream = ReadableStream as unknown as new (source: Bun.DirectUnderlyingSource<Uint8Array>) => ReadableStream<Uint8Array>;

function streamPaced(shape: StreamShape, chunks = chunkCount, interval = intervalMs): Response {
  const source: Bun.DirectUnderlyingSource<Uint8Array> = {
    type: "direct",
    async pull(controller) {
      const start = performance.now();
      controller.write(shape.head);
      controller.flush();
      for (let index = 1; index <= chunks; index++) {
        const wait = start + index * interval - performance.now();
        if (wait > 0) await Bun.sleep(wait);
        controller.write(shape.delta);
        if (index === chunks) controller.write(shape.tail);
        controller.flush();
      }
      controller.close();
    },
  };
  return new Response(new DirectReadableStream(source), { headers: sseHeaders });
}

// The request's own stream flag decides the answer's form; a cheap scan is enough for a mock.
const streamFlag = /"stream"\s*:\s*true/;
// "bench-burst-N" anywhere in the body (it survives translation, unlike headers or paths): an
// unpaced stream of N deltas, so a stream's total time measures the per-event cost of relaying.
const burstMarker = /bench-burst-(\d+)/;
const burstOf = (text: string) => Number(burstMarker.exec(text)?.[1] ?? 0);
const counts = { openai_json: 0, openai_sse: 0, anthropic_json: 0, anthropic_sse: 0, other: 0 };

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (request.method === "POST" && path.endsWith("/chat/completions")) {
      const text = await request.text();
      const streaming = streamFlag.test(text);
      counts[streaming ? "openai_sse" : "openai_json"]++;
      const burst = burstOf(text);
      return streaming ? (burst > 0 ? streamPaced(openaiStream, burst, 0) : streamPaced(openaiStream)) : new Response(openaiJson, { headers: jsonHeaders });
    }
    if (request.method === "POST" && path.endsWith("/messages")) {
      const text = await request.text();
      const streaming = streamFlag.test(text);
      counts[streaming ? "anthropic_sse" : "anthropic_json"]++;
      const burst = burstOf(text);
      return streaming ? (burst > 0 ? streamPaced(anthropicStream, burst, 0) : streamPaced(anthropicStream)) : new Response(anthropicJson, { headers: jsonHeaders });
    }
    if (path === "/health") return new Response("ok");
    if (path.endsWith("/models")) return new Response(modelsJson, { headers: jsonHeaders });
    if (path === "/__stats") return Response.json(counts);
    counts.other++;
    return new Response(`{"error":{"message":"bench mock: no route ${path}"}}`, { status: 404, headers: jsonHeaders });
  },
});
console.log(`READY ${server.port}`);
