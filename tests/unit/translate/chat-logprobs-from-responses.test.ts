import { describe, expect, test } from "bun:test";
import { emptyUsage } from "../../../src/canonical/usage";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/**
 * A Chat client's `logprobs` / `top_logprobs` on a Responses upstream: asked for as
 * `include: ["message.output_text.logprobs"]` and `top_logprobs`, and answered in Chat's
 * `choices[].logprobs.content` shape, whole and streamed.
 */
const translator = findTranslator("openai-chat", "openai-responses")!;
const ctx = () => makeContext("openai-chat", "openai-responses", { upstreamModel: "gpt-4.1" });
const chatBody = { model: "m", messages: [{ role: "user", content: "hi" }], logprobs: true, top_logprobs: 2 };

const hiBytes = [72, 105];
const upstreamLogprobs = [
  { token: "Hi", bytes: hiBytes, logprob: -0.1, top_logprobs: [{ token: "Hi", bytes: hiBytes, logprob: -0.1 }, { token: "Hey", bytes: [72, 101, 121], logprob: -2.5 }] },
  { token: "!", bytes: [33], logprob: -0.2, top_logprobs: [] },
];
const chatLogprobs = {
  content: [
    { token: "Hi", logprob: -0.1, bytes: hiBytes, top_logprobs: [{ token: "Hi", logprob: -0.1, bytes: hiBytes }, { token: "Hey", logprob: -2.5, bytes: [72, 101, 121] }] },
    { token: "!", logprob: -0.2, bytes: [33], top_logprobs: [] },
  ],
  refusal: null,
};
const completed = (logprobs: unknown[]) => ({
  id: "resp_1",
  status: "completed",
  model: "gpt-4.1",
  output: [{ type: "message", id: "msg_1", role: "assistant", content: [{ type: "output_text", text: "Hi!", annotations: [], logprobs }] }],
  usage: { input_tokens: 5, output_tokens: 2 },
});

describe("request", () => {
  test("logprobs and top_logprobs become include and top_logprobs; without logprobs nothing is asked", () => {
    const body = translator.buildUpstreamRequest(chatBody, ctx());
    expect(body.include).toEqual(["reasoning.encrypted_content", "message.output_text.logprobs"]);
    expect(body.top_logprobs).toBe(2);
    expect(body.logprobs).toBeUndefined();
    const plain = translator.buildUpstreamRequest({ ...chatBody, logprobs: false }, ctx());
    expect(plain.include).toEqual(["reasoning.encrypted_content"]);
    expect(plain.top_logprobs).toBeUndefined();
  });
});

describe("whole answers", () => {
  test("output_text logprobs become choices[0].logprobs.content", () => {
    const context = ctx();
    translator.buildUpstreamRequest(chatBody, context);
    const body = translator.translateResponse(completed(upstreamLogprobs), context).body as any;
    expect(body.choices[0].message.content).toBe("Hi!");
    expect(body.choices[0].logprobs).toEqual(chatLogprobs);
  });

  test("an upstream answer without logprobs (empty list, the default) stays logprobs: null", () => {
    const context = ctx();
    translator.buildUpstreamRequest({ ...chatBody, logprobs: false }, context);
    expect((translator.translateResponse(completed([]), context).body as any).choices[0].logprobs).toBeNull();
  });
});

const sse = (type: string, payload: Record<string, unknown>): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });
/** Stream deltas carry tokens without bytes (ResponseTextDeltaEvent.Logprob). */
const streamEvents = (withLogprobs: boolean): SseEvent[] => [
  sse("response.created", { response: { id: "resp_1", model: "gpt-4.1", status: "in_progress", output: [] } }),
  sse("response.output_item.added", { output_index: 0, item: { type: "message", id: "msg_1", role: "assistant", content: [] } }),
  sse("response.output_text.delta", { output_index: 0, content_index: 0, delta: "Hi", logprobs: withLogprobs ? [{ token: "Hi", logprob: -0.1, top_logprobs: [{ token: "Hey", logprob: -2.5 }] }] : [] }),
  sse("response.output_text.delta", { output_index: 0, content_index: 0, delta: "!", logprobs: withLogprobs ? [{ token: "!", logprob: -0.2 }] : [] }),
  sse("response.output_item.done", { output_index: 0, item: { type: "message", content: [{ type: "output_text", text: "Hi!" }] } }),
  sse("response.completed", { response: { status: "completed", usage: { input_tokens: 5, output_tokens: 2 } } }),
];

describe("streams", () => {
  test("each content chunk carries its own tokens; bytes are the token's UTF-8 when the delta has none", () => {
    const context = ctx();
    translator.buildUpstreamRequest({ ...chatBody, stream: true }, context);
    const stream = translator.createStreamTranslator(context);
    const chunks = [...streamEvents(true).flatMap((event) => stream.push(event)), ...stream.end()].filter((event) => event.data !== "[DONE]").map((event) => JSON.parse(event.data));
    const content = chunks.filter((chunk) => chunk.choices[0]?.delta?.content);
    expect(content.map((chunk) => chunk.choices[0].logprobs)).toEqual([
      { content: [{ token: "Hi", logprob: -0.1, bytes: hiBytes, top_logprobs: [{ token: "Hey", logprob: -2.5, bytes: [72, 101, 121] }] }], refusal: null },
      { content: [{ token: "!", logprob: -0.2, bytes: [33], top_logprobs: [] }], refusal: null },
    ]);
    // The role chunk and the finish chunk carry no tokens.
    expect(chunks[0].choices[0].logprobs).toBeNull();
    expect(chunks.at(-1).choices[0].logprobs).toBeNull();
  });

  test("without logprobs upstream, chunks keep logprobs: null", () => {
    const context = ctx();
    translator.buildUpstreamRequest({ ...chatBody, logprobs: false, stream: true }, context);
    const stream = translator.createStreamTranslator(context);
    const chunks = streamEvents(false).flatMap((event) => stream.push(event)).filter((event) => event.data !== "[DONE]").map((event) => JSON.parse(event.data));
    expect(chunks.every((chunk) => chunk.choices[0]?.logprobs === null || chunk.choices.length === 0)).toBe(true);
  });

  test("a collected stream (non-streaming client) joins the deltas' tokens", () => {
    const context = ctx();
    translator.buildUpstreamRequest(chatBody, context);
    const body = translator.translateCollectedStream(streamEvents(true), context).body as any;
    expect(body.choices[0].logprobs.content.map((token: any) => token.token)).toEqual(["Hi", "!"]);
  });

  test("with a stop sequence, the tokens of the cut text are left out with it", () => {
    const context = ctx();
    translator.buildUpstreamRequest({ ...chatBody, stream: true, stop: ["!"] }, context);
    const stream = translator.createStreamTranslator(context);
    const pushed = streamEvents(true).flatMap((event) => stream.push(event));
    expect(stream.endedByGateway()).toBe(true);
    // The cut's closing events wait for the usage the caller completes (stream-to-client.ts).
    const closing = stream.closeCut({ ...emptyUsage(), inputTokens: 5, outputTokens: 1 });
    const chunks = [...pushed, ...closing].filter((event) => event.data !== "[DONE]").map((event) => JSON.parse(event.data));
    const content = chunks.filter((chunk) => chunk.choices[0]?.delta?.content);
    expect(content.map((chunk) => chunk.choices[0].delta.content).join("")).toBe("Hi");
    expect(content.flatMap((chunk) => chunk.choices[0].logprobs.content.map((token: any) => token.token))).toEqual(["Hi"]);
    expect(chunks.filter((chunk) => chunk.choices.length > 0).at(-1).choices[0].finish_reason).toBe("stop");
    expect(stream.closeCut(emptyUsage())).toEqual([]);
  });
});
