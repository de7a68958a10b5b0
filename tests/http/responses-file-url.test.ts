import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import OpenAI from "openai";
import { chatOnlyProviderEnv, startTestGateway, useMockedGateway } from "../support/gateway-harness";
import { chatCompletionRequests, sdkClients } from "../support/sdk-clients";

/**
 * C05: a Responses client's `input_file` by `file_url`, on a model a Chat Completions upstream
 * serves: the gateway reads the file and sends it inline (`file.file_data` with a `filename`),
 * as Chat takes no file URLs; a URL it cannot read is the client's 400 naming the part.
 */
const pdf = Buffer.from("%PDF-1.4\n% a tiny test document\n");
let files: Server<undefined>;
let fileHits = 0;
beforeAll(() => {
  files = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      fileHits++;
      const path = new URL(request.url).pathname;
      if (path === "/docs/report.pdf") return new Response(pdf, { headers: { "content-type": "application/pdf" } });
      if (path === "/notes") return new Response("plain notes", { headers: { "content-type": "text/plain; charset=utf-8" } });
      if (path === "/moved") return Response.redirect("/docs/report.pdf", 302);
      if (path === "/big") return new Response(new Uint8Array(2 * 1024 * 1024 + 1));
      if (path === "/slow") {
        await Bun.sleep(2_000);
        return new Response(pdf);
      }
      return new Response("no such file", { status: 404 });
    },
  });
});
afterAll(() => files.stop(true));

const running = useMockedGateway((mock) => ({
  ...chatOnlyProviderEnv(mock.openaiBaseUrl),
  TOKLIGENCE_GATEWAY__FILE_URL_PRIVATE_HOSTS: "true",
  TOKLIGENCE_GATEWAY__FILE_URL_MAX_MB: "2",
  TOKLIGENCE_GATEWAY__FILE_URL_TIMEOUT_MS: "500",
}));

const fileUrl = (path: string) => `http://127.0.0.1:${files.port}${path}`;
const ask = (baseUrl: string, part: Record<string, unknown>) =>
  sdkClients(baseUrl).openai.responses.create({
    model: "chat-model",
    input: [{ role: "user", content: [{ type: "input_text", text: "Summarise the file" }, { type: "input_file", ...part } as never] }],
  });
const lastFilePart = () => {
  const sent = chatCompletionRequests(running.mock).at(-1)!;
  return sent.body.messages.at(-1).content.find((part: { type: string }) => part.type === "file");
};

describe("C05 Responses input_file by file_url on a Chat upstream", () => {
  test("the file is read and sent inline, named after the URL's path", async () => {
    const response = await ask(running.gw.url, { file_url: fileUrl("/docs/report.pdf") });
    expect(response.status).toBe("completed");
    expect(lastFilePart()).toEqual({ type: "file", file: { filename: "report.pdf", file_data: `data:application/pdf;base64,${pdf.toString("base64")}` } });
  });

  test("the client's filename wins; the server's content type is kept; redirects are followed", async () => {
    await ask(running.gw.url, { file_url: fileUrl("/notes"), filename: "notes.txt" });
    expect(lastFilePart().file).toEqual({ filename: "notes.txt", file_data: `data:text/plain;base64,${Buffer.from("plain notes").toString("base64")}` });
    await ask(running.gw.url, { file_url: fileUrl("/moved") });
    expect(lastFilePart().file.filename).toBe("report.pdf");
  });

  test("a tool output's file is inlined too", async () => {
    await sdkClients(running.gw.url).openai.responses.create({
      model: "chat-model",
      input: [
        { type: "function_call", call_id: "call_1", name: "fetch_report", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: [{ type: "input_file", file_url: fileUrl("/docs/report.pdf") }] as never },
      ],
    });
    const sent = chatCompletionRequests(running.mock).at(-1)!;
    expect(JSON.stringify(sent.body.messages)).toContain(pdf.toString("base64"));
    expect(JSON.stringify(sent.body.messages)).not.toContain(fileUrl("/docs/report.pdf"));
  });

  const refusals: Array<[string, string, string]> = [
    ["a 404", "/missing", "answered 404"],
    ["a file over the size limit", "/big", "limit"],
    ["a server slower than the timeout", "/slow", "within 500 ms"],
  ];
  for (const [what, path, reason] of refusals) {
    test(`${what}: 400 in the Responses error shape naming the part, nothing sent upstream`, async () => {
      const before = chatCompletionRequests(running.mock).length;
      const error = (await ask(running.gw.url, { file_url: fileUrl(path) }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(400);
      expect(error.type).toBe("invalid_request_error");
      expect(error.param).toBe("input[0].content[1].file_url");
      expect(error.message).toContain("could not read the file");
      expect(error.message).toContain(reason);
      expect(chatCompletionRequests(running.mock).length).toBe(before);
    });
  }

  test("only http and https", async () => {
    const error = (await ask(running.gw.url, { file_url: "file:///etc/passwd" }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.message).toContain("only http and https");
  });

  test("by default a loopback or private-network host is refused before anything is fetched", async () => {
    const gateway = await startTestGateway(running.mock, chatOnlyProviderEnv(running.mock.openaiBaseUrl));
    try {
      const hits = fileHits;
      const error = (await ask(gateway.url, { file_url: fileUrl("/docs/report.pdf") }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
      expect(error.status).toBe(400);
      expect(error.message).toContain("not a public address");
      expect(fileHits).toBe(hits);
    } finally {
      await gateway.stop();
    }
  });

  test("gateway.file_url_max_mb = 0: the gateway reads no client URL; such a file is a 400 saying how to send it", async () => {
    const gateway = await startTestGateway(running.mock, { ...chatOnlyProviderEnv(running.mock.openaiBaseUrl), TOKLIGENCE_GATEWAY__FILE_URL_PRIVATE_HOSTS: "true", TOKLIGENCE_GATEWAY__FILE_URL_MAX_MB: "0" });
    try {
      const hits = fileHits;
      const sent = chatCompletionRequests(running.mock).length;
      const error = (await ask(gateway.url, { file_url: fileUrl("/docs/report.pdf") }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
      expect(error.status).toBe(400);
      expect(error.message).toContain("file_data");
      expect((error.error as { param?: string }).param).toBe("input[0].content[1].file_url");
      expect(fileHits).toBe(hits);
      expect(chatCompletionRequests(running.mock).length).toBe(sent);
    } finally {
      await gateway.stop();
    }
  });
});
