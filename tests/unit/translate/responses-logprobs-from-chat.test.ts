import { describe, expect, test } from "bun:test";
import type { SseEvent } from "../../../src/streaming/sse-event";
import { findTranslator } from "../../../src/translate/registry";
import { makeContext } from "./support";

/**
 * P09, R→O: a Responses client's `include: ["message.output_text.logprobs"]` and `top_logprobs`
 * on a Chat Completions upstream: asked as `logprobs: true` / `top_logprobs`, answered from
 * `choices[0].logprobs.content` as output_text `logprobs`, whole and streamed.
 */
const translator = findTranslator("openai-responses", "openai-chat")!;
const ctx = () => makeContext("openai-responses", "openai-chat", { upstreamModel: "gpt-4o" });
const responsesBody = { model: "m", input: "hi", include: ["message.output_text.logprobs"], top_logprobs: 2 };
const utf8 = (text: string) => Array.from(new TextEncoder().encode(text));

/** Chat's shape; one server sends `bytes: null`, which the client gets as the token's UTF-8. */
const chatLogprobs = {
  content: [
    { token: "Hi", logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: "Hi", logprob: -0.1, bytes: [72, 105] }, { token: "Hey", logprob: -2.5, bytes: null }] },
    { token: "!", logprob: -0.2, bytes: null, top_logprobs: [] },
  ],
  refusal: null,
};
/** What an output_text part holds (ResponseOutputText.Logprob: bytes always a list). */
const partLogprobs = [
  { token: "Hi", bytes: [72, 105], logprob: -0.1, top_logprobs: [{ token: "Hi", bytes: [72, 105], logprob: -0.1 }, { token: "Hey", bytes: utf8("Hey"), logprob: -2.5 }] },
  { token: "!", bytes: [33], logprob: -0.2, top_logprobs: [] },
];
const completion = (logprobs: unknown) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  model: "gpt-4o",
  choices: [{ index: 0, message: { role: "assistant", content: "Hi!" }, logprobs, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

describe("request", () => {
  test("include message.output_text.logprobs and top_logprobs become logprobs: true and top_logprobs", () => {
    const body = translator.buildUpstreamRequest(responsesBody, ctx());
    expect(body.logprobs).toBe(true);
    expect(body.top_logprobs).toBe(2);
    expect(body.include).toBeUndefined();
  });

  test("without the include entry nothing is asked, top_logprobs alone included", () => {
    for (const body of [{ model: "m", input: "hi" }, { model: "m", input: "hi", top_logprobs: 3 }, { model: "m", input: "hi", include: ["reasoning.encrypted_content"] }]) {
      const upstream = translator.buildUpstreamRequest(body, ctx());
      expect(upstream.logprobs).toBeUndefined();
      expect(upstream.top_logprobs).toBeUndefined();
    }
  });

  test("without top_logprobs only logprobs: true goes", () => {
    const body = translator.buildUpstreamRequest({ ...responsesBody, top_logprobs: undefined }, ctx());
    expect(body.logprobs).toBe(true);
    expect(body).not.toHaveProperty("top_logprobs");
  });
});

describe("whole answers", () => {
  test("choices[0].logprobs.content becomes the output_text part's logprobs, bytes filled in", () => {
    const context = ctx();
    translator.buildUpstreamRequest(responsesBody, context);
    const body = translator.translateResponse(completion(chatLogprobs), context).body as any;
    expect(body.output[0].content[0]).toEqual({ type: "output_text", text: "Hi!", annotations: [], logprobs: partLogprobs });
    expect(body.top_logprobs).toBe(2);
  });

  test("asked for but not given (logprobs: null upstream): an empty list, as OpenAI answers", () => {
    const context = ctx();
    translator.buildUpstreamRequest(responsesBody, context);
    expect((translator.translateResponse(completion(null), context).body as any).output[0].content[0].logprobs).toEqual([]);
  });

  test("not asked for: the part has no logprobs field, as before", () => {
    const context = ctx();
    translator.buildUpstreamRequest({ model: "m", input: "hi" }, context);
    expect((translator.translateResponse(completion(null), context).body as any).output[0].content[0]).toEqual({ type: "output_text", text: "Hi!", annotations: [] });
  });
});

const chunk = (delta: Record<string, unknown>, logprobs: unknown = null, finish: string | null = null): SseEvent => ({
  data: JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", model: "gpt-4o", choices: [{ index: 0, delta, logprobs, finish_reason: finish }] }),
});
const streamEvents = (withLogprobs: boolean): SseEvent[] => [
  chunk({ role: "assistant", content: "" }),
  chunk({ content: "Hi" }, withLogprobs ? { content: [chatLogprobs.content[0]], refusal: null } : null),
  chunk({ content: "!" }, withLogprobs ? { content: [chatLogprobs.content[1]], refusal: null } : null),
  chunk({}, null, "stop"),
  { data: JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }) },
  { data: "[DONE]" },
];

function streamed(body: Record<string, unknown>, withLogprobs: boolean): Array<{ type: string; [key: string]: any }> {
  const context = ctx();
  translator.buildUpstreamRequest({ ...body, stream: true }, context);
  const stream = translator.createStreamTranslator(context);
  return [...streamEvents(withLogprobs).flatMap((event) => stream.push(event)), ...stream.end()].map((event) => JSON.parse(event.data));
}

describe("streams", () => {
  test("each output_text.delta carries its chunk's tokens, without bytes (ResponseTextDeltaEvent.Logprob)", () => {
    const events = streamed(responsesBody, true);
    expect(events.filter((event) => event.type === "response.output_text.delta").map((event) => [event.delta, event.logprobs])).toEqual([
      ["Hi", [{ token: "Hi", logprob: -0.1, top_logprobs: [{ token: "Hi", logprob: -0.1 }, { token: "Hey", logprob: -2.5 }] }]],
      ["!", [{ token: "!", logprob: -0.2, top_logprobs: [] }]],
    ]);
  });

  test("output_text.done carries them all; the part, the item and the final response carry them with bytes", () => {
    const events = streamed(responsesBody, true);
    const done = events.find((event) => event.type === "response.output_text.done")!;
    expect(done.logprobs.map((token: any) => token.token)).toEqual(["Hi", "!"]);
    expect(done.logprobs[0]).not.toHaveProperty("bytes");
    const part = { type: "output_text", text: "Hi!", annotations: [], logprobs: partLogprobs };
    expect(events.find((event) => event.type === "response.content_part.done")!.part).toEqual(part);
    expect(events.find((event) => event.type === "response.output_item.done")!.item.content).toEqual([part]);
    const completed = events.at(-1)!;
    expect(completed.type).toBe("response.completed");
    expect(completed.response.output[0].content).toEqual([part]);
    // Asked for: the part announced at the start says so too.
    expect(events.find((event) => event.type === "response.content_part.added")!.part.logprobs).toEqual([]);
  });

  test("not asked for: deltas keep empty lists and the part has no logprobs field", () => {
    const events = streamed({ model: "m", input: "hi" }, false);
    expect(events.filter((event) => event.type === "response.output_text.delta").every((event) => Array.isArray(event.logprobs) && event.logprobs.length === 0)).toBe(true);
    expect(events.find((event) => event.type === "response.output_text.done")!.logprobs).toEqual([]);
    expect(events.at(-1)!.response.output[0].content[0]).toEqual({ type: "output_text", text: "Hi!", annotations: [] });
  });

  test("a collected stream (non-streaming client, streamed upstream) joins the chunks' tokens", () => {
    const context = ctx();
    translator.buildUpstreamRequest(responsesBody, context);
    const body = translator.translateCollectedStream(streamEvents(true), context).body as any;
    expect(body.output[0].content[0].logprobs).toEqual(partLogprobs);
  });
});
