import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(undefined);
});
afterAll(() => gw.stop());

describe("loopback answers every API offline in its exact wire format", () => {
  test("chat, streaming, through the openai SDK (with include_usage)", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: "loopback", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "ping pong" }] });
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("[loopback] ping pong");
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
  });

  // P08: clients index into choices[i]; one choice for n > 1 would break them silently.
  test("chat with n choices, streamed and not; a bad n is a 400 naming it", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const whole = await client.chat.completions.create({ model: "loopback", n: 3, messages: [{ role: "user", content: "echo" }] });
    expect(whole.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason])).toEqual([0, 1, 2].map((index) => [index, "[loopback] echo", "stop"]));
    const single = await client.chat.completions.create({ model: "loopback", messages: [{ role: "user", content: "echo" }] });
    expect(whole.usage!.completion_tokens).toBe(single.usage!.completion_tokens * 3);
    const stream = await client.chat.completions.create({ model: "loopback", n: 2, stream: true, messages: [{ role: "user", content: "echo" }] });
    const texts = ["", ""];
    const finishes: Array<string | null> = [null, null];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        texts[choice.index] += choice.delta.content ?? "";
        if (choice.finish_reason) finishes[choice.index] = choice.finish_reason;
      }
    }
    expect(texts).toEqual(["[loopback] echo", "[loopback] echo"]);
    expect(finishes).toEqual(["stop", "stop"]);
    const bad = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "loopback", n: 0, messages: [{ role: "user", content: "x" }] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatchObject({ param: "n", type: "invalid_request_error" });
  });

  test("messages, streaming, through the Anthropic SDK", async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
    const message = await client.messages.stream({ model: "loopback", max_tokens: 50, messages: [{ role: "user", content: "hello" }] }).finalMessage();
    expect(message.content[0]).toMatchObject({ type: "text", text: "[loopback] hello" });
    expect(message.stop_reason).toBe("end_turn");
  });

  test("responses, streaming: the standard event sequence with increasing sequence_number", async () => {
    const response = await fetch(`${gw.url}/v1/responses`, { method: "POST", body: JSON.stringify({ model: "loopback", stream: true, input: "hey" }) });
    const events = await readSse(response);
    expect(events.map((e) => e.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    events.forEach((event, i) => expect(event.data.sequence_number).toBe(i));
    expect(events.at(-1)!.data.response.usage.total_tokens).toBeGreaterThan(0);
  });

  test("responses, non-streaming, through the openai SDK", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const response = await client.responses.create({ model: "loopback", input: "hi there" });
    expect(response.output_text).toBe("[loopback] hi there");
    expect(response.status).toBe("completed");
  });

  test("embeddings: deterministic vectors of the requested size", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const a = await client.embeddings.create({ model: "loopback", input: ["same", "other"], dimensions: 64 });
    const b = await client.embeddings.create({ model: "loopback", input: "same", dimensions: 64 });
    expect(a.data[0]!.embedding).toHaveLength(64);
    expect(a.data[0]!.embedding).toEqual(b.data[0]!.embedding);
    expect(a.data[1]!.embedding).not.toEqual(a.data[0]!.embedding);
  });

  test("count_tokens on loopback", async () => {
    const response = await fetch(`${gw.url}/v1/messages/count_tokens`, { method: "POST", body: JSON.stringify({ model: "loopback", messages: [{ role: "user", content: "hello world" }] }) });
    expect(((await response.json()) as any).input_tokens).toBeGreaterThan(0);
  });

  test("cross-protocol requests get a clear 501 naming the missing translation until a translator exists", async () => {
    // Anthropic client, model routed to an OpenAI-speaking provider, no translator registered.
    const { startMockUpstream } = await import("../support/mock-upstream");
    const mock = await startMockUpstream();
    const local = await (await import("../support/gateway-harness")).startTestGateway(mock, {}, {});
    const proxy = local.gateway.proxy;
    const original = proxy.findTranslator;
    (proxy as { findTranslator: typeof original }).findTranslator = () => undefined;
    const response = await fetch(`${local.url}/v1/messages`, { method: "POST", body: JSON.stringify({ model: "gpt-4o", max_tokens: 5, messages: [{ role: "user", content: "x" }] }) });
    expect(response.status).toBe(501);
    expect(((await response.json()) as any).error.message).toContain("translation from anthropic to openai-chat");
    await local.stop();
    await mock.stop();
  });
});
