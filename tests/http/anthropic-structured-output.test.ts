import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * Anthropic structured outputs on models served in another protocol. The Messages API takes the
 * schema as `output_config.format` and, under its older (deprecated, still accepted) name, as
 * top-level `output_format`, which the structured-outputs beta SDKs (the Anthropic SDKs of late
 * 2025, LangChain's json_schema method) send. Both must reach an OpenAI model as its JSON schema
 * format: `output_format` was dropped, and the model answered free text the client's parse failed on.
 */
const running = useMockedGateway((mock) => ({
  ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"),
  ...responsesOnlyProviderEnv(mock.openaiBaseUrl, "resp-*"),
}));

const schema = { type: "object", properties: { answer: { type: "number" } }, required: ["answer"], additionalProperties: false };

const askWithOutputFormat = (model: string, stream: boolean) =>
  fetch(`${running.gw.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "anthropic-beta": "structured-outputs-2025-11-13" },
    body: JSON.stringify({ model, max_tokens: 100, stream, messages: [{ role: "user", content: "6 times 7?" }], output_format: { type: "json_schema", schema } }),
  });

describe("output_format (the deprecated name of output_config.format)", () => {
  test("a Chat Completions model gets it as response_format json_schema", async () => {
    const response = await askWithOutputFormat("chat-x", false);
    expect(response.status).toBe(200);
    expect(running.mock.requests.at(-1)!.body.response_format).toMatchObject({ type: "json_schema", json_schema: { schema } });
  });

  test("a Responses model gets it as text.format, streamed too", async () => {
    const response = await askWithOutputFormat("resp-x", true);
    expect(response.status).toBe(200);
    await response.text();
    expect(running.mock.requests.at(-1)!.body.text?.format).toMatchObject({ type: "json_schema", schema });
  });

  test("a mistyped output_format is a 400 naming it, as Anthropic answers", async () => {
    const response = await fetch(`${running.gw.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "chat-x", max_tokens: 100, messages: [{ role: "user", content: "hi" }], output_format: "json" }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain("output_format");
  });

  test("the SDK's messages.parse (output_config.format) still gets its parsed output", async () => {
    running.mock.setDefaultText('{"answer":42}');
    try {
      const { anthropic } = sdkClients(running.gw.url);
      const message = await anthropic.messages.parse({ model: "chat-x", max_tokens: 100, messages: [{ role: "user", content: "6 times 7?" }], output_config: { format: { type: "json_schema", schema } } });
      expect(message.parsed_output as unknown).toEqual({ answer: 42 });
    } finally {
      running.mock.setDefaultText("Hello from the mock upstream");
    }
  });
});
