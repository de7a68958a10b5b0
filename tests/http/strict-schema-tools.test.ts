import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { chatOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { chatStream } from "../support/provider-mocks";
import type { MockScript, RecordedRequest } from "../support/mock-upstream";

/**
 * J03 through the gateway: an Anthropic client's `strict: true` tool whose schema has optional
 * properties reaches a Chat upstream strict, in OpenAI's strict form (closed, all required,
 * optional ones nullable), instead of with strict dropped; the `null`s the model then sends for
 * the optional keys never reach the client, streamed or not.
 */
const running = useMockedGateway((mock) => chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"));

const schema = {
  type: "object",
  properties: { path: { type: "string" }, limit: { type: "integer" }, note: { type: ["string", "null"] } },
  required: ["path"],
};
const args = '{"path":"/a","limit":null,"note":null}';
const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };

function answer(request: RecordedRequest): MockScript {
  const call = { id: "call_1", type: "function", function: { name: "Read", arguments: args } };
  if (request.body.stream) return { events: chatStream("chat-x", [{ role: "assistant", content: null, tool_calls: [{ index: 0, ...call }] }], "tool_calls", usage) };
  const message = { role: "assistant", content: null, tool_calls: [call] };
  return { json: { id: "chatcmpl-1", object: "chat.completion", created: 1, model: "chat-x", choices: [{ index: 0, message, finish_reason: "tool_calls" }], usage } };
}

describe("J03 strict tool schemas toward a Chat upstream", () => {
  for (const stream of [false, true]) {
    test(`rewritten upstream, strict kept; the ${stream ? "streamed " : ""}tool input loses the nulls of optional non-nullable keys`, async () => {
      const { mock, gw } = running;
      mock.setResponder(answer);
      try {
        const client = new Anthropic({ baseURL: gw.url, apiKey: "x" });
        const params = { model: "chat-x", max_tokens: 100, messages: [{ role: "user" as const, content: "read" }], tools: [{ name: "Read", input_schema: schema, strict: true }] };
        const message = stream ? await client.messages.stream(params as never).finalMessage() : await client.messages.create(params as never);
        const sent = mock.requests.at(-1)!.body.tools[0].function;
        expect(sent.strict).toBe(true);
        expect(sent.parameters).toEqual({
          type: "object",
          properties: { path: { type: "string" }, limit: { type: ["integer", "null"] }, note: { type: ["string", "null"] } },
          required: ["path", "limit", "note"],
          additionalProperties: false,
        });
        // `limit` was optional and not nullable: dropped; `note` takes null in the client's schema.
        expect(message.content).toEqual([expect.objectContaining({ type: "tool_use", name: "Read", input: { path: "/a", note: null } })]);
        expect(message.stop_reason).toBe("tool_use");
      } finally {
        mock.setResponder(undefined);
      }
    });
  }

  test("a schema strict mode cannot express goes with strict off, as before", async () => {
    const { mock, gw } = running;
    const client = new Anthropic({ baseURL: gw.url, apiKey: "x" });
    const free = { type: "object", properties: { env: { type: "object", additionalProperties: { type: "string" } } } };
    await client.messages.create({ model: "chat-x", max_tokens: 100, messages: [{ role: "user", content: "hi" }], tools: [{ name: "Run", input_schema: free, strict: true }] } as never);
    const sent = mock.requests.at(-1)!.body.tools[0].function;
    expect(sent.strict).toBeUndefined();
    expect(sent.parameters).toEqual(free);
  });
});
