import { describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, readSse, useMockedGateway } from "../support/gateway-harness";

/**
 * P09 and R09 through the gateway, Responses client on a Chat Completions model (R→O): the
 * logprobs asked with `include` reach the Chat upstream as `logprobs` / `top_logprobs` and come
 * back in the output_text part, whole and streamed; bad `include`, `truncation` and
 * `top_logprobs` values are refused in OpenAI's shape before any upstream call, while the
 * native OpenAI route forwards them for OpenAI to judge.
 */
const running = useMockedGateway((mock) => chatOnlyProviderEnv(running.mock.openaiBaseUrl));

const post = (body: Record<string, unknown>) =>
  fetch(`${running.gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "chat-model", input: "hi", ...body }) });
const asked = { include: ["message.output_text.logprobs"], top_logprobs: 1 };
const utf8 = (text: string) => Array.from(new TextEncoder().encode(text));

/** The Chat upstream's tokens: "Hello" with bytes, " world" without (bytes: null, as some servers send). */
const chatTokens = [
  { token: "Hello", logprob: -0.25, bytes: utf8("Hello"), top_logprobs: [{ token: "Hello", logprob: -0.25, bytes: utf8("Hello") }] },
  { token: " world", logprob: -0.5, bytes: null, top_logprobs: [{ token: " World", logprob: -1.5, bytes: null }] },
];
/** The same tokens as the client's output_text part holds them. */
const partTokens = [
  { token: "Hello", bytes: utf8("Hello"), logprob: -0.25, top_logprobs: [{ token: "Hello", bytes: utf8("Hello"), logprob: -0.25 }] },
  { token: " world", bytes: utf8(" world"), logprob: -0.5, top_logprobs: [{ token: " World", bytes: utf8(" World"), logprob: -1.5 }] },
];
const usage = { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 };
const base = { id: "chatcmpl-lp", object: "chat.completion.chunk", created: 1700000000, model: "chat-model" };
const chunk = (delta: object, logprobs: unknown = null, finish: string | null = null) => ({ data: { ...base, choices: [{ index: 0, delta, logprobs, finish_reason: finish }] } });

describe("logprobs from a Chat upstream", () => {
  test("whole answer: the Chat request asks logprobs and top_logprobs; the output_text part carries the tokens", async () => {
    running.mock.enqueue({
      json: { id: "chatcmpl-lp", object: "chat.completion", created: 1700000000, model: "chat-model", choices: [{ index: 0, message: { role: "assistant", content: "Hello world" }, logprobs: { content: chatTokens, refusal: null }, finish_reason: "stop" }], usage },
    });
    const response = await post(asked);
    expect(response.status).toBe(200);
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toEndWith("/chat/completions");
    expect(sent.body).toMatchObject({ logprobs: true, top_logprobs: 1 });
    expect(sent.body).not.toHaveProperty("include");
    const body = (await response.json()) as any;
    expect(body.output[0].content[0]).toEqual({ type: "output_text", text: "Hello world", annotations: [], logprobs: partTokens });
  });

  test("streamed: each delta carries its tokens, the done events and the final response carry them all", async () => {
    running.mock.enqueue({
      events: [
        chunk({ role: "assistant", content: "" }),
        chunk({ content: "Hello" }, { content: [chatTokens[0]], refusal: null }),
        chunk({ content: " world" }, { content: [chatTokens[1]], refusal: null }),
        chunk({}, null, "stop"),
        { data: { ...base, choices: [], usage } },
        { data: "[DONE]" },
      ],
    });
    const events = await readSse(await post({ ...asked, stream: true }));
    expect(running.mock.requests.at(-1)!.body).toMatchObject({ logprobs: true, top_logprobs: 1, stream: true });
    const deltas = events.filter((event) => event.event === "response.output_text.delta").map((event) => event.data);
    expect(deltas.map((delta) => [delta.delta, delta.logprobs])).toEqual([
      ["Hello", [{ token: "Hello", logprob: -0.25, top_logprobs: [{ token: "Hello", logprob: -0.25 }] }]],
      [" world", [{ token: " world", logprob: -0.5, top_logprobs: [{ token: " World", logprob: -1.5 }] }]],
    ]);
    const textDone = events.find((event) => event.event === "response.output_text.done")!.data;
    expect(textDone.logprobs.map((token: any) => [token.token, token.logprob])).toEqual([["Hello", -0.25], [" world", -0.5]]);
    const completed = events.find((event) => event.event === "response.completed")!.data;
    expect(completed.response.output[0].content[0].logprobs).toEqual(partTokens);
  });

  test("not asked for: the Chat request has no logprobs and the part no logprobs field", async () => {
    const response = await post({});
    expect(response.status).toBe(200);
    expect(running.mock.requests.at(-1)!.body).not.toHaveProperty("logprobs");
    expect(running.mock.requests.at(-1)!.body).not.toHaveProperty("top_logprobs");
    expect(((await response.json()) as any).output[0].content[0]).not.toHaveProperty("logprobs");
  });
});

describe("include, truncation and top_logprobs values", () => {
  test.each([
    ["an unknown include entry", { include: ["reasoning.encrypted_content", "message.output_text.logprob"] }, "include[1]", "Invalid value: 'message.output_text.logprob'. Supported values are: "],
    ["an unknown truncation", { truncation: "oldest_first" }, "truncation", "Invalid value: 'oldest_first'. Supported values are: 'auto' and 'disabled'."],
    ["top_logprobs above 20", { ...asked, top_logprobs: 21 }, "top_logprobs", "Invalid 'top_logprobs': integer above maximum value."],
    ["top_logprobs not an integer", { ...asked, top_logprobs: 1.5 }, "top_logprobs", "Invalid type for 'top_logprobs': expected an integer"],
  ])("%s on a translated route is a 400 in OpenAI's shape, and nothing reaches the upstream", async (_name, fields, param, message) => {
    for (const stream of [false, true]) {
      const before = running.mock.requests.length;
      const response = await post({ ...fields, stream });
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as any;
      expect(error.type).toBe("invalid_request_error");
      expect(error.param).toBe(param);
      expect(error.message).toStartWith(message);
      expect(running.mock.requests.length).toBe(before);
    }
  });

  test("valid values pass (truncation is echoed)", async () => {
    const response = await post({ include: ["reasoning.encrypted_content"], truncation: "auto", top_logprobs: 0 });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).truncation).toBe("auto");
  });

  test("the native OpenAI route forwards unknown values untouched: OpenAI judges them itself", async () => {
    const fields = { include: ["some.future_value"], truncation: "oldest_first" };
    const response = await post({ model: "gpt-4o", ...fields });
    expect(response.status).toBe(200);
    const sent = running.mock.requests.at(-1)!;
    expect(sent.path).toEndWith("/responses");
    expect(sent.body).toMatchObject(fields);
  });
});
