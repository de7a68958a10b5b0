import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * The @anthropic-ai/sdk client on models served in another protocol (Chat Completions `chat-*`,
 * Responses `resp-*`), for what the SDK's users meet that the translation tests do not show.
 */
const running = useMockedGateway((mock) => ({
  ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"),
  ...responsesOnlyProviderEnv(mock.openaiBaseUrl, "resp-*"),
}));

describe("C05 Anthropic Files API ids", () => {
  const blocks = [
    ["an image", { type: "image", source: { type: "file", file_id: "file_011CNha8iCJcU1wXNR6q4V8w" } }],
    ["a document", { type: "document", source: { type: "file", file_id: "file_011CNha8iCJcU1wXNR6q4V8w" } }],
  ] as const;
  for (const model of ["chat-x", "resp-x"]) {
    for (const [what, block] of blocks) {
      test(`${what} by file id on ${model} is a 400 that says so, and nothing goes upstream (an OpenAI server cannot resolve Anthropic's ids)`, async () => {
        const { anthropic } = sdkClients(running.gw.url);
        const before = running.mock.requests.length;
        const asked = anthropic.messages.create({ model, max_tokens: 50, messages: [{ role: "user", content: [block as never, { type: "text", text: "What is in it?" }] }] });
        const error = await asked.catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(Anthropic.BadRequestError);
        expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringContaining("file ids cannot be forwarded") } });
        expect(running.mock.requests.length).toBe(before);
      });
    }
  }

  test("in a tool result too", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    const error = await anthropic.messages
      .create({
        model: "resp-x",
        max_tokens: 50,
        tools: [{ name: "Read", input_schema: { type: "object" } }],
        messages: [
          { role: "user", content: "read it" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Read", input: {} }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "image", source: { type: "file", file_id: "file_011CNha8" } } as never] }] },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
  });
});
