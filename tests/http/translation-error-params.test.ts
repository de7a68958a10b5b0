import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { chatOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * A request the gateway refuses while translating names the field the client sent, in the
 * client's own protocol: a Responses client holds its conversation in `input`, never in the
 * `messages` a Chat or Anthropic request would have.
 */
const running = useMockedGateway((mock) => chatOnlyProviderEnv(mock.openaiBaseUrl));

const withFileId = (type: "input_file" | "input_image") => [
  {
    role: "user" as const,
    content: [{ type: "input_text" as const, text: "Summarise this" }, type === "input_file" ? { type, file_id: "file-abc123" } : { type, file_id: "file-abc123", detail: "auto" as const }],
  },
];

async function refusal(model: string, type: "input_file" | "input_image"): Promise<InstanceType<typeof OpenAI.APIError>> {
  const { openai } = sdkClients(running.gw.url);
  const error = await openai.responses.create({ model, input: withFileId(type) as never }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

describe("translation refusals name the Responses client's own field", () => {
  for (const [upstream, model] of [["Anthropic", "claude-sonnet-4-5"], ["Chat", "chat-model"]] as const) {
    for (const type of ["input_file", "input_image"] as const) {
      test(`a file id in ${type} on a ${upstream} upstream: 400, param input`, async () => {
        const sentBefore = running.mock.requests.length;
        const error = await refusal(model, type);
        expect(error.status).toBe(400);
        expect(error.param).toBe("input");
        expect(error.message).toContain("file ids cannot be forwarded");
        expect(running.mock.requests.length).toBe(sentBefore);
      });
    }
  }

  test("an image type Claude does not take: 400, param input", async () => {
    const { openai } = sdkClients(running.gw.url);
    const error = await openai.responses
      .create({ model: "claude-sonnet-4-5", input: [{ role: "user", content: [{ type: "input_image", image_url: "data:image/bmp;base64,AAAA", detail: "auto" }] }] })
      .catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe("input");
  });

  test("a Chat client still sees param messages", async () => {
    const { openai } = sdkClients(running.gw.url);
    const error = await openai.chat.completions
      .create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-abc123" } }] }] })
      .catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe("messages");
  });
});
