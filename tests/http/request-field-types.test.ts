/**
 * Wrong types in the fields the gateway reads are a 400 in the caller's protocol, naming the
 * field, before anything reaches an upstream: on translated routes (where a wrong type used to be
 * dropped silently or sent on as a malformed field of the other protocol) and on loopback (which
 * must refuse what the real API refuses). Unknown fields and nulls still pass.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  // claude* is served by the OpenAI upstream, gpt* by the Anthropic one: every request here is translated.
  gw = await startTestGateway(mock, { TOKLIGENCE_ROUTES: "claude*=>openai,gpt*=>anthropic" });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const post = (path: string, body: unknown) => fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const user = [{ role: "user", content: "hi" }];

async function expectAnthropic400(body: Record<string, unknown>, messagePart: string): Promise<void> {
  const response = await post("/v1/messages", body);
  const answer = (await response.json()) as any;
  expect({ status: response.status, type: answer.type, errorType: answer.error?.type }).toEqual({ status: 400, type: "error", errorType: "invalid_request_error" });
  expect(answer.error.message).toContain(messagePart);
}

async function expectOpenAI400(path: string, body: Record<string, unknown>, param: string, messagePart: string): Promise<void> {
  const response = await post(path, body);
  const answer = (await response.json()) as any;
  expect({ status: response.status, type: answer.error?.type, param: answer.error?.param }).toEqual({ status: 400, type: "invalid_request_error", param });
  expect(answer.error.message).toContain(messagePart);
}

describe("Anthropic clients on a translated route", () => {
  const base = { model: "claude-sonnet-4-5", max_tokens: 64, messages: user };

  test("wrong types in top-level fields are 400s naming the field, and nothing reaches the upstream", async () => {
    const before = mock.requests.length;
    await expectAnthropic400({ ...base, max_tokens: "ten" }, "max_tokens: Input should be an integer");
    await expectAnthropic400({ ...base, max_tokens: 1.5 }, "max_tokens: Input should be an integer");
    await expectAnthropic400({ ...base, temperature: "hot" }, "temperature: Input should be a number");
    await expectAnthropic400({ ...base, system: 7 }, "system: Input should be a string or an array");
    await expectAnthropic400({ ...base, system: [{ type: "text" }] }, "system.0.text: Field required");
    await expectAnthropic400({ ...base, stop_sequences: ["ok", 3] }, "stop_sequences.1: Input should be a string");
    await expectAnthropic400({ ...base, thinking: "yes" }, "thinking: Input should be an object");
    await expectAnthropic400({ ...base, thinking: { type: "enabled", budget_tokens: "lots" } }, "thinking.budget_tokens");
    await expectAnthropic400({ ...base, tool_choice: { type: "tool" } }, "tool_choice.name: Field required");
    await expectAnthropic400({ ...base, tools: [{ name: 5, input_schema: { type: "object" } }] }, "tools.0.name: Input should be a string");
    await expectAnthropic400({ ...base, tools: [{ description: "no name" }] }, "tools.0.name: Field required");
    await expectAnthropic400({ ...base, messages: [] }, "at least one message");
    expect(mock.requests.length).toBe(before);
  });

  test("content blocks: ids, names and tool_use_id are required; an image needs a source", async () => {
    const history = (content: unknown[]) => ({ ...base, messages: [{ role: "user", content: "go" }, { role: "assistant", content }, { role: "user", content: "next" }] });
    await expectAnthropic400(history([{ type: "tool_use", name: "Read", input: {} }]), "messages.1.content.0.id: Field required");
    await expectAnthropic400(history([{ type: "tool_use", id: "toolu_1", input: {} }]), "messages.1.content.0.name: Field required");
    await expectAnthropic400(history([{ type: "tool_use", id: "toolu_1", name: "Read", input: "path" }]), "messages.1.content.0.input: Input should be an object");
    await expectAnthropic400({ ...base, messages: [{ role: "user", content: [{ type: "tool_result", content: "x" }] }] }, "messages.0.content.0.tool_use_id: Field required");
    await expectAnthropic400({ ...base, messages: [{ role: "user", content: [{ type: "image" }] }] }, "messages.0.content.0.source: Field required");
    // Source fields and tool_result blocks are read by the translation: missing, they became empty parts.
    await expectAnthropic400({ ...base, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png" } }] }] }, "messages.0.content.0.source.data: Field required");
    await expectAnthropic400({ ...base, messages: [{ role: "user", content: [{ type: "image", source: { type: "url" } }] }] }, "messages.0.content.0.source.url: Field required");
    await expectAnthropic400({ ...base, messages: [{ role: "user", content: [{ type: "document", source: { type: "text", data: 5 } }] }] }, "messages.0.content.0.source.data: Input should be a string");
    await expectAnthropic400({ ...base, messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [5] }] }] }, "messages.0.content.0.content.0: Input should be an object");
    await expectAnthropic400({ ...base, messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text" }] }] }] }, "messages.0.content.0.content.0.text: Field required");
    await expectAnthropic400({ ...base, messages: [{ role: "user", content: [{ type: "text", text: 5 }] }] }, "messages.0.content.0.text: Input should be a string");
    await expectAnthropic400({ ...base, messages: ["hi"] }, "messages.0: Input should be an object");
  });

  test("nulls, unknown fields, server tools and unknown block types still pass", async () => {
    const response = await post("/v1/messages", {
      ...base,
      temperature: null,
      top_k: null,
      some_future_field: { anything: true },
      tools: [{ type: "web_search_20250305", name: "web_search", max_uses: "many" }],
      messages: [{ role: "user", content: [{ type: "text", text: "" }, { type: "future_block", payload: 1 }, { type: "text", text: "hi" }] }],
    });
    expect(response.status).toBe(200);
  });
});

describe("OpenAI clients on a translated route", () => {
  const base = { model: "gpt-4.1", messages: user };

  test("Chat Completions: wrong types and missing ids are 400s in OpenAI's words, and nothing reaches the upstream", async () => {
    const before = mock.requests.length;
    const chat = "/v1/chat/completions";
    await expectOpenAI400(chat, { ...base, max_tokens: "ten" }, "max_tokens", "Invalid type for 'max_tokens': expected an integer, but got a string instead.");
    await expectOpenAI400(chat, { ...base, temperature: "hot" }, "temperature", "expected a number");
    await expectOpenAI400(chat, { ...base, stop: 5 }, "stop", "expected a string or an array");
    await expectOpenAI400(chat, { ...base, tools: [{ type: "function", function: { name: 5 } }] }, "tools[0].function.name", "expected a string");
    await expectOpenAI400(chat, { ...base, tools: [{ type: "function" }] }, "tools[0].function", "Missing required parameter: 'tools[0].function'.");
    await expectOpenAI400(chat, { ...base, messages: [] }, "messages", "empty array");
    await expectOpenAI400(chat, { ...base, messages: [{ role: "tool", content: "x" }] }, "messages.[0].tool_call_id", "Missing required parameter");
    await expectOpenAI400(
      chat,
      { ...base, messages: [...user, { role: "assistant", tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }] }] },
      "messages.[1].tool_calls.[0].id",
      "Missing required parameter",
    );
    await expectOpenAI400(chat, { ...base, messages: [{ role: "user", content: [{ type: "image_url" }] }] }, "messages.[0].content.[0].image_url", "Missing required parameter");
    await expectOpenAI400(chat, { ...base, messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] }, "messages.[0].content.[0].image_url.url", "Missing required parameter");
    expect(mock.requests.length).toBe(before);
  });

  test("Chat Completions: an image in a system message is refused naming the part, not dropped on the way to Claude", async () => {
    const before = mock.requests.length;
    const image = { type: "image_url", image_url: { url: "https://example.com/chart.png" } };
    await expectOpenAI400(
      "/v1/chat/completions",
      { ...base, messages: [{ role: "system", content: [{ type: "text", text: "Refer to the chart." }, image] }, ...user] },
      "messages[0].content[1]",
      "only text parts are allowed in messages with role 'system'",
    );
    expect(mock.requests.length).toBe(before);
    // The same image in a user message goes to Claude.
    const response = await post("/v1/chat/completions", { ...base, messages: [{ role: "user", content: [{ type: "text", text: "What is it?" }, image] }] });
    expect(response.status).toBe(200);
    expect(mock.requests.at(-1)!.body.messages[0].content[1]).toMatchObject({ type: "image", source: { type: "url", url: "https://example.com/chart.png" } });
  });

  test("Responses: wrong types at the top and call items without names or call ids are 400s", async () => {
    const before = mock.requests.length;
    const responses = "/v1/responses";
    const input = "hi";
    await expectOpenAI400(responses, { model: "gpt-4.1", input, max_output_tokens: "ten" }, "max_output_tokens", "expected an integer");
    await expectOpenAI400(responses, { model: "gpt-4.1", input, instructions: ["be brief"] }, "instructions", "expected a string, but got an array instead.");
    await expectOpenAI400(responses, { model: "gpt-4.1", input, store: "no" }, "store", "expected a boolean");
    await expectOpenAI400(responses, { model: "gpt-4.1", input: [{ type: "function_call", call_id: "call_1", arguments: "{}" }] }, "input[0].name", "Missing required parameter");
    await expectOpenAI400(responses, { model: "gpt-4.1", input: [{ type: "function_call_output", output: "done" }] }, "input[0].call_id", "Missing required parameter");
    expect(mock.requests.length).toBe(before);
  });

  test("Responses: a call id or arguments of the wrong type are 400s, not a call linked by a made-up id or sent without its arguments", async () => {
    const before = mock.requests.length;
    const responses = "/v1/responses";
    const call = { type: "function_call", call_id: "call_1", name: "ls", arguments: "{}" };
    const output = { type: "function_call_output", call_id: "call_1", output: "a.txt" };
    // Found by the bad-input fuzzer: `call_id: false` fell back to `call_0`, so the output no longer matched its call.
    await expectOpenAI400(responses, { model: "gpt-4.1", input: [{ ...call, call_id: false }, output] }, "input[0].call_id", "Invalid type for 'input[0].call_id': expected a string, but got a boolean instead.");
    await expectOpenAI400(responses, { model: "gpt-4.1", input: [call, { ...output, call_id: 5 }] }, "input[1].call_id", "Invalid type for 'input[1].call_id': expected a string, but got an integer instead.");
    await expectOpenAI400(responses, { model: "gpt-4.1", input: [{ type: "local_shell_call", call_id: [], action: { type: "exec", command: ["ls"] } }] }, "input[0].call_id", "expected a string");
    // Arguments that were not a string became "": the call went to the model without them.
    await expectOpenAI400(responses, { model: "gpt-4.1", input: [{ ...call, arguments: 5 }, output] }, "input[0].arguments", "Invalid type for 'input[0].arguments': expected a string, but got an integer instead.");
    await expectOpenAI400(responses, { model: "gpt-4.1", input: [{ type: "custom_tool_call", call_id: "call_2", name: "patch", input: 7 }] }, "input[0].input", "expected a string");
    expect(mock.requests.length).toBe(before);
    // An object is taken as its JSON text, as Chat's decoder takes it (H07): Claude gets it as the call's input.
    const response = await post(responses, { model: "gpt-4.1", input: [{ ...call, arguments: { path: "." } }, output] });
    expect(response.status).toBe(200);
    const blocks = mock.requests.at(-1)!.body.messages.flatMap((message: any) => (Array.isArray(message.content) ? message.content : []));
    expect(blocks.find((block: any) => block.type === "tool_use")).toMatchObject({ id: "call_1", name: "ls", input: { path: "." } });
  });
});

describe("choices the translation would otherwise fall back from", () => {
  test("an unknown tool_choice type, a tool_choice naming an undeclared tool, a non-string metadata.user_id", async () => {
    const tools = [{ name: "ls", input_schema: { type: "object" } }];
    const before = mock.requests.length;
    await expectAnthropic400({ model: "claude-x", max_tokens: 5, messages: user, tools, tool_choice: { type: "weird" } }, "tool_choice.type");
    await expectAnthropic400({ model: "claude-x", max_tokens: 5, messages: user, tools, tool_choice: { type: "tool", name: "nope" } }, 'tool "nope" is not among');
    await expectAnthropic400({ model: "claude-x", max_tokens: 5, messages: user, metadata: { user_id: 5 } }, "metadata.user_id");
    expect(mock.requests.length).toBe(before);
    expect((await post("/v1/messages", { model: "claude-x", max_tokens: 5, messages: user, tools, tool_choice: { type: "tool", name: "ls" } })).status).toBe(200);
    // Anthropic's legacy Completions path is not served, and says so in Anthropic's shape.
    const legacy = await post("/v1/complete", { model: "claude-x", prompt: "x" });
    expect(legacy.status).toBe(404);
    expect(((await legacy.json()) as any).type).toBe("error");
  });
});

describe("numbers out of their documented range are refused, not clamped", () => {
  test("on translated routes, in each API's words, with nothing sent upstream", async () => {
    const before = mock.requests.length;
    await expectOpenAI400("/v1/chat/completions", { model: "gpt-4.1", messages: user, max_tokens: 0 }, "max_tokens", "Expected a value >= 1, but got 0 instead");
    await expectOpenAI400("/v1/chat/completions", { model: "gpt-4.1", messages: user, temperature: -1 }, "temperature", "below minimum value");
    await expectOpenAI400("/v1/chat/completions", { model: "gpt-4.1", messages: user, top_p: 1.5 }, "top_p", "Expected a value <= 1, but got 1.5 instead");
    await expectOpenAI400("/v1/responses", { model: "gpt-4.1", input: "hi", max_output_tokens: 5 }, "max_output_tokens", "Expected a value >= 16");
    await expectAnthropic400({ model: "claude-x", max_tokens: -5, messages: user }, "max_tokens: Input should be greater than or equal to 1");
    await expectAnthropic400({ model: "claude-x", max_tokens: 5, temperature: 1.5, messages: user }, "temperature: Input should be less than or equal to 1");
    expect(mock.requests.length).toBe(before);
    // In range (an OpenAI temperature of 1.5 is valid, and goes to Claude clamped to its own scale).
    expect((await post("/v1/chat/completions", { model: "gpt-4.1", messages: user, temperature: 1.5, max_tokens: 1 })).status).toBe(200);
  });
});

describe("count_tokens estimated by the gateway (model served by a non-Anthropic provider)", () => {
  const count = (body: Record<string, unknown>) => post("/v1/messages/count_tokens", { model: "claude-x", ...body });

  test("refuses what the real count_tokens refuses, in Anthropic's words", async () => {
    for (const body of [{ messages: [] }, { system: 5, messages: user }, { messages: [{ role: "user", content: 5 }] }, { messages: [{ role: "bot", content: "hi" }] }]) {
      const response = await count(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.type).toBe("invalid_request_error");
    }
  });

  test("a long run without whitespace is counted without stalling the gateway", async () => {
    // 100 KB of one letter took 38 s of the main thread before (BPE is quadratic in a run's length).
    const counting = count({ messages: [{ role: "user", content: "a".repeat(100_000) }] });
    const health = await fetch(`${gw.url}/health`);
    expect(health.status).toBe(200);
    const answer = (await (await counting).json()) as { input_tokens: number };
    expect(answer.input_tokens).toBeGreaterThan(10_000);
  });
});

describe("loopback refuses what the real API refuses", () => {
  test("on Chat, Messages and Responses", async () => {
    await expectOpenAI400("/v1/chat/completions", { model: "loopback", messages: "hi" }, "messages", "an array of messages is required");
    await expectOpenAI400("/v1/chat/completions", { model: "loopback", messages: user, max_tokens: "ten" }, "max_tokens", "expected an integer");
    await expectAnthropic400({ model: "loopback", max_tokens: "ten", messages: user }, "max_tokens: Input should be an integer");
    await expectAnthropic400({ model: "loopback", max_tokens: 5, messages: [] }, "at least one message");
    await expectOpenAI400("/v1/responses", { model: "loopback", input: "hi", temperature: "warm" }, "temperature", "expected a number");
    // Valid requests are still answered.
    expect((await post("/v1/chat/completions", { model: "loopback", messages: user, max_tokens: null })).status).toBe(200);
  });

  test("item shapes, roles and ids are checked as on a translated route (the same decoder runs)", async () => {
    const responses = "/v1/responses";
    await expectOpenAI400(responses, { model: "loopback", input: [null] }, "input[0]", "must be an object");
    await expectOpenAI400(responses, { model: "loopback", input: ["text"] }, "input[0]", "must be an object");
    await expectOpenAI400(responses, { model: "loopback", input: 5 }, "input", "string or an array");
    await expectOpenAI400(responses, { model: "loopback", input: [{ role: "bot", content: "hi" }] }, "input[0].role", "Invalid value: 'bot'");
    // Message content of the wrong type was skipped: the model got an empty turn and answered 200.
    await expectOpenAI400(responses, { model: "loopback", input: [{ role: "user", content: 5 }] }, "input[0].content", "expected a string or an array");
    await expectOpenAI400(responses, { model: "loopback", input: [{ role: "user", content: ["hi"] }] }, "input[0].content[0]", "expected an object");
    await expectOpenAI400(responses, { model: "loopback", input: [{ role: "user", content: [{ type: "input_text" }] }] }, "input[0].content[0].text", "Missing required parameter");
    await expectOpenAI400(responses, { model: "loopback", input: [{ role: "user", content: [{ type: "input_text", text: 7 }] }] }, "input[0].content[0].text", "expected a string");
    expect((await post(responses, { model: "loopback", input: [{ role: "user", content: [{ type: "input_text", text: "" }, { type: "input_text", text: "hi" }] }] })).status).toBe(200);
    await expectOpenAI400(responses, { model: "loopback", input: [{ type: "function_call_output", output: "x" }] }, "input[0].call_id", "Missing required parameter");
    await expectOpenAI400(responses, { model: "loopback", input: [{ type: "function_call", call_id: "c1", arguments: "{}" }] }, "input[0].name", "Missing required parameter");
    await expectOpenAI400(responses, { model: "loopback", input: "hi", tools: [{ type: "function", parameters: {} }] }, "tools[0].name", "required");
    const chat = "/v1/chat/completions";
    await expectOpenAI400(chat, { model: "loopback", messages: [{ role: "wizard", content: "hi" }] }, "messages.[0].role", "unsupported role");
    await expectOpenAI400(chat, { model: "loopback", messages: [{ content: "hi" }] }, "messages.[0].role", "Missing required parameter");
    await expectOpenAI400(chat, { model: "loopback", messages: [{ role: "user", content: 5 }] }, "messages.[0].content", "string or an array");
    // n > 1 is a loopback feature, not a refusal (only Claude-class upstreams cannot give several choices).
    expect((await post(chat, { model: "loopback", n: 2, messages: user })).status).toBe(200);
  });

  test("embeddings: null is absent, a string dimension and an unknown encoding_format are refused", async () => {
    expect((await post("/v1/embeddings", { model: "loopback", input: "hi", dimensions: null, encoding_format: null })).status).toBe(200);
    await expectOpenAI400("/v1/embeddings", { model: "loopback", input: "hi", dimensions: "4" }, "dimensions", "integer");
    await expectOpenAI400("/v1/embeddings", { model: "loopback", input: "hi", encoding_format: "bogus" }, "encoding_format", "float");
  });

  test("every refusal still gets a ledger row", async () => {
    const before = gw.ledger.entries.length;
    await post("/v1/messages", { model: "loopback", max_tokens: "ten", messages: user });
    expect(gw.ledger.entries.length).toBe(before + 1);
    expect(gw.ledger.entries.at(-1)).toMatchObject({ status: 400 });
  });
});
