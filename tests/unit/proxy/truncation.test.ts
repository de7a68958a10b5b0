import { describe, expect, test } from "bun:test";
import { dropOldestTurns, fitContextWindow, truncatesInput, turnStarts } from "../../../src/proxy/truncation";
import type { ModelRequest } from "../../../src/proxy/types";
import type { PreparedAttempt } from "../../../src/proxy/upstream-request";
import type { ModelCapabilities } from "../../../src/translate/model-capabilities";
import { findModelFamily } from "../../../src/translate/model-families";

/** R09: `truncation: "auto"` on translated Responses requests drops the oldest whole turns. */

const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const assistant = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const developer = (text: string) => ({ type: "message", role: "developer", content: [{ type: "input_text", text }] });
const call = (id: string) => ({ type: "function_call", call_id: id, name: "shell", arguments: "{}" });
const output = (id: string) => ({ type: "function_call_output", call_id: id, output: "ok" });
const reasoning = { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "blob" };
/** Each item costs 10 tokens: the rule is tested apart from the tokenizer. */
const tenEach = (items: unknown[]) => items.length * 10;

describe("turnStarts", () => {
  test("each user message starts a turn, except one between a tool call and its result", () => {
    const items = [user("a"), call("c1"), user("interjection"), output("c1"), assistant("b"), user("c")];
    expect(turnStarts(items)).toEqual([0, 5]);
  });

  test("a call whose result never comes holds no turn open", () => {
    expect(turnStarts([user("a"), { type: "mcp_call", call_id: "m1" }, call("dangling"), user("b")])).toEqual([0, 3]);
  });
});

describe("dropOldestTurns", () => {
  const conversation = [developer("be terse"), user("a"), reasoning, call("c1"), output("c1"), assistant("done a"), user("b"), assistant("done b"), user("c")];

  test("drops the oldest whole turn, its reasoning and tool pair with it; instructions stay", () => {
    expect(dropOldestTurns(conversation, 30, tenEach)).toEqual([developer("be terse"), user("b"), assistant("done b"), user("c")]);
  });

  test("drops as many turns as the excess needs, never the last user turn", () => {
    expect(dropOldestTurns(conversation, 60, tenEach)).toEqual([developer("be terse"), user("c")]);
    expect(dropOldestTurns(conversation, 1_000_000, tenEach)).toEqual([developer("be terse"), user("c")]);
  });

  test("the last user turn keeps the tool loop that follows it", () => {
    const items = [user("old"), assistant("x"), user("now"), call("c2"), output("c2"), reasoning];
    expect(dropOldestTurns(items, 1_000, tenEach)).toEqual([user("now"), call("c2"), output("c2"), reasoning]);
  });

  test("never leaves a tool result without its call", () => {
    const items = [user("a"), call("c1"), user("interjection"), output("c1"), user("b")];
    expect(dropOldestTurns(items, 10, tenEach)).toEqual([user("b")]);
  });

  test("nothing to drop (one turn, or no user message): the same list", () => {
    const one = [developer("rules"), user("only")];
    expect(dropOldestTurns(one, 1_000, tenEach)).toBe(one);
    const none = [assistant("a"), call("c1"), output("c1")];
    expect(dropOldestTurns(none, 1_000, tenEach)).toBe(none);
  });
});

/** A translated attempt to `capabilities`' model: the "upstream body" is the input as messages, with max_tokens. */
function attemptFor(input: unknown[], capabilities: ModelCapabilities, maxTokens = 100): PreparedAttempt {
  const bodyObject = { model: "m", system: "be terse", messages: input, max_tokens: maxTokens };
  return {
    target: { upstreamProtocol: "anthropic" },
    body: JSON.stringify(bodyObject),
    bodyObject,
    translator: {},
    context: { clientProtocol: "openai-responses", upstreamProtocol: "anthropic", clientModel: "m", upstreamModel: "unknown-model", capabilities },
    dropUsageChunk: false,
    droppable: [],
  } as unknown as PreparedAttempt;
}

function requestWith(input: unknown[], truncation?: string): ModelRequest {
  const body = { model: "m", input, ...(truncation ? { truncation } : {}) };
  return { operation: "openai-responses", body, rawBody: JSON.stringify(body) } as unknown as ModelRequest;
}

const long = (label: string) => `${label} ${"lorem ipsum dolor sit amet ".repeat(100)}`;
const history = [user(long("first")), assistant(long("first answer")), user(long("second")), assistant(long("second answer")), user("third, short")];

describe("fitContextWindow", () => {
  const rebuildFor = (capabilities: ModelCapabilities, rebuilt: ModelRequest[]) => (request: ModelRequest) => {
    rebuilt.push(request);
    return attemptFor(request.body.input as unknown[], capabilities);
  };

  test("applies only to translated Responses requests with truncation:auto", () => {
    const attempt = attemptFor(history, {});
    expect(truncatesInput(requestWith(history, "auto"), attempt)).toBe(true);
    expect(truncatesInput(requestWith(history, "disabled"), attempt)).toBe(false);
    expect(truncatesInput(requestWith(history), attempt)).toBe(false);
    expect(truncatesInput(requestWith(history, "auto"), { ...attempt, translator: undefined })).toBe(false);
  });

  test("over the window, the oldest turns go until the rebuilt body fits", async () => {
    const capabilities = { contextWindow: 1_500 };
    const rebuilt: ModelRequest[] = [];
    const fitted = await fitContextWindow(requestWith(history, "auto"), attemptFor(history, capabilities), rebuildFor(capabilities, rebuilt));
    expect(fitted.request.body.input).toEqual([user(long("second")), assistant(long("second answer")), user("third, short")]);
    expect(fitted.attempt.bodyObject.messages).toEqual(fitted.request.body.input);
    expect(JSON.parse(String(fitted.request.rawBody)).input).toEqual(fitted.request.body.input);
    expect(rebuilt.length).toBeGreaterThan(0);
  });

  test("the output room counts: a larger max_tokens drops more", async () => {
    const capabilities = { contextWindow: 1_500 };
    const fitted = await fitContextWindow(requestWith(history, "auto"), attemptFor(history, capabilities, 600), (request) => attemptFor(request.body.input as unknown[], capabilities, 600));
    expect(fitted.request.body.input).toEqual([user("third, short")]);
  });

  test("a body that fits, or a model whose window is unknown, is left as it is", async () => {
    const request = requestWith(history, "auto");
    const roomy = attemptFor(history, { contextWindow: 100_000 });
    expect(await fitContextWindow(request, roomy, () => expect.unreachable())).toEqual({ request, attempt: roomy });
    const unknown = attemptFor(history, {});
    expect(await fitContextWindow(request, unknown, () => expect.unreachable())).toEqual({ request, attempt: unknown });
  });

  test("what cannot fit even with every older turn dropped is OpenAI's 400 context_length_exceeded", async () => {
    const capabilities = { contextWindow: 300 };
    const huge = [user("old"), user(long("last"))];
    const refusal = fitContextWindow(requestWith(huge, "auto"), attemptFor(huge, capabilities), (request) => attemptFor(request.body.input as unknown[], capabilities));
    await expect(refusal).rejects.toMatchObject({ status: 400, param: "input", upstreamCode: "context_length_exceeded", message: expect.stringContaining("maximum context length is 300 tokens") });
  });
});

describe("context windows in the family table", () => {
  test("Claude up to 4.6 has 200k without the 1M beta; later releases and GPT-5 have none known", () => {
    expect(findModelFamily("claude-sonnet-4-5-20250929")?.capabilities.contextWindow).toBe(200_000);
    expect(findModelFamily("claude-opus-4-6")?.capabilities.contextWindow).toBe(200_000);
    expect(findModelFamily("claude-opus-4-7")?.capabilities.contextWindow).toBeUndefined();
    expect(findModelFamily("gpt-4o-mini")?.capabilities.contextWindow).toBe(128_000);
    expect(findModelFamily("gpt-5")?.capabilities.contextWindow).toBeUndefined();
  });
});
