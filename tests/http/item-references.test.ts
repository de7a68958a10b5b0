/**
 * item_reference input items (R03): a client that stores its responses (the Vercel AI SDK with
 * `store` true) names earlier output items by id. The gateway resolves them from the caller's own
 * stored responses on the routes it serves itself, forwards OpenAI's ids to a native OpenAI
 * upstream, and answers an id it does not hold with a 400 naming it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { createAuthenticator } from "../../src/auth/authenticator";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { chatOnlyProviderEnv } from "../support/gateway-harness";
import { type StoringGateway, startStoringGateway } from "../support/storing-gateway";

type Env = StoringGateway;

/** A gateway over the mock (Anthropic, Chat-only `chat-1`, native OpenAI, loopback) storing responses in its own SQLite store. */
function startEnv(authOn: boolean): Promise<Env> {
  return startStoringGateway("gw-item-ref-", (mock) => chatOnlyProviderEnv(mock.openaiBaseUrl), async (store) =>
    authOn ? { auth: createAuthenticator(store, { required: true, localUser: await store.users.ensureRootAdmin("admin@local") }) } : {},
  );
}

const lsTool = { type: "function" as const, name: "ls", strict: false, parameters: { type: "object", properties: { path: { type: "string" } } } };

/** An Anthropic answer with text and a call of the `ls` tool. */
const anthropicToolUse = {
  json: {
    id: "msg_tool",
    type: "message",
    role: "assistant",
    model: "claude-test",
    content: [
      { type: "text", text: "Listing." },
      { type: "tool_use", id: "toolu_ref", name: "ls", input: { path: "." } },
    ],
    stop_reason: "tool_use",
    stop_sequence: null,
    usage: { input_tokens: 5, output_tokens: 3 },
  },
};

describe("item_reference (auth off)", () => {
  let env: Env;
  let openai: OpenAI;
  const post = (body: unknown) => fetch(`${env.gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    env = await startEnv(false);
    openai = new OpenAI({ baseURL: `${env.gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  afterAll(async () => {
    await env.stop();
  });

  /** Turn 1 on Claude: a message and a function call, ids minted by the gateway. */
  async function firstTurn() {
    env.mock.enqueue(anthropicToolUse);
    const first = await openai.responses.create({ model: "claude-test", input: "list files", tools: [lsTool] });
    const message = first.output.find((item) => item.type === "message")!;
    const call = first.output.find((item) => item.type === "function_call")!;
    return { first, messageId: message.id!, callId: call.id! };
  }

  test("translated routes (Anthropic, Chat): references to the gateway's own items reach the upstream as the items (official SDK)", async () => {
    const { messageId, callId } = await firstTurn();
    const input = [
      { role: "user" as const, content: "list files" },
      { type: "item_reference" as const, id: messageId },
      { type: "item_reference" as const, id: callId },
      { type: "function_call_output" as const, call_id: "toolu_ref", output: "a.txt" },
    ];
    const second = await openai.responses.create({ model: "claude-test", tools: [lsTool], input });
    expect(second.status).toBe("completed");
    const toAnthropic = env.mock.requests.at(-1)!;
    expect(toAnthropic.path).toBe("/v1/messages");
    const assistant = (toAnthropic.body.messages as any[]).find((message) => message.role === "assistant");
    expect(assistant.content).toContainEqual(expect.objectContaining({ type: "text", text: "Listing." }));
    expect(assistant.content).toContainEqual(expect.objectContaining({ type: "tool_use", id: "toolu_ref", name: "ls", input: { path: "." } }));

    await openai.responses.create({ model: "chat-1", tools: [lsTool], input });
    const toChat = env.mock.requests.at(-1)!;
    expect(toChat.path).toBe("/v1/chat/completions");
    const roles = (toChat.body.messages as any[]).map((message) => message.role);
    expect(roles).toEqual(["user", "assistant", "tool"]);
    expect(toChat.body.messages[1].tool_calls[0]).toMatchObject({ id: "toolu_ref", function: { name: "ls" } });

    // The stored input holds the items themselves, so the conversation continues anywhere.
    const listed = await openai.responses.inputItems.list(second.id, { order: "asc" });
    expect(listed.data.map((item) => item.type)).toEqual(["message", "message", "function_call", "function_call_output"]);
  });

  test("loopback resolves them too, streamed", async () => {
    const first = await openai.responses.create({ model: "loopback", input: "one" });
    const stream = await openai.responses.create({ model: "loopback", stream: true, input: [{ type: "item_reference", id: first.output[0]!.id! }, { role: "user", content: "two" }] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe("response.completed");
  });

  test("an unknown id is a 400 in OpenAI's shape naming it, on every route the gateway serves itself; nothing is sent", async () => {
    for (const model of ["claude-test", "chat-1", "loopback"]) {
      const before = env.mock.requests.length;
      const response = await post({ model, input: [{ type: "item_reference", id: "msg_nobody_has" }, { role: "user", content: "hi" }] });
      expect(response.status).toBe(400);
      const error = ((await response.json()) as any).error;
      expect(error).toMatchObject({ type: "invalid_request_error", param: "input", message: "Item with id 'msg_nobody_has' not found." });
      expect(env.mock.requests.length).toBe(before);
    }
    // Streamed, through the official SDK: the same 400 before any event.
    const failure = await openai.responses.create({ model: "claude-test", stream: true, input: [{ type: "item_reference", id: "fc_unknown" }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("fc_unknown");
  });

  test("an item named twice (a reference to an item previous_response_id already carries, or the same reference twice) is OpenAI's 400, nothing sent", async () => {
    // Before the fix Claude got the function call twice, the second under a made-up tool id with no result.
    const { first, callId } = await firstTurn();
    const output = { type: "function_call_output", call_id: "toolu_ref", output: "a.txt" };
    for (const body of [
      { model: "claude-test", tools: [lsTool], previous_response_id: first.id, input: [{ type: "item_reference", id: callId }, output] },
      { model: "chat-1", tools: [lsTool], input: [{ role: "user", content: "list files" }, { type: "item_reference", id: callId }, { type: "item_reference", id: callId }, output] },
    ]) {
      const before = env.mock.requests.length;
      const refused = await post(body);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as any).error).toMatchObject({
        type: "invalid_request_error",
        param: "input",
        message: `Duplicate item found with id ${callId}. Remove duplicate items from your input and try again.`,
      });
      expect(env.mock.requests.length).toBe(before);
    }
    // The continuation without the reference goes through.
    expect((await post({ model: "claude-test", tools: [lsTool], previous_response_id: first.id, input: [output] })).status).toBe(200);
  });

  test("an input item sent without an id resolves by the id input_items lists it under, on translated and native routes (SDK)", async () => {
    // Before the fix such ids (msg_<response id>_<n>) were 400 not found: only ids stored in the items matched.
    const first = await openai.responses.create({ model: "claude-test", input: [{ role: "user", content: "remember the number 42" }] });
    const listed = await openai.responses.inputItems.list(first.id);
    const listedId = listed.data[0]!.id;
    expect(listedId).toBe(`msg_${first.id}_0`);
    await openai.responses.create({ model: "claude-test", input: [{ type: "item_reference", id: listedId }, { role: "user", content: "which number?" }] });
    const toAnthropic = env.mock.requests.at(-1)!.body.messages as any[];
    expect(toAnthropic.map((message) => message.role)).toEqual(["user"]);
    expect(JSON.stringify(toAnthropic[0].content)).toContain("remember the number 42");

    // Only the gateway knows that id: a native OpenAI route gets the item, without the listing id.
    await openai.responses.create({ model: "gpt-4o", input: [{ type: "item_reference", id: listedId }] });
    const toOpenai = env.mock.requests.at(-1)!.body;
    expect(toOpenai.input[0]).toMatchObject({ type: "message", role: "user" });
    expect(toOpenai.input[0].id).toBeUndefined();
    expect(JSON.stringify(toOpenai.input[0].content)).toContain("remember the number 42");
  });

  test("native OpenAI: the gateway's own ids are resolved, OpenAI's and unknown ones forwarded as references", async () => {
    const { messageId, callId } = await firstTurn();
    const native = await openai.responses.create({ model: "gpt-4o", store: true, input: [{ type: "item_reference", id: messageId }, { type: "item_reference", id: "msg_openai_knows" }, { role: "user", content: "go on" }] });
    const sent = env.mock.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body.input[0]).toMatchObject({ type: "message", id: messageId, role: "assistant" });
    expect(JSON.stringify(sent.body.input[0].content)).toContain("Listing.");
    expect(sent.body.input[1]).toEqual({ type: "item_reference", id: "msg_openai_knows" });

    // The native answer's items carry OpenAI's ids (the mock's msg_mock): a native route forwards
    // a reference to them, a translated route resolves it from the stored copy.
    const openaiItemId = native.output[0]!.id!;
    await post({ model: "gpt-4o", input: [{ type: "item_reference", id: openaiItemId }, { type: "item_reference", id: callId }] });
    const forwarded = env.mock.requests.at(-1)!.body;
    expect(forwarded.input[0]).toEqual({ type: "item_reference", id: openaiItemId });
    expect(forwarded.input[1]).toMatchObject({ type: "function_call", id: callId, call_id: "toolu_ref", name: "ls" });

    const translated = await post({ model: "claude-test", input: [{ type: "item_reference", id: openaiItemId }, { role: "user", content: "and?" }] });
    expect(translated.status).toBe(200);
    expect(JSON.stringify(env.mock.requests.at(-1)!.body.messages)).toContain("Hello from the mock upstream");
  });
});

describe("item_reference is private to its owner (auth on)", () => {
  let env: Env;
  let annToken: string;
  let bobToken: string;
  const post = (token: string, body: unknown) =>
    fetch(`${env.gw.url}/v1/responses`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    env = await startEnv(true);
    const ann = await env.store.users.create({ email: "ann@example.com", role: "gateway_user" });
    const bob = await env.store.users.create({ email: "bob@example.com", role: "gateway_user" });
    annToken = (await issueApiKey(env.store, { userId: ann.id })).token;
    bobToken = (await issueApiKey(env.store, { userId: bob.id })).token;
  });
  afterAll(async () => {
    await env.stop();
  });

  test("another user's item id is a 400 naming it, nothing is sent; the owner's resolves", async () => {
    const created = await post(annToken, { model: "claude-test", input: "ann's secret" });
    expect(created.status).toBe(200);
    const itemId = ((await created.json()) as any).output[0].id as string;
    const before = env.mock.requests.length;
    const stolen = await post(bobToken, { model: "claude-test", input: [{ type: "item_reference", id: itemId }, { role: "user", content: "repeat that" }] });
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as any).error).toMatchObject({ type: "invalid_request_error", param: "input", message: `Item with id '${itemId}' not found.` });
    expect(env.mock.requests.length).toBe(before);

    // An id the gateway made up for an input item without one is as private.
    const listedId = `msg_${((await (await post(annToken, { model: "claude-test", input: "ann's other secret" })).json()) as any).id}_0`;
    const stolenInput = await post(bobToken, { model: "claude-test", input: [{ type: "item_reference", id: listedId }] });
    expect(stolenInput.status).toBe(400);
    expect(((await stolenInput.json()) as any).error.message).toBe(`Item with id '${listedId}' not found.`);
    expect((await post(annToken, { model: "claude-test", input: [{ type: "item_reference", id: listedId }] })).status).toBe(200);

    const own = await post(annToken, { model: "claude-test", input: [{ type: "item_reference", id: itemId }, { role: "user", content: "repeat that" }] });
    expect(own.status).toBe(200);
    const assistant = (env.mock.requests.at(-1)!.body.messages as any[]).find((message) => message.role === "assistant");
    expect(JSON.stringify(assistant.content)).toContain("Hello from the mock upstream");
  });
});
