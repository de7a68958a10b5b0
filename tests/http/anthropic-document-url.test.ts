import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import Anthropic from "@anthropic-ai/sdk";
import { chatOnlyProviderEnv, responsesOnlyProviderEnv, startTestGateway, useMockedGateway } from "../support/gateway-harness";
import { chatCompletionRequests, sdkClients } from "../support/sdk-clients";

/**
 * C05: an Anthropic client's `document` by URL (`source: {type: "url"}`, a PDF Claude would
 * fetch) on an OpenAI model. A Responses upstream fetches it itself (`input_file.file_url`); Chat
 * takes files inline only, so the gateway reads the file under its `gateway.file_url_*` limits and
 * sends it as `file_data` (it used to send the model a line holding the URL). A URL the gateway
 * cannot read is the client's 400, in Anthropic's shape, naming the block.
 */
const pdf = Buffer.from("%PDF-1.4\n% a tiny test document\n");
let files: Server<undefined>;
let fileHits = 0;
beforeAll(() => {
  files = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      fileHits++;
      const path = new URL(request.url).pathname;
      if (path === "/docs/report.pdf") return new Response(pdf, { headers: { "content-type": "application/pdf" } });
      if (path === "/big") return new Response(new Uint8Array(2 * 1024 * 1024 + 1));
      return new Response("no such file", { status: 404 });
    },
  });
});
afterAll(() => files.stop(true));

const fileEnv = { TOKLIGENCE_GATEWAY__FILE_URL_PRIVATE_HOSTS: "true", TOKLIGENCE_GATEWAY__FILE_URL_MAX_MB: "2" };
const running = useMockedGateway((mock) => ({
  ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"),
  ...responsesOnlyProviderEnv(mock.openaiBaseUrl, "resp-*"),
  ...fileEnv,
}));

const fileUrl = (path: string) => `http://127.0.0.1:${files.port}${path}`;
const urlDocument = (path: string, extra: Record<string, unknown> = {}) => ({ type: "document", source: { type: "url", url: fileUrl(path) }, ...extra }) as never;
const readTool = { name: "Read", input_schema: { type: "object" as const } };
const inlinePdf = `data:application/pdf;base64,${pdf.toString("base64")}`;

const ask = (baseUrl: string, model: string, document: never) =>
  sdkClients(baseUrl).anthropic.messages.create({ model, max_tokens: 50, messages: [{ role: "user", content: [document, { type: "text", text: "Summarise it" }] }] });

/** A conversation whose last turn is a tool result holding `document`. */
const askWithToolResult = (model: string, document: never) =>
  sdkClients(running.gw.url).anthropic.messages.create({
    model,
    max_tokens: 50,
    tools: [readTool],
    messages: [
      { role: "user", content: "Read the report" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Read", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [document] }] },
    ],
  });

const refusalOf = async (promise: Promise<unknown>) => (await promise.catch((caught: unknown) => caught)) as InstanceType<typeof Anthropic.APIError>;

describe("C05 an Anthropic document by URL on a Chat model", () => {
  test("the file is read and sent inline as a file part, named after the URL's path (it was a text line with the URL)", async () => {
    const message = await ask(running.gw.url, "chat-x", urlDocument("/docs/report.pdf"));
    expect(message.type).toBe("message");
    const sent = chatCompletionRequests(running.mock).at(-1)!.body;
    expect(sent.messages.at(-1).content).toContainEqual({ type: "file", file: { filename: "report.pdf", file_data: inlinePdf } });
    expect(JSON.stringify(sent.messages)).not.toContain(fileUrl("/docs/report.pdf"));
  });

  test("the document's title names the file, as for an inline PDF", async () => {
    await ask(running.gw.url, "chat-x", urlDocument("/docs/report.pdf", { title: "Annual report" }));
    const sent = chatCompletionRequests(running.mock).at(-1)!.body;
    expect(sent.messages.at(-1).content).toContainEqual({ type: "file", file: { filename: "Annual report", file_data: inlinePdf } });
  });

  test("inside a tool result: a label in the tool message, the file after it", async () => {
    await askWithToolResult("chat-x", urlDocument("/docs/report.pdf", { context: "Q3 figures" }));
    const messages = chatCompletionRequests(running.mock).at(-1)!.body.messages;
    const tool = messages.find((message: { role: string }) => message.role === "tool");
    expect(tool.content).toContain("Q3 figures");
    expect(messages.at(-1).content).toContainEqual({ type: "file", file: { filename: "report.pdf", file_data: inlinePdf } });
    expect(JSON.stringify(messages)).not.toContain(fileUrl("/docs/report.pdf"));
  });

  const refusals: Array<[string, string, string]> = [
    ["a 404", "/missing", "answered 404"],
    ["a file over the size limit", "/big", "limit"],
  ];
  for (const [what, path, reason] of refusals) {
    test(`${what}: 400 in Anthropic's shape naming the block, nothing sent upstream`, async () => {
      const before = chatCompletionRequests(running.mock).length;
      const error = await refusalOf(ask(running.gw.url, "chat-x", urlDocument(path)));
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect(error.status).toBe(400);
      expect(error.error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
      expect(error.message).toContain("messages.0.content.0.source.url");
      expect(error.message).toContain("could not read the file");
      expect(error.message).toContain(reason);
      expect(chatCompletionRequests(running.mock).length).toBe(before);
    });
  }

  test("a tool result's unreadable document is named by its place in the result", async () => {
    const error = await refusalOf(askWithToolResult("chat-x", urlDocument("/missing")));
    expect(error.status).toBe(400);
    expect(error.message).toContain("messages.2.content.0.content.0.source.url");
  });

  test("by default a loopback or private-network host is refused before anything is fetched", async () => {
    const gateway = await startTestGateway(running.mock, chatOnlyProviderEnv(running.mock.openaiBaseUrl));
    try {
      const hits = fileHits;
      const error = await refusalOf(ask(gateway.url, "chat-x", urlDocument("/docs/report.pdf")));
      expect(error.status).toBe(400);
      expect(error.message).toContain("not a public address");
      expect(fileHits).toBe(hits);
    } finally {
      await gateway.stop();
    }
  });

  test("gateway.file_url_max_mb = 0: nothing is read; the 400 asks for the file inline", async () => {
    const gateway = await startTestGateway(running.mock, { ...chatOnlyProviderEnv(running.mock.openaiBaseUrl), TOKLIGENCE_GATEWAY__FILE_URL_PRIVATE_HOSTS: "true", TOKLIGENCE_GATEWAY__FILE_URL_MAX_MB: "0" });
    try {
      const hits = fileHits;
      const error = await refusalOf(ask(gateway.url, "chat-x", urlDocument("/docs/report.pdf")));
      expect(error.status).toBe(400);
      expect(error.message).toContain("messages.0.content.0.source.url");
      expect(error.message).toContain("base64");
      expect(fileHits).toBe(hits);
    } finally {
      await gateway.stop();
    }
  });
});

describe("C05 an Anthropic document by URL on a Responses model", () => {
  test("goes as an input_file with file_url, which OpenAI fetches; the gateway reads nothing", async () => {
    const hits = fileHits;
    await ask(running.gw.url, "resp-x", urlDocument("/docs/report.pdf"));
    const sent = running.mock.requests.at(-1)!.body;
    expect(sent.input.at(-1).content).toContainEqual({ type: "input_file", file_url: fileUrl("/docs/report.pdf") });
    expect(fileHits).toBe(hits);
  });

  test("inside a tool result too", async () => {
    await askWithToolResult("resp-x", urlDocument("/docs/report.pdf"));
    const sent = running.mock.requests.at(-1)!.body;
    expect(sent.input).toContainEqual({ type: "function_call_output", call_id: "toolu_1", output: [{ type: "input_file", file_url: fileUrl("/docs/report.pdf") }] });
  });
});
