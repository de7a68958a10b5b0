import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, useMockedGateway } from "../support/gateway-harness";
import { chatCompletionRequests, sdkClients } from "../support/sdk-clients";

/**
 * C05 Anthropic documents on OpenAI models: what the model can read of a document's title and
 * context (which only Claude's API has fields for), in a tool result and as a `content` source.
 */
const running = useMockedGateway((mock) => ({
  ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"),
  ...responsesOnlyProviderEnv(mock.openaiBaseUrl, "resp-*"),
}));

const readTool = { name: "Read", input_schema: { type: "object" as const } };
const lastChatBody = () => chatCompletionRequests(running.mock).at(-1)!.body;

/** A conversation whose last turn is a tool result holding `blocks`. */
function toolResultTurns(blocks: unknown[]) {
  return [
    { role: "user" as const, content: "Read the handbook" },
    { role: "assistant" as const, content: [{ type: "tool_use" as const, id: "toolu_1", name: "Read", input: {} }] },
    { role: "user" as const, content: [{ type: "tool_result" as const, tool_use_id: "toolu_1", content: blocks as never }] },
  ];
}

describe("C05 a titled document inside a tool result, on a Chat model", () => {
  test("a text document keeps its title and context in the tool message (the title was dropped)", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.messages.create({
      model: "chat-x",
      max_tokens: 50,
      tools: [readTool],
      messages: toolResultTurns([
        { type: "document", title: "Staff handbook", context: "Revised in March", source: { type: "text", media_type: "text/plain", data: "Leave is 25 days." } },
      ]),
    });
    const tool = lastChatBody().messages.find((message: { role: string }) => message.role === "tool");
    expect(tool.content).toContain("Staff handbook");
    expect(tool.content).toContain("Revised in March");
    expect(tool.content).toContain("Leave is 25 days.");
  });

  test("a PDF keeps its title and context in the tool message's placeholder, and goes after it with the title as its filename", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.messages.create({
      model: "chat-x",
      max_tokens: 50,
      tools: [readTool],
      messages: toolResultTurns([
        { type: "document", title: "Staff handbook", context: "Revised in March", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" } },
      ]),
    });
    const messages = lastChatBody().messages;
    const tool = messages.find((message: { role: string }) => message.role === "tool");
    expect(tool.content).toContain("Staff handbook");
    expect(tool.content).toContain("Revised in March");
    const user = messages.at(-1);
    expect(user.content).toContainEqual({ type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0xLjQK", filename: "Staff handbook" } });
  });

  test("a top-level text document's context reaches the model too", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.messages.create({
      model: "chat-x",
      max_tokens: 50,
      messages: [
        {
          role: "user",
          content: [
            { type: "document", title: "Staff handbook", context: "Revised in March", source: { type: "text", media_type: "text/plain", data: "Leave is 25 days." } },
            { type: "text", text: "How much leave?" },
          ],
        },
      ],
    });
    const user = lastChatBody().messages.at(-1);
    const text = typeof user.content === "string" ? user.content : user.content.map((part: { text?: string }) => part.text ?? "").join("\n");
    expect(text).toContain("Staff handbook");
    expect(text).toContain("Revised in March");
    expect(text).toContain("Leave is 25 days.");
  });
});

describe("C05 a document whose source is `content` (custom content chunks)", () => {
  const contentDocument = {
    type: "document",
    title: "Release notes",
    context: "Written by the platform team",
    source: { type: "content", content: [{ type: "text", text: "Version 2 adds search." }, { type: "text", text: "Version 3 adds export." }] },
    citations: { enabled: true },
  };

  test("on a Chat model it becomes text with its title, context and every chunk (it was a 400)", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.messages.create({ model: "chat-x", max_tokens: 50, messages: [{ role: "user", content: [contentDocument as never, { type: "text", text: "What changed?" }] }] });
    const user = lastChatBody().messages.at(-1);
    expect(typeof user.content).toBe("string");
    for (const piece of ["Release notes", "Written by the platform team", "Version 2 adds search.", "Version 3 adds export.", "What changed?"]) expect(user.content).toContain(piece);
  });

  test("its string form too, and inside a tool result", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.messages.create({
      model: "chat-x",
      max_tokens: 50,
      tools: [readTool],
      messages: toolResultTurns([{ type: "document", title: "Release notes", source: { type: "content", content: "Version 2 adds search." } }]),
    });
    const tool = lastChatBody().messages.find((message: { role: string }) => message.role === "tool");
    expect(tool.content).toContain("Release notes");
    expect(tool.content).toContain("Version 2 adds search.");
  });

  test("on a Responses model it becomes input text with its title, context and chunks", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.messages.create({ model: "resp-x", max_tokens: 50, messages: [{ role: "user", content: [contentDocument as never, { type: "text", text: "What changed?" }] }] });
    const sent = running.mock.requests.at(-1)!.body;
    const texts = JSON.stringify(sent.input);
    for (const piece of ["Release notes", "Written by the platform team", "Version 2 adds search.", "Version 3 adds export."]) expect(texts).toContain(piece);
  });

  test("on a Claude model it goes as the client sent it", async () => {
    const { anthropic } = sdkClients(running.gw.url);
    await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 50, messages: [{ role: "user", content: [contentDocument as never, { type: "text", text: "What changed?" }] }] });
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toEndWith("/v1/messages");
    expect(sent.body.messages[0].content[0]).toEqual(contentDocument);
  });

  test("a content source without content is a 400 that names the field", async () => {
    const response = await fetch(`${running.gw.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "x", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "chat-x", max_tokens: 50, messages: [{ role: "user", content: [{ type: "document", source: { type: "content" } }] }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(body.error.message).toContain("messages.0.content.0.source.content");
  });
});
