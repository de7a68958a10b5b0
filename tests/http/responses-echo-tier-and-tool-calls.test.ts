/**
 * R10: a translated Responses answer (Chat or Anthropic upstream) echoes `max_tool_calls` as
 * the client sent it (null when not), and `service_tier` as the real API reports it: the tier the
 * upstream says served the answer, else the one asked for, else "default".
 */
import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, readSse, useMockedGateway } from "../support/gateway-harness";

const running = useMockedGateway((mock) => chatOnlyProviderEnv(mock.openaiBaseUrl));

async function responseObjects(body: Record<string, unknown>): Promise<any[]> {
  const answer = await fetch(`${running.gw.url}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: "hi", store: false, ...body }),
  });
  expect(answer.status).toBe(200);
  return body.stream ? (await readSse(answer)).filter((event) => event.data?.response).map((event) => event.data.response) : [await answer.json()];
}

const chatAnswer = (tier?: string) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "chat-1",
  ...(tier ? { service_tier: tier } : {}),
  choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const chatChunks = (tier: string) => [
  { data: { id: "chatcmpl-1", object: "chat.completion.chunk", model: "chat-1", service_tier: tier, choices: [{ index: 0, delta: { role: "assistant", content: "ok" } }] } },
  { data: { id: "chatcmpl-1", object: "chat.completion.chunk", model: "chat-1", service_tier: tier, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] } },
  "[DONE]",
];
const anthropicAnswer = (tier: string) => ({
  id: "msg_1", type: "message", role: "assistant", model: "claude-test", content: [{ type: "text", text: "ok" }], stop_reason: "end_turn",
  usage: { input_tokens: 1, output_tokens: 1, service_tier: tier },
});

describe("Responses echo of max_tool_calls and service_tier on translated upstreams", () => {
  for (const model of ["claude-test", "chat-1"]) {
    for (const stream of [false, true]) {
      test(`${model}, stream: ${stream}: max_tool_calls as sent; nothing reported or asked: service_tier "default"`, async () => {
        for (const response of await responseObjects({ model, stream, max_tool_calls: 3 })) {
          expect(response.max_tool_calls).toBe(3);
          expect(response.service_tier).toBe("default");
        }
        for (const response of await responseObjects({ model, stream })) expect(response.max_tool_calls).toBeNull();
      });
    }
  }

  test("the tier asked for, when the upstream reports none", async () => {
    const [response] = await responseObjects({ model: "chat-1", service_tier: "flex" });
    expect(response.service_tier).toBe("flex");
  });

  test("a Chat upstream's reported tier wins, whole and streamed", async () => {
    running.mock.enqueue({ json: chatAnswer("priority") });
    const [whole] = await responseObjects({ model: "chat-1", service_tier: "auto" });
    expect(whole.service_tier).toBe("priority");
    running.mock.enqueue({ events: chatChunks("priority") });
    const streamed = await responseObjects({ model: "chat-1", service_tier: "auto", stream: true });
    expect(streamed.at(-1).service_tier).toBe("priority");
  });

  test("an Anthropic upstream's usage.service_tier in OpenAI's words (standard is default)", async () => {
    running.mock.enqueue({ json: anthropicAnswer("standard") });
    const [standard] = await responseObjects({ model: "claude-test", service_tier: "auto" });
    expect(standard.service_tier).toBe("default");
    running.mock.enqueue({ json: anthropicAnswer("priority") });
    const [priority] = await responseObjects({ model: "claude-test" });
    expect(priority.service_tier).toBe("priority");
  });
});
