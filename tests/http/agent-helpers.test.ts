import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

/**
 * The agent helpers through a running gateway (README "Agent helpers"): the loop guard on
 * translated and native requests in every client protocol, its configuration switch, built-in
 * tools for upstreams without them, and shell arguments reshaped for the client.
 */
let mock: MockUpstream;
let gw: TestGateway;
let quiet: TestGateway;

const chatProvider = (mockUrl: string) => chatOnlyProviderEnv(mockUrl, "chat-only-*");

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock, chatProvider(mock.openaiBaseUrl));
  quiet = await startTestGateway(mock, { ...chatProvider(mock.openaiBaseUrl), TOKLIGENCE_DUPLICATE_TOOL_DETECTION: "false" });
});
afterAll(async () => {
  await gw.stop();
  await quiet.stop();
  await mock.stop();
});

const post = (base: string, path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const execTool = { type: "function", name: "exec_command", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"] } };
const shellTool = { type: "function", name: "shell", strict: false, parameters: { type: "object", properties: { command: { type: "array", items: { type: "string" } } }, required: ["command"] } };

/** A Codex 0.169-shaped request whose history repeats one exec_command call and its result. */
function codexRequest(model: string, times: number, extra: Record<string, unknown> = {}) {
  const input: unknown[] = [
    { type: "message", role: "developer", content: [{ type: "input_text", text: "You are Codex, a coding agent." }] },
    { type: "message", role: "user", content: [{ type: "input_text", text: "make the tests pass" }] },
  ];
  for (let index = 0; index < times; index++) {
    input.push({ type: "function_call", id: `fc_${index}`, call_id: `call_${index}`, name: "exec_command", arguments: '{"cmd":"npm test"}', status: "completed" });
    input.push({ type: "function_call_output", call_id: `call_${index}`, output: `Chunk ID: ${index}\nWall time: 0.0${index}s\nProcess exited with code 1\nOutput:\n1 failing\n` });
  }
  return { model, stream: true, input, tools: [execTool, shellTool], tool_choice: "auto", parallel_tool_calls: true, store: false, include: ["reasoning.encrypted_content"], ...extra };
}

/** A Claude Code-shaped Messages request repeating one Read call and its result. */
function claudeRequest(model: string, times: number) {
  const messages: unknown[] = [{ role: "user", content: "read the file" }];
  for (let index = 0; index < times; index++) {
    messages.push({ role: "assistant", content: [{ type: "tool_use", id: `toolu_${index}`, name: "Read", input: { file_path: "/w/a.txt" } }] });
    messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: `toolu_${index}`, content: "no such file" }] });
  }
  return {
    model,
    max_tokens: 1000,
    stream: true,
    system: [{ type: "text", text: "You are Claude Code." }],
    tools: [{ name: "Read", input_schema: { type: "object", properties: { file_path: { type: "string" } } } }],
    messages,
  };
}

const requestsSince = (start: number) => mock.requests.slice(start);

describe("loop guard: warning at 3 repeats reaches the upstream request", () => {
  test("Codex on Claude (Responses → Anthropic): a notice follows the tool results; the system prompt is the client's", async () => {
    const start = mock.requests.length;
    const response = await post(gw.url, "/v1/responses", codexRequest("claude-sonnet-4-6", 3));
    expect(response.status).toBe(200);
    expect((await readSse(response)).at(-1)!.data.type).toBe("response.completed");
    const sent = requestsSince(start).find((request) => request.path === "/v1/messages")!.body;
    const last = sent.messages.at(-1);
    expect(last.role).toBe("user");
    expect(last.content.map((block: { type: string }) => block.type)).toEqual(["tool_result", "text"]);
    expect(last.content[1].text).toContain("You have called exec_command 3 times in a row");
    // The client's own text; the cache marker is the gateway's prompt caching (Q04).
    expect(sent.system).toEqual([{ type: "text", text: "You are Codex, a coding agent.", cache_control: { type: "ephemeral" } }]);
  });

  test("Codex on OpenAI (native Responses): the notice is one more input item, the rest of the body as sent", async () => {
    const start = mock.requests.length;
    const body = codexRequest("gpt-5.5", 4);
    const response = await post(gw.url, "/v1/responses", body);
    expect(response.status).toBe(200);
    await readSse(response);
    const sent = requestsSince(start).find((request) => request.path === "/v1/responses")!.body;
    expect(sent.input.slice(0, -1)).toEqual(body.input);
    expect(sent.input.at(-1)).toMatchObject({ type: "message", role: "user" });
    expect(sent.input.at(-1).content[0].text).toContain("4 times in a row");
    expect(sent.tools).toEqual(body.tools);
  });

  test("Claude Code on Claude (native Messages): the notice is a text block after the tool result", async () => {
    const start = mock.requests.length;
    const response = await post(gw.url, "/v1/messages", claudeRequest("claude-sonnet-4-6", 3));
    expect(response.status).toBe(200);
    await readSse(response);
    const sent = requestsSince(start).find((request) => request.path === "/v1/messages")!.body;
    expect(sent.messages.at(-1).content.at(-1).text).toContain("You have called Read 3 times in a row");
  });
});

describe("loop guard: 5 repeats stop with a clear 400 in the caller's protocol, nothing sent upstream", () => {
  test("OpenAI shape for a Responses client, translated and native", async () => {
    for (const model of ["claude-sonnet-4-6", "gpt-5.5"]) {
      const start = mock.requests.length;
      const response = await post(gw.url, "/v1/responses", codexRequest(model, 5));
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { type: string; code: string; message: string } };
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.code).toBe("tool_loop_detected");
      expect(body.error.message).toContain("exec_command was called 5 times in a row with the same arguments and got the same result");
      expect(requestsSince(start)).toEqual([]);
    }
  });

  test("Anthropic shape for a Messages client, native and translated (Claude Code on an OpenAI model)", async () => {
    for (const model of ["claude-sonnet-4-6", "gpt-4o"]) {
      const start = mock.requests.length;
      const response = await post(gw.url, "/v1/messages", claudeRequest(model, 6));
      expect(response.status).toBe(400);
      const body = (await response.json()) as { type: string; error: { type: string; message: string } };
      expect(body.type).toBe("error");
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.message).toContain("tool loop detected: Read was called 5 times in a row");
      expect(requestsSince(start)).toEqual([]);
    }
  });

  test("the ledger records the stop", async () => {
    await post(gw.url, "/v1/responses", codexRequest("gpt-5.5", 5));
    expect(gw.ledger.entries.at(-1)).toMatchObject({ status: 400, errorCode: "tool_loop_detected" });
  });

  test("switched off by configuration (TOKLIGENCE_DUPLICATE_TOOL_DETECTION=false): the request goes through untouched", async () => {
    expect(quiet.config.agents.toolLoop.enabled).toBe(false);
    const start = mock.requests.length;
    const body = codexRequest("gpt-5.5", 6);
    const response = await post(quiet.url, "/v1/responses", body);
    expect(response.status).toBe(200);
    await readSse(response);
    expect(requestsSince(start)[0]!.body).toEqual(body);
  });
});

describe("tools the upstream cannot run", () => {
  test("web_search for a Chat upstream is dropped (with the choice relaxed), never a 400", async () => {
    const start = mock.requests.length;
    const response = await post(gw.url, "/v1/responses", codexRequest("chat-only-1", 0, { tools: [execTool, { type: "web_search" }], tool_choice: { type: "web_search" } }));
    expect(response.status).toBe(200);
    const events = await readSse(response);
    expect(events.at(-1)!.data.type).toBe("response.completed");
    const sent = requestsSince(start).find((request) => request.path === "/v1/chat/completions")!.body;
    expect(sent.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(["exec_command"]);
    expect(sent.tool_choice).toBe("auto");
  });

  test("web_search for an Anthropic upstream becomes Anthropic's web search tool", async () => {
    const start = mock.requests.length;
    const response = await post(gw.url, "/v1/responses", codexRequest("claude-sonnet-4-6", 0, { tools: [execTool, { type: "web_search", filters: { allowed_domains: ["example.com"] } }] }));
    expect(response.status).toBe(200);
    await readSse(response);
    const sent = requestsSince(start).find((request) => request.path === "/v1/messages")!.body;
    // The last tool also carries the gateway's prompt-cache marker (Q04).
    expect(sent.tools.at(-1)).toEqual({ type: "web_search_20250305", name: "web_search", allowed_domains: ["example.com"], cache_control: { type: "ephemeral" } });
  });
});

describe("shell normalisation through the gateway", () => {
  test("Claude answers the argv `shell` tool with a string: Codex gets the argv it declared, deltas and item agreeing", async () => {
    const ev = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, ...payload } });
    mock.enqueue({
      events: [
        ev("message_start", { message: { id: "msg_s", type: "message", role: "assistant", model: "claude-sonnet-4-6", content: [], usage: { input_tokens: 9, output_tokens: 1 } } }),
        ev("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_s", name: "shell", input: {} } }),
        ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"command": "echo hi ' } }),
        ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '> hello.txt"}' } }),
        ev("content_block_stop", { index: 0 }),
        ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 12 } }),
        ev("message_stop", {}),
      ],
    });
    const response = await post(gw.url, "/v1/responses", codexRequest("claude-sonnet-4-6", 0));
    const events = await readSse(response);
    const expected = '{"command":["bash","-lc","echo hi > hello.txt"]}';
    const deltas = events.filter((event) => event.data.type === "response.function_call_arguments.delta").map((event) => event.data.delta);
    expect(deltas.join("")).toBe(expected);
    const item = events.find((event) => event.data.type === "response.output_item.done")!.data.item;
    expect(item).toMatchObject({ type: "function_call", name: "shell", call_id: "toolu_s", arguments: expected });
  });
});
