/**
 * A Responses client served by an Anthropic or Chat upstream whose answer the token limit cut
 * short: the response is `incomplete`, and so is the item the model was writing (message or
 * function call), in the body, in `response.output_item.done` and in `response.incomplete`, as
 * OpenAI reports it. Items finished before it stay `completed`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chatOnlyProviderEnv, readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockScript, type MockUpstream, startMockUpstream } from "../support/mock-upstream";

const anthropicEvent = (type: string, payload: Record<string, unknown>) => ({ event: type, data: { type, ...payload } });

/** Claude writes a sentence, starts a tool call and hits max_tokens inside its arguments. */
function anthropicCut(stream: boolean): MockScript {
  const usage = { input_tokens: 9, output_tokens: 16 };
  if (!stream) {
    return {
      json: {
        id: "msg_cut", type: "message", role: "assistant", model: "claude-test",
        content: [{ type: "text", text: "Running." }, { type: "tool_use", id: "toolu_cut", name: "exec_command", input: {} }],
        stop_reason: "max_tokens", stop_sequence: null, usage,
      },
    };
  }
  return {
    events: [
      anthropicEvent("message_start", { message: { id: "msg_cut", type: "message", role: "assistant", model: "claude-test", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } }),
      anthropicEvent("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      anthropicEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Running." } }),
      anthropicEvent("content_block_stop", { index: 0 }),
      anthropicEvent("content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_cut", name: "exec_command", input: {} } }),
      anthropicEvent("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: '{"cmd":"l' } }),
      anthropicEvent("content_block_stop", { index: 1 }),
      anthropicEvent("message_delta", { delta: { stop_reason: "max_tokens", stop_sequence: null }, usage: { output_tokens: 16 } }),
      anthropicEvent("message_stop", {}),
    ],
  };
}

/** A Chat model writes text and stops at the length limit (finish_reason `length`). */
function chatCut(stream: boolean): MockScript {
  const base = { id: "chatcmpl-cut", object: "chat.completion.chunk", created: 1700000000, model: "chat-1" };
  const usage = { prompt_tokens: 9, completion_tokens: 16, total_tokens: 25 };
  if (!stream) {
    return { json: { ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "The answer is" }, finish_reason: "length" }], usage } };
  }
  return {
    events: [
      { data: { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "The answer" }, finish_reason: null }] } },
      { data: { ...base, choices: [{ index: 0, delta: { content: " is" }, finish_reason: null }] } },
      { data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: "length" }] } },
      { data: { ...base, choices: [], usage } },
      { data: "[DONE]" },
    ],
  };
}

const execTool = { type: "function", name: "exec_command", strict: false, parameters: { type: "object", properties: { cmd: { type: "string" } } } };

describe("Responses answers cut by max_output_tokens on translated upstreams", () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    mock = await startMockUpstream();
    gw = await startTestGateway(mock, chatOnlyProviderEnv(mock.openaiBaseUrl));
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
  });

  /** The response object and the items as `response.output_item.done` gave them (streamed). */
  async function ask(model: string, stream: boolean): Promise<{ response: any; doneItems?: any[] }> {
    const answer = await fetch(`${gw.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, input: "list files", tools: [execTool], max_output_tokens: 16, store: false, stream }),
    });
    expect(answer.status).toBe(200);
    if (!stream) return { response: await answer.json() };
    const events = await readSse(answer);
    const terminal = events.at(-1)!;
    expect(terminal.event).toBe("response.incomplete");
    return { response: terminal.data.response, doneItems: events.filter((event) => event.event === "response.output_item.done").map((event) => event.data.item) };
  }

  for (const stream of [false, true]) {
    test(`Anthropic max_tokens inside a tool call: the function_call is incomplete, the message before it completed (stream: ${stream})`, async () => {
      mock.enqueue(anthropicCut(stream));
      const { response, doneItems } = await ask("claude-test", stream);
      expect(response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
      expect(response.output.map((item: any) => [item.type, item.status])).toEqual([
        ["message", "completed"],
        ["function_call", "incomplete"],
      ]);
      expect(response.output[1]).toMatchObject({ call_id: "toolu_cut", name: "exec_command" });
      if (doneItems) expect(doneItems).toEqual(response.output);
    });

    test(`Chat finish_reason length: the message is incomplete (stream: ${stream})`, async () => {
      mock.enqueue(chatCut(stream));
      const { response, doneItems } = await ask("chat-1", stream);
      expect(response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
      expect(response.output).toEqual([expect.objectContaining({ type: "message", status: "incomplete", content: [expect.objectContaining({ text: "The answer is" })] })]);
      if (doneItems) expect(doneItems).toEqual(response.output);
    });
  }
});
