import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import pino from "pino";
import { type MockResponder, type MockUpstream, type RecordedRequest, startMockUpstream } from "../support/mock-upstream";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { chatChunk, chatMessages, chatStream, claudeCodeParams, streamTurn, toolResultsFor } from "../support/provider-mocks";
import { chatCompletionRequests, sdkClients } from "../support/sdk-clients";

/**
 * Optional fields a provider refuses are left out and the request sent again (refused-fields.ts).
 * Claude Code always asks for thinking, which becomes `reasoning_effort`, and Codex always sends
 * a reasoning effort: models without reasoning on Ollama, xAI's Grok 4 and strict servers that
 * refuse unknown fields answered every turn with a 400. Each mock refuses as that server does,
 * in its error shape, and streams as it does.
 */
let mock: MockUpstream;
let gw: TestGateway;
let anthropic: Anthropic;
let openai: OpenAI;
const logLines: Array<Record<string, any>> = [];

const provider = (name: string) => ({
  [`TOKLIGENCE_PROVIDERS__${name}__KIND`]: "openai-compatible",
  [`TOKLIGENCE_PROVIDERS__${name}__BASE_URL`]: mock.openaiBaseUrl,
});

beforeAll(async () => {
  mock = await startMockUpstream();
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  gw = await startTestGateway(
    mock,
    {
      ...provider("OLLAMA"),
      ...provider("XAI"),
      ...provider("STRICT"),
      TOKLIGENCE_MODEL_ALIASES: "strict-native=>strict:strict-native,claude*haiku*=>strict:strict-model,claude*=>ollama:llama3.1:8b,gpt-5.5=>xai:grok-4-0709,gpt-5.4=>xai:levels-model",
    },
    {},
    logger,
  );
  ({ anthropic, openai } = sdkClients(gw.url));
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const chatRequests = () => chatCompletionRequests(mock);

/** Ollama: a model without thinking refuses reasoning_effort; tool calls come whole, in one chunk. */
const ollama: MockResponder = (request) => {
  const model = String(request.body.model);
  if (request.body.reasoning_effort !== undefined) {
    return { status: 400, json: { error: { message: `"${model}" does not support thinking`, type: "invalid_request_error", param: null, code: null } } };
  }
  const usage = request.body.stream_options?.include_usage ? { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 } : undefined;
  if (chatMessages(request).at(-1)?.role === "tool") return { events: chatStream(model, [{ role: "assistant", content: "It says hello." }], "stop", usage) };
  const call = { id: "call_ol1", index: 0, type: "function", function: { name: "Read", arguments: '{"file_path":"/tmp/a.txt"}' } };
  return { events: chatStream(model, [{ role: "assistant", content: "", tool_calls: [call] }], "tool_calls", usage) };
};

describe("Claude Code on an Ollama model without thinking", () => {
  test("the first turn is sent again without reasoning_effort; later turns go without it at once; one warning", async () => {
    mock.setResponder(ollama);
    const before = chatRequests().length;
    const ask: Anthropic.Messages.MessageParam = { role: "user", content: "What does /tmp/a.txt say?" };
    const call = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [ask]));
    expect(call.stop_reason).toBe("tool_use");
    expect(call.content.find((block) => block.type === "tool_use")).toMatchObject({ id: "call_ol1", name: "Read", input: { file_path: "/tmp/a.txt" } });
    expect(call.usage.output_tokens).toBe(9);
    const [refused, accepted] = chatRequests().slice(before);
    expect(refused!.body.reasoning_effort).toBe("high");
    expect(accepted!.body.reasoning_effort).toBeUndefined();
    expect(accepted!.body).toMatchObject({ model: "llama3.1:8b", stream: true, stream_options: { include_usage: true } });

    const answer = await streamTurn(anthropic, claudeCodeParams("claude-sonnet-4-6", [ask, { role: "assistant", content: call.content }, toolResultsFor(call, "hello")]));
    expect(answer.content.find((block) => block.type === "text")).toMatchObject({ text: "It says hello." });
    const later = chatRequests().slice(before + 2);
    expect(later).toHaveLength(1);
    expect(later[0]!.body.reasoning_effort).toBeUndefined();
    const warnings = logLines.filter((line) => String(line.msg).includes("refused reasoning_effort"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, provider: "ollama", model: "llama3.1:8b", field: "reasoning_effort" });
  });
});

describe("Codex (a Responses client) on xAI's Grok 4", () => {
  test("reasoning effort refused as `reasoningEffort` is left out; the answer and its reasoning tokens arrive", async () => {
    mock.setResponder((request) => {
      if (request.body.reasoning_effort !== undefined) {
        return { status: 400, json: { code: "Client specified an invalid argument", error: `Model ${request.body.model} does not support parameter reasoningEffort.` } };
      }
      const usage = { prompt_tokens: 30, completion_tokens: 20, total_tokens: 50, prompt_tokens_details: { cached_tokens: 10 }, completion_tokens_details: { reasoning_tokens: 15 } };
      return { events: chatStream(String(request.body.model), [{ role: "assistant", content: "Done." }], "stop", usage) };
    });
    const before = chatRequests().length;
    const stream = await openai.responses.create({ model: "gpt-5.5", input: "hi", reasoning: { effort: "medium" }, stream: true });
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === "response.completed") completed = event.response;
    expect(completed!.status).toBe("completed");
    expect(JSON.stringify(completed!.output)).toContain("Done.");
    expect(completed!.usage).toMatchObject({ input_tokens: 30, output_tokens: 20, input_tokens_details: { cached_tokens: 10 }, output_tokens_details: { reasoning_tokens: 15 } });
    expect(chatRequests().slice(before).map((r) => r.body.reasoning_effort)).toEqual(["medium", undefined]);
  });
});

describe("a refused effort level (OpenAI's words: 'reasoning_effort' does not support 'xhigh')", () => {
  test("the level is left out for that request only: a later request's level the model takes is still sent", async () => {
    mock.setResponder((request) => {
      const effort = request.body.reasoning_effort;
      if (effort === "xhigh") return { status: 400, json: { error: { message: "Unsupported value: 'reasoning_effort' does not support 'xhigh' with this model. Supported values are: 'low', 'medium', and 'high'.", type: "invalid_request_error", param: "reasoning_effort", code: "unsupported_value" } } };
      return { json: { id: "c1", object: "chat.completion", model: String(request.body.model), choices: [{ index: 0, message: { role: "assistant", content: `effort ${String(effort)}` }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } } };
    });
    const before = chatRequests().length;
    const first = await openai.responses.create({ model: "gpt-5.4", input: "hi", reasoning: { effort: "xhigh" as "high" } });
    expect(first.output_text).toBe("effort undefined");
    const second = await openai.responses.create({ model: "gpt-5.4", input: "hi", reasoning: { effort: "high" } });
    expect(second.output_text).toBe("effort high");
    const third = await openai.responses.create({ model: "gpt-5.4", input: "hi", reasoning: { effort: "xhigh" as "high" } });
    expect(third.output_text).toBe("effort undefined");
    // The refused level is remembered (no second refusal), the field is not.
    expect(chatRequests().slice(before).map((r) => r.body.reasoning_effort)).toEqual(["xhigh", undefined, "high", undefined]);
  });
});

/** A server validating with pydantic's extra="forbid" (Mistral's 422 shape): every unknown field listed at once. */
const strict: MockResponder = (request: RecordedRequest) => {
  const known = new Set(["model", "messages", "tools", "tool_choice", "max_tokens", "temperature", "top_p", "stream", "stop"]);
  const extra = Object.keys(request.body).filter((field) => !known.has(field));
  if (extra.length > 0) {
    const detail = extra.map((field) => ({ type: "extra_forbidden", loc: ["body", field], msg: "Extra inputs are not permitted", input: request.body[field] }));
    return { status: 422, json: { object: "error", message: { detail }, type: "invalid_request_error", param: null, code: null } };
  }
  if (request.body.stop) return undefined;
  // Usage rides on the finish chunk, unasked.
  return { events: [chatChunk("strict-model", { role: "assistant", content: "Hi." }), chatChunk("strict-model", {}, "stop", { usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } }), { data: "[DONE]" }] };
};

describe("a server that refuses every field it does not know (422 extra_forbidden)", () => {
  test("all refused fields go in one retry: reasoning_effort, user and stream_options; usage still read from its last chunk", async () => {
    mock.setResponder(strict);
    const before = chatRequests().length;
    const answer = await streamTurn(anthropic, claudeCodeParams("claude-haiku-4-5", [{ role: "user", content: "hi" }]));
    expect(answer.content.find((block) => block.type === "text")).toMatchObject({ text: "Hi." });
    expect(answer.usage).toMatchObject({ input_tokens: 12, output_tokens: 3 });
    const sent = chatRequests().slice(before);
    expect(sent).toHaveLength(2);
    expect(Object.keys(sent[0]!.body)).toEqual(expect.arrayContaining(["reasoning_effort", "user", "stream_options"]));
    expect(Object.keys(sent[1]!.body).sort()).toEqual(["max_tokens", "messages", "model", "stream", "tools"]);
  });

  test("a refused field the client asked for by meaning (stop sequences, translation mode) is not dropped: the client gets the refusal", async () => {
    mock.setResponder((request) =>
      request.body.stop ? { status: 400, json: { error: { message: "property 'stop' is unsupported", type: "invalid_request_error" } } } : strict(request),
    );
    // An Anthropic client's stop sequences are the gateway's to cut (they never go upstream);
    // a Chat client's, translated, go as `stop`.
    const translating = await startTestGateway(mock, { ...provider("STRICT"), TOKLIGENCE_MODEL_ALIASES: "claude*haiku*=>strict:strict-model", TOKLIGENCE_WORK_MODE: "translation" });
    try {
      const before = chatRequests().length;
      const { openai } = sdkClients(translating.url);
      const error = await openai.chat.completions.create({ model: "claude-haiku-4-5", messages: [{ role: "user", content: "hi" }], stop: ["END"] }).catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.message).toContain("property 'stop' is unsupported");
      const sent = chatRequests().slice(before);
      expect(sent.at(-1)!.body).toMatchObject({ stop: ["END"] });
    } finally {
      await translating.stop();
    }
  });

  test("an OpenAI SDK client's own stream (native): the stream_options the gateway adds for usage goes when refused, the client's fields stay", async () => {
    mock.setResponder(strict);
    const before = chatRequests().length;
    const stream = await openai.chat.completions.create({ model: "strict-native", messages: [{ role: "user", content: "hi" }], max_tokens: 50, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("Hi.");
    const sent = chatRequests().slice(before);
    expect(sent.map((r) => r.body.stream_options)).toEqual([{ include_usage: true }, undefined]);
    expect(sent[1]!.body).toMatchObject({ model: "strict-native", max_tokens: 50, stream: true });
    // The ledger still has the usage, read from the finish chunk.
    const row = gw.ledger.entries.findLast((entry) => entry.provider === "strict");
    expect(row).toMatchObject({ usageEstimated: false, usage: { inputTokens: 12, outputTokens: 3 } });
  });
});
