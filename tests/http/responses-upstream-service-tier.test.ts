import { describe, expect, test } from "bun:test";
import type { MockScript } from "../support/mock-upstream";
import { readSse, responsesOnlyProviderEnv, startTestGateway, useMockedGateway } from "../support/gateway-harness";

/**
 * The tier a Responses upstream says served the answer (`service_tier` of its response object:
 * in `response.created` the one asked for, in `response.completed` the one used) reaches every
 * client: Chat clients as `service_tier`, Responses clients in their response object, Anthropic
 * clients as `usage.service_tier` in Anthropic's words (default → standard, priority and scale
 * → priority, flex → batch). It was not read, so Chat and Anthropic clients got none and
 * Responses clients the tier they asked for.
 */
const running = useMockedGateway((mock) => responsesOnlyProviderEnv(mock.openaiBaseUrl, "resp-*"));

const item = { id: "msg_x", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "ok", annotations: [] }] };
const usage = { input_tokens: 3, output_tokens: 1, total_tokens: 4, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } };
const responseObject = (tier: string, status = "completed") => ({
  id: "resp_x", object: "response", created_at: 1, model: "resp-1", status, service_tier: tier,
  output: status === "completed" ? [item] : [], usage: status === "completed" ? usage : null,
});

/** A streamed answer whose created event names the tier asked for and whose completed event names the one used. */
function streamedAnswer(asked: string, used: string): MockScript {
  let seq = 0;
  const ev = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, sequence_number: seq++, ...payload } });
  return {
    events: [
      ev("response.created", { response: responseObject(asked, "in_progress") }),
      ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }),
      ev("response.content_part.added", { item_id: "msg_x", output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }),
      ev("response.output_text.delta", { item_id: "msg_x", output_index: 0, content_index: 0, delta: "ok" }),
      ev("response.output_text.done", { item_id: "msg_x", output_index: 0, content_index: 0, text: "ok" }),
      ev("response.content_part.done", { item_id: "msg_x", output_index: 0, content_index: 0, part: item.content[0] }),
      ev("response.output_item.done", { output_index: 0, item }),
      ev("response.completed", { response: responseObject(used) }),
    ],
  };
}

async function post(path: string, body: Record<string, unknown>, baseUrl = running.gw.url): Promise<Response> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "x", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response;
}

const messages = (stream: boolean) => ({ model: "resp-x", max_tokens: 16, stream, messages: [{ role: "user", content: "hi" }] });
const chat = (stream: boolean) => ({ model: "resp-x", stream, messages: [{ role: "user", content: "hi" }] });

describe("a Responses upstream's service_tier, for an Anthropic client", () => {
  const mapping: Array<[string, string]> = [["default", "standard"], ["priority", "priority"], ["scale", "priority"], ["flex", "batch"]];
  for (const [openai, anthropic] of mapping) {
    test(`${openai} is usage.service_tier ${anthropic}`, async () => {
      running.mock.enqueue({ json: responseObject(openai) });
      const body = (await (await post("/v1/messages", messages(false))).json()) as { usage: Record<string, unknown> };
      expect(body.usage.service_tier).toBe(anthropic);
    });
  }

  test("streamed: the tier used is in message_delta's usage; message_start has the one asked for when it is a tier", async () => {
    running.mock.enqueue(streamedAnswer("default", "flex"));
    const events = await readSse(await post("/v1/messages", messages(true)));
    expect(events.find((event) => event.event === "message_start")!.data.message.usage.service_tier).toBe("standard");
    expect(events.find((event) => event.event === "message_delta")!.data.usage.service_tier).toBe("batch");
  });

  test("streamed: `auto` (asked, not yet decided) is no tier: message_start has none", async () => {
    running.mock.enqueue(streamedAnswer("auto", "priority"));
    const events = await readSse(await post("/v1/messages", messages(true)));
    expect(events.find((event) => event.event === "message_start")!.data.message.usage).not.toHaveProperty("service_tier");
    expect(events.find((event) => event.event === "message_delta")!.data.usage.service_tier).toBe("priority");
  });

  test("an unknown tier is left out, not guessed", async () => {
    running.mock.enqueue({ json: responseObject("turbo") });
    const body = (await (await post("/v1/messages", messages(false))).json()) as { usage: Record<string, unknown> };
    expect(body.usage).not.toHaveProperty("service_tier");
  });
});

describe("a Responses upstream's service_tier, for a Chat client", () => {
  test("non-streamed: service_tier as the upstream said", async () => {
    running.mock.enqueue({ json: responseObject("flex") });
    const body = (await (await post("/v1/chat/completions", chat(false))).json()) as Record<string, unknown>;
    expect(body.service_tier).toBe("flex");
  });

  test("streamed: chunks carry the tier once known, the last ones the tier used", async () => {
    running.mock.enqueue(streamedAnswer("auto", "priority"));
    const chunks = (await readSse(await post("/v1/chat/completions", { ...chat(true), stream_options: { include_usage: true } }))).filter((event) => typeof event.data === "object" && event.data !== null);
    expect(chunks.at(-1)!.data.service_tier).toBe("priority");
    expect(chunks.some((chunk) => chunk.data.choices?.[0]?.finish_reason === "stop" && chunk.data.service_tier === "priority")).toBe(true);
  });
});

describe("a Responses upstream's service_tier, for a Responses client through the hub (work_mode=translation)", () => {
  test("the tier used, not the one asked for, streamed and not", async () => {
    const gateway = await startTestGateway(running.mock, { ...responsesOnlyProviderEnv(running.mock.openaiBaseUrl, "resp-*"), TOKLIGENCE_WORK_MODE: "translation" });
    try {
      running.mock.enqueue({ json: responseObject("flex") });
      const whole = (await (await post("/v1/responses", { model: "resp-x", input: "hi", service_tier: "auto" }, gateway.url)).json()) as Record<string, unknown>;
      expect(whole.service_tier).toBe("flex");
      running.mock.enqueue(streamedAnswer("auto", "priority"));
      const events = await readSse(await post("/v1/responses", { model: "resp-x", input: "hi", service_tier: "auto", stream: true }, gateway.url));
      expect(events.find((event) => event.data?.type === "response.completed")!.data.response.service_tier).toBe("priority");
    } finally {
      await gateway.stop();
    }
  });
});
