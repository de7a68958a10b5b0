import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { useMockedGateway } from "../support/gateway-harness";

/**
 * TC02 through the gateway: an OpenAI client's `tool_choice: "none"` reaches an Anthropic host as
 * `{type:"none"}`; with `tool_choice_none = false` (a host that refuses it) the request goes
 * without its tools instead, and the history's tool calls and results as text (S14).
 */
const running = useMockedGateway({ TOKLIGENCE_PROVIDERS__ANTHROPIC__TOOL_CHOICE_NONE: "false" });

const tools = [{ type: "function" as const, function: { name: "Read", parameters: { type: "object", properties: { path: { type: "string" } } } } }];
const messages = [
  { role: "user" as const, content: "read /a" },
  { role: "assistant" as const, content: null, tool_calls: [{ id: "call_1", type: "function" as const, function: { name: "Read", arguments: '{"path":"/a"}' } }] },
  { role: "tool" as const, tool_call_id: "call_1", content: "alpha" },
  { role: "user" as const, content: "now summarise, no tools" },
];

describe("TC02 tool_choice none toward an Anthropic host that refuses it", () => {
  for (const stream of [false, true]) {
    test(`${stream ? "streamed: " : ""}no tools and no tool_choice upstream, tool blocks as text; the client gets its answer`, async () => {
      const { mock, gw } = running;
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x" });
      const params = { model: "claude-sonnet-4-6", messages, tools, tool_choice: "none" as const, max_tokens: 50 };
      let text = "";
      if (stream) {
        for await (const chunk of await client.chat.completions.create({ ...params, stream: true })) text += chunk.choices[0]?.delta?.content ?? "";
      } else text = (await client.chat.completions.create(params)).choices[0]!.message.content ?? "";
      expect(text.length).toBeGreaterThan(0);
      const sent = mock.requests.at(-1)!;
      expect(sent.path).toBe("/v1/messages");
      expect(sent.body.tools).toBeUndefined();
      expect(sent.body.tool_choice).toBeUndefined();
      const serialized = JSON.stringify(sent.body.messages);
      expect(serialized).not.toMatch(/tool_use|tool_result/);
      expect(serialized).toContain("[tool call call_1: Read");
      expect(serialized).toContain("[tool result call_1]\\nalpha");
    });
  }

  test("tool_choice auto to the same host keeps its tools", async () => {
    const { mock, gw } = running;
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x" });
    await client.chat.completions.create({ model: "claude-sonnet-4-6", messages, tools, tool_choice: "auto", max_tokens: 50 });
    expect(mock.requests.at(-1)!.body.tools).toHaveLength(1);
  });
});
