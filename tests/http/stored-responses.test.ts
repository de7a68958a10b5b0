/**
 * Stored responses (issue 4): `store`, `previous_response_id` on every upstream, GET/DELETE
 * /v1/responses/{id}, input_items, owner scoping, retention, and a conversation continued
 * after the gateway restarts on the same database.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthenticator } from "../../src/auth/authenticator";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { loadConfig } from "../../src/config/load";
import { buildServices } from "../../src/daemon";
import { startGateway } from "../../src/gateway";
import { createSilentLogger } from "../../src/log/logger";
import { createResponseStore, type ResponseStore } from "../../src/responses-store/service";
import { openStore } from "../../src/store/open-store";
import type { Store } from "../../src/store/types";
import { chatOnlyProviderEnv, readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { dialectCases } from "../support/test-databases";

const HOUR = 3_600_000;

/** An Anthropic answer that calls the `ls` tool. */
const anthropicToolUse = (model = "claude-test") => ({
  json: {
    id: "msg_tool",
    type: "message",
    role: "assistant",
    model,
    content: [
      { type: "text", text: "Listing." },
      { type: "tool_use", id: "toolu_1", name: "ls", input: { path: "." } },
    ],
    stop_reason: "tool_use",
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 3 },
  },
});

const lsTool = { type: "function", name: "ls", parameters: { type: "object", properties: { path: { type: "string" } } } };

function providerEnv(mock: MockUpstream): Record<string, string> {
  return chatOnlyProviderEnv(mock.openaiBaseUrl);
}

/** Whole-conversation checks on what an upstream received. */
function anthropicHistoryOk(body: any): void {
  const messages = body.messages as any[];
  expect(JSON.stringify(messages[0])).toContain("list files");
  const assistant = messages.find((message) => message.role === "assistant");
  expect(assistant.content).toContainEqual(expect.objectContaining({ type: "tool_use", id: "toolu_1", name: "ls", input: { path: "." } }));
  const results = messages.flatMap((message) => (message.role === "user" && Array.isArray(message.content) ? message.content : [])).filter((block: any) => block.type === "tool_result");
  expect(results).toHaveLength(1);
  expect(results[0].tool_use_id).toBe("toolu_1");
  expect(JSON.stringify(results[0].content)).toContain("a.txt");
}

describe("stored responses (SQLite, auth off)", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let store: Store;
  let responses: ResponseStore;
  let dataDir: string;
  let clock = new Date();

  const post = (body: unknown) => fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const get = (path: string) => fetch(`${gw.url}${path}`);

  beforeAll(async () => {
    mock = await startMockUpstream();
    dataDir = mkdtempSync(join(tmpdir(), "gw-stored-"));
    store = await openStore({ dataDir });
    await store.migrate();
    responses = createResponseStore({ repository: store.responses, retentionHours: 24, logger: createSilentLogger(), now: () => clock });
    gw = await startTestGateway(mock, providerEnv(mock), { responses });
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("store + GET + input_items (order, limit, after) + DELETE in OpenAI's shapes", async () => {
    const created = await post({ model: "claude-test", instructions: "be brief", input: "hello" });
    expect(created.status).toBe(200);
    const response = (await created.json()) as any;
    expect(response.id).toMatch(/^resp_/);
    // OpenAI echoes the request's instructions in the response object, and so does the stored copy.
    expect(response.instructions).toBe("be brief");

    const fetched = await get(`/v1/responses/${response.id}`);
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual(response);

    const items = (await (await get(`/v1/responses/${response.id}/input_items`)).json()) as any;
    expect(items).toMatchObject({ object: "list", has_more: false });
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: "message", role: "user", content: [{ type: "input_text", text: "hello" }] });
    expect(items.first_id).toBe(items.data[0].id);
    expect(items.last_id).toBe(items.data[0].id);

    // A continuation lists the whole conversation it was generated from: 3 items.
    const next = (await (await post({ model: "claude-test", previous_response_id: response.id, input: [{ role: "user", content: "more" }] })).json()) as any;
    const all = (await (await get(`/v1/responses/${next.id}/input_items?order=asc`)).json()) as any;
    expect(all.data.map((item: any) => item.role)).toEqual(["user", "assistant", "user"]);
    const page1 = (await (await get(`/v1/responses/${next.id}/input_items?order=asc&limit=2`)).json()) as any;
    expect(page1.data).toEqual(all.data.slice(0, 2));
    expect(page1.has_more).toBe(true);
    const page2 = (await (await get(`/v1/responses/${next.id}/input_items?order=asc&limit=2&after=${page1.last_id}`)).json()) as any;
    expect(page2.data).toEqual(all.data.slice(2));
    expect(page2.has_more).toBe(false);
    const descending = (await (await get(`/v1/responses/${next.id}/input_items`)).json()) as any;
    expect(descending.data).toEqual([...all.data].reverse());
    expect((await get(`/v1/responses/${next.id}/input_items?limit=0`)).status).toBe(400);
    expect((await get(`/v1/responses/${next.id}/input_items?order=up`)).status).toBe(400);

    const deleted = await fetch(`${gw.url}/v1/responses/${response.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: response.id, object: "response", deleted: true });
    const gone = await get(`/v1/responses/${response.id}`);
    expect(gone.status).toBe(404);
    const error = ((await gone.json()) as any).error;
    expect(error.message).toContain(response.id);
    expect(error.type).toBe("invalid_request_error");
    expect((await fetch(`${gw.url}/v1/responses/${response.id}`, { method: "DELETE" })).status).toBe(404);
    // The later response is self-contained: deleting the earlier one does not break it.
    expect((await get(`/v1/responses/${next.id}/input_items`)).status).toBe(200);
  });

  test("previous_response_id through Anthropic, then Chat: each upstream receives the whole history", async () => {
    mock.enqueue(anthropicToolUse());
    const first = (await (await post({ model: "claude-test", input: "list files", tools: [lsTool] })).json()) as any;
    expect(first.output.map((item: any) => item.type)).toEqual(["message", "function_call"]);

    const second = await post({
      model: "claude-test",
      previous_response_id: first.id,
      instructions: "new rules",
      tools: [lsTool],
      input: [{ type: "function_call_output", call_id: "toolu_1", output: "a.txt" }],
    });
    expect(second.status).toBe(200);
    const secondJson = (await second.json()) as any;
    expect(secondJson.previous_response_id).toBe(first.id);
    const toAnthropic = mock.requests.at(-1)!;
    expect(toAnthropic.path).toBe("/v1/messages");
    anthropicHistoryOk(toAnthropic.body);
    expect(JSON.stringify(toAnthropic.body.system)).toContain("new rules");

    const third = await post({ model: "chat-1", previous_response_id: secondJson.id, input: "thanks" });
    expect(third.status).toBe(200);
    const toChat = mock.requests.at(-1)!;
    expect(toChat.path).toBe("/v1/chat/completions");
    const messages = toChat.body.messages as any[];
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant", "tool", "assistant", "user"]);
    expect(messages[1].tool_calls[0]).toMatchObject({ id: "toolu_1", function: { name: "ls" } });
    expect(JSON.parse(messages[1].tool_calls[0].function.arguments)).toEqual({ path: "." });
    expect(messages[2]).toMatchObject({ tool_call_id: "toolu_1" });
    expect(JSON.stringify(messages[2].content)).toContain("a.txt");
    expect(JSON.stringify(messages[3].content)).toContain("Hello from the mock upstream");
    expect(JSON.stringify(messages[4].content)).toContain("thanks");
  });

  test("K06 K09 a continuation replays Claude's signed thinking although the client never asked for encrypted_content, over several turns, streamed or not", async () => {
    const thinkingToolUse = (id: string, signature: string) => ({
      json: {
        id: `msg_${id}`, type: "message", role: "assistant", model: "claude-test",
        content: [{ type: "thinking", thinking: `thought ${id}`, signature }, { type: "tool_use", id, name: "ls", input: { path: "." } }],
        stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 3 },
      },
    });
    const reasoning = { effort: "low" };
    mock.enqueue(thinkingToolUse("toolu_a", "SIG_A"));
    const first = (await (await post({ model: "claude-test", input: "list files", tools: [lsTool], reasoning })).json()) as any;
    // As at OpenAI: no include, no blob for the client.
    expect(first.output[0]).toEqual({ type: "reasoning", id: expect.stringMatching(/^rs_/), summary: [] });

    // The same answer as an Anthropic stream, for the streamed turn.
    const streamed = (answer: { json: Record<string, any> }) => {
      const { content, stop_reason, usage, ...message } = answer.json;
      const event = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, ...payload } });
      return {
        events: [
          event("message_start", { message: { ...message, content: [], stop_reason: null, usage } }),
          ...content.flatMap((block: any, index: number) => [
            block.type === "thinking"
              ? event("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } })
              : event("content_block_start", { index, content_block: { ...block, input: {} } }),
            block.type === "thinking"
              ? event("content_block_delta", { index, delta: { type: "thinking_delta", thinking: block.thinking } })
              : event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } }),
            ...(block.type === "thinking" ? [event("content_block_delta", { index, delta: { type: "signature_delta", signature: block.signature } })] : []),
            event("content_block_stop", { index }),
          ]),
          event("message_delta", { delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }),
          event("message_stop", {}),
        ],
      };
    };
    mock.enqueue(streamed(thinkingToolUse("toolu_b", "SIG_B")));
    const second = await post({ model: "claude-test", previous_response_id: first.id, tools: [lsTool], reasoning, stream: true, input: [{ type: "function_call_output", call_id: "toolu_a", output: "a.txt" }] });
    const completed = (await readSse(second)).find((event) => event.event === "response.completed")!.data.response;
    const turn2 = mock.requests.at(-1)!.body;
    // Without the signed block the latest tool-call turn cannot keep thinking on (K06).
    expect(turn2.thinking).toEqual({ type: "enabled", budget_tokens: expect.any(Number) });
    expect(turn2.messages[1].content[0]).toEqual({ type: "thinking", thinking: "thought toolu_a", signature: "SIG_A" });

    await post({ model: "claude-test", previous_response_id: completed.id, tools: [lsTool], reasoning, input: [{ type: "function_call_output", call_id: "toolu_b", output: "b.txt" }] });
    const turn3 = mock.requests.at(-1)!.body;
    const signatures = (turn3.messages as any[]).flatMap((message) => (Array.isArray(message.content) ? message.content : [])).filter((block: any) => block.type === "thinking").map((block: any) => block.signature);
    expect(signatures).toEqual(["SIG_A", "SIG_B"]);
    expect(turn3.thinking).toBeDefined();
    // The listing stays as the client saw the items: no blobs there either.
    const items = (await (await get(`/v1/responses/${completed.id}/input_items`)).json()) as any;
    expect(JSON.stringify(items)).not.toContain("encrypted_content");
  });

  test("native OpenAI Responses: a locally stored id is expanded, an unknown one forwarded as is", async () => {
    const local = (await (await post({ model: "claude-test", input: "remember 42" })).json()) as any;
    const native = await post({ model: "gpt-4o", previous_response_id: local.id, input: "what number?" });
    expect(native.status).toBe(200);
    const sent = mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.previous_response_id).toBeUndefined();
    expect(sent.body.input.map((item: any) => item.role)).toEqual(["user", "assistant", "user"]);
    expect(JSON.stringify(sent.body.input[0])).toContain("remember 42");
    // Stored under the upstream's id, with the id the client continued from.
    const stored = (await (await get("/v1/responses/resp_mock")).json()) as any;
    expect(stored.previous_response_id).toBe(local.id);

    const forwarded = await post({ model: "gpt-4o", previous_response_id: "resp_only_openai_knows", input: "hi" });
    expect(forwarded.status).toBe(200);
    expect(mock.requests.at(-1)!.body).toMatchObject({ previous_response_id: "resp_only_openai_knows", input: "hi" });
    // That conversation lives upstream: it cannot move to a translated upstream.
    const moved = await post({ model: "claude-test", previous_response_id: "resp_mock", input: "x" });
    expect(moved.status).toBe(400);
    expect(((await moved.json()) as any).error).toMatchObject({ code: "previous_response_not_found", param: "previous_response_id" });
  });

  test("an unknown id on a translated upstream or loopback is 400 previous_response_not_found naming it; nothing is sent", async () => {
    for (const model of ["claude-test", "chat-1", "loopback"]) {
      const before = mock.requests.length;
      const response = await post({ model, previous_response_id: "resp_nope", input: "hi" });
      expect(response.status).toBe(400);
      const error = ((await response.json()) as any).error;
      expect(error).toMatchObject({ code: "previous_response_not_found", param: "previous_response_id", type: "invalid_request_error" });
      expect(error.message).toContain("resp_nope");
      expect(mock.requests.length).toBe(before);
    }
  });

  test("loopback continues a stored conversation too", async () => {
    const first = (await (await post({ model: "loopback", input: "one" })).json()) as any;
    const second = await post({ model: "loopback", previous_response_id: first.id, input: "two" });
    expect(second.status).toBe(200);
    const items = (await (await get(`/v1/responses/${((await second.json()) as any).id}/input_items?order=asc`)).json()) as any;
    expect(items.data.map((item: any) => item.role)).toEqual(["user", "assistant", "user"]);
  });

  test("store:false keeps nothing; a stateless client with the full history still works", async () => {
    const response = (await (await post({ model: "claude-test", store: false, input: "secret" })).json()) as any;
    expect((await get(`/v1/responses/${response.id}`)).status).toBe(404);
    const history = [
      { role: "user", content: "list files" },
      { type: "function_call", call_id: "toolu_1", name: "ls", arguments: '{"path":"."}' },
      { type: "function_call_output", call_id: "toolu_1", output: "a.txt" },
    ];
    const stateless = await post({ model: "claude-test", store: false, tools: [lsTool], input: history });
    expect(stateless.status).toBe(200);
    anthropicHistoryOk(mock.requests.at(-1)!.body);
    expect((await get(`/v1/responses/${((await stateless.json()) as any).id}`)).status).toBe(404);
  });

  test("streams are stored: the id resolves as soon as the client sees response.completed (translated and native)", async () => {
    for (const model of ["claude-test", "gpt-4o"]) {
      const response = await post({ model, stream: true, input: `stream to ${model}`, instructions: "in one line" });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      while (!text.includes("response.completed")) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      const completedLine = text.split("\n").find((line) => line.startsWith("data: ") && line.includes('"response.completed"'))!;
      const completed = JSON.parse(completedLine.slice(6)).response;
      // Before reading the rest of the stream.
      const stored = await get(`/v1/responses/${completed.id}`);
      expect(stored.status).toBe(200);
      const body = (await stored.json()) as any;
      expect(body.status).toBe("completed");
      expect(JSON.stringify(body.output)).toContain("Hello from the mock upstream");
      expect(body.model).toBe(model);
      if (model === "claude-test") expect(completed.instructions).toBe("in one line"); // native: whatever the upstream echoes
      while (!(await reader.read()).done);
      const items = (await (await get(`/v1/responses/${completed.id}/input_items`)).json()) as any;
      expect(items.data[0].content[0].text).toBe(`stream to ${model}`);
    }
  });

  test("a streamed continuation through Anthropic carries the history too", async () => {
    mock.enqueue(anthropicToolUse());
    const first = (await (await post({ model: "claude-test", input: "list files", tools: [lsTool] })).json()) as any;
    const events = await readSse(await post({ model: "claude-test", stream: true, previous_response_id: first.id, tools: [lsTool], input: [{ type: "function_call_output", call_id: "toolu_1", output: "a.txt" }] }));
    expect(events.some((event) => event.data?.type === "response.completed")).toBe(true);
    anthropicHistoryOk(mock.requests.at(-1)!.body);
  });

  test("retention: an expired response is gone for GET and previous_response_id, then purged", async () => {
    const response = (await (await post({ model: "claude-test", input: "short-lived" })).json()) as any;
    expect((await get(`/v1/responses/${response.id}`)).status).toBe(200);
    const saved = clock;
    try {
      clock = new Date(saved.getTime() + 25 * HOUR);
      expect((await get(`/v1/responses/${response.id}`)).status).toBe(404);
      expect((await get(`/v1/responses/${response.id}/input_items`)).status).toBe(404);
      const continued = await post({ model: "claude-test", previous_response_id: response.id, input: "still there?" });
      expect(continued.status).toBe(400);
      expect(await responses.purgeExpired()).toBeGreaterThan(0);
      clock = saved;
      // Purged for good: even with the clock back it is gone.
      expect((await get(`/v1/responses/${response.id}`)).status).toBe(404);
    } finally {
      clock = saved;
    }
  });
});

describe("stored responses are private to their user (auth on)", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let store: Store;
  let dataDir: string;
  let annToken: string;
  let bobToken: string;

  const call = (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    mock = await startMockUpstream();
    dataDir = mkdtempSync(join(tmpdir(), "gw-stored-auth-"));
    store = await openStore({ dataDir });
    await store.migrate();
    const root = await store.users.ensureRootAdmin("admin@local");
    const ann = await store.users.create({ email: "ann@example.com", role: "gateway_user" });
    const bob = await store.users.create({ email: "bob@example.com", role: "gateway_user" });
    annToken = (await issueApiKey(store, { userId: ann.id })).token;
    bobToken = (await issueApiKey(store, { userId: bob.id })).token;
    const responses = createResponseStore({ repository: store.responses, retentionHours: 24, logger: createSilentLogger() });
    gw = await startTestGateway(mock, {}, { responses, auth: createAuthenticator(store, { required: true, localUser: root }) });
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("another user's id is 404 on GET, input_items and DELETE, and not found as previous_response_id", async () => {
    const created = await call(annToken, "POST", "/v1/responses", { model: "claude-test", input: "ann's secret" });
    expect(created.status).toBe(200);
    const id = ((await created.json()) as any).id;
    expect((await call(annToken, "GET", `/v1/responses/${id}`)).status).toBe(200);
    expect((await call(bobToken, "GET", `/v1/responses/${id}`)).status).toBe(404);
    expect((await call(bobToken, "GET", `/v1/responses/${id}/input_items`)).status).toBe(404);
    expect((await call(bobToken, "DELETE", `/v1/responses/${id}`)).status).toBe(404);
    const before = mock.requests.length;
    const continued = await call(bobToken, "POST", "/v1/responses", { model: "claude-test", previous_response_id: id, input: "tell me" });
    expect(continued.status).toBe(400);
    expect(((await continued.json()) as any).error.code).toBe("previous_response_not_found");
    expect(mock.requests.length).toBe(before);
    // Without a key at all: 401, never the object.
    expect((await fetch(`${gw.url}/v1/responses/${id}`)).status).toBe(401);
    // Ann's record survived Bob's attempts.
    expect((await call(annToken, "GET", `/v1/responses/${id}`)).status).toBe(200);
    expect((await call(annToken, "POST", "/v1/responses", { model: "claude-test", previous_response_id: id, input: "go on" })).status).toBe(200);
  });
});

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`restart on ${dialectCase.dialect}: a conversation continues after the gateway restarts`, () => {
    let mock: MockUpstream;
    let dataDir: string;
    let database: Awaited<ReturnType<typeof dialectCase.create>>;

    beforeAll(async () => {
      mock = await startMockUpstream();
      dataDir = mkdtempSync(join(tmpdir(), "gw-restart-"));
      database = await dialectCase.create();
    });
    afterAll(async () => {
      await mock.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** The daemon's own composition (buildServices + startGateway), as `gatewayd` runs it. */
    async function startDaemonLike() {
      const loaded = loadConfig({
        configDir: "/nonexistent-config-dir",
        env: {
          TOKLIGENCE_PORT: "0",
          TOKLIGENCE_HOST: "127.0.0.1",
          TOKLIGENCE_LOG__FILE: "false",
          TOKLIGENCE_DATA_DIR: dataDir,
          ...(database.options.databaseUrl ? { TOKLIGENCE_DATABASE_URL: database.options.databaseUrl } : {}),
          TOKLIGENCE_OPENAI_API_KEY: "sk-test-openai-key-123456",
          TOKLIGENCE_OPENAI_BASE_URL: mock.openaiBaseUrl,
          TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456",
          TOKLIGENCE_ANTHROPIC_BASE_URL: mock.url,
          ...providerEnv(mock),
        },
      });
      const logger = createSilentLogger();
      const services = await buildServices(loaded, logger);
      const gateway = startGateway(loaded.config, logger, services);
      return {
        url: gateway.url,
        stop: async () => {
          await gateway.stop(1000);
          await services.close();
        },
      };
    }

    test("turn 1, stop, start on the same database, turn 2 by previous_response_id reaches the upstream with the history", async () => {
      const first = await startDaemonLike();
      mock.enqueue(anthropicToolUse());
      const created = await fetch(`${first.url}/v1/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "claude-test", input: "list files", tools: [lsTool] }),
      });
      expect(created.status).toBe(200);
      const id = ((await created.json()) as any).id;
      await first.stop();

      const second = await startDaemonLike();
      try {
        expect(second.url).not.toBe("");
        const fetched = await fetch(`${second.url}/v1/responses/${id}`);
        expect(fetched.status).toBe(200);
        for (const model of ["claude-test", "chat-1"]) {
          const continued = await fetch(`${second.url}/v1/responses`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ model, previous_response_id: id, tools: [lsTool], input: [{ type: "function_call_output", call_id: "toolu_1", output: "a.txt" }] }),
          });
          expect(continued.status).toBe(200);
          const received = mock.requests.at(-1)!;
          if (model === "claude-test") anthropicHistoryOk(received.body);
          else expect((received.body.messages as any[]).map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
        }
      } finally {
        await second.stop();
      }
    });
  });
}
