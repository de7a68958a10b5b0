import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "../../src/log/logger";
import { BackgroundRuns } from "../../src/proxy/background-runs";
import { createResponseStore } from "../../src/responses-store/service";
import { openStore } from "../../src/store/open-store";
import { mockUsage } from "../support/mock-upstream";
import { startTestGateway, useMockedGateway } from "../support/gateway-harness";

const running = useMockedGateway();

const weatherTool = { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };

describe("official openai SDK through the native Chat path", () => {
  const client = () => new OpenAI({ baseURL: `${running.gw.url}/v1`, apiKey: "unused-by-default", maxRetries: 0 });

  test("non-streaming call with tools returns the upstream's tool call", async () => {
    running.mock.enqueue({
      json: { id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gpt-4o", choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] } }], usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } },
    });
    const completion = await client().chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "weather?" }], tools: [{ type: "function", function: weatherTool }], tool_choice: "auto" });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    const call = completion.choices[0]!.message.tool_calls![0]!;
    // The SDK's tool call union includes custom tool calls; this one must be a function call.
    if (call.type !== "function") throw new Error(`expected a function tool call, got ${call.type}`);
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
    expect(running.mock.requests.at(-1)!.body.tools[0].function.name).toBe("get_weather");
  });

  test("streaming call with a tool call split across chunks", async () => {
    const base = { id: "chatcmpl-2", object: "chat.completion.chunk", created: 1, model: "gpt-4o" };
    running.mock.enqueue({
      events: [
        { data: { ...base, choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_9", type: "function", function: { name: "get_weather", arguments: "" } }] }, finish_reason: null }] } },
        { data: { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }, finish_reason: null }] } },
        { data: { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] }, finish_reason: null }] } },
        { data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] } },
        { data: { ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } } },
        { data: "[DONE]" },
      ],
      intervalMs: 5,
    });
    const stream = client().chat.completions.stream({ model: "gpt-4o", messages: [{ role: "user", content: "weather?" }], tools: [{ type: "function", function: weatherTool }] });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    if (call.type !== "function") throw new Error(`expected a function tool call, got ${call.type}`);
    expect(call.function.arguments).toBe('{"city":"Oslo"}');
    expect(running.gw.ledger.entries.at(-1)!.usage).toMatchObject({ inputTokens: 9, outputTokens: 4 });
  });
});

describe("official @anthropic-ai/sdk through the native Messages path", () => {
  const client = () => new Anthropic({ baseURL: running.gw.url, apiKey: "unused-by-default", maxRetries: 0 });

  test("non-streaming call with tools", async () => {
    running.mock.enqueue({
      json: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Checking." }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Rome" } }], stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 30, output_tokens: 12 } },
    });
    const message = await client().messages.create({ model: "claude-sonnet-4-5", max_tokens: 200, messages: [{ role: "user", content: "weather?" }], tools: [{ name: weatherTool.name, description: weatherTool.description, input_schema: weatherTool.parameters as never }] });
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content[1]).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Rome" } });
  });

  test("streaming call with input_json_delta fragments", async () => {
    const ev = (type: string, payload: object) => ({ event: type, data: { type, ...payload } });
    running.mock.enqueue({
      events: [
        ev("message_start", { message: { id: "msg_2", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 15, output_tokens: 1 } } }),
        ev("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_2", name: "get_weather", input: {} } }),
        ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '{"city":' } }),
        ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: '"Lima"}' } }),
        ev("content_block_stop", { index: 0 }),
        ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 8 } }),
        ev("message_stop", {}),
      ],
      intervalMs: 5,
    });
    const stream = client().messages.stream({ model: "claude-sonnet-4-5", max_tokens: 200, messages: [{ role: "user", content: "weather?" }], tools: [{ name: "get_weather", input_schema: weatherTool.parameters as never }] });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: "tool_use", input: { city: "Lima" } });
    expect(final.usage.output_tokens).toBe(8);
    expect(running.gw.ledger.entries.at(-1)!.usage).toMatchObject({ inputTokens: 15, outputTokens: 8 });
  });
});

describe("the openai SDK's background mode on a native OpenAI Responses model (a gateway that stores responses)", () => {
  test("create with background, retrieve until completed (one ledger row, real usage), and cancel another at the upstream", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gw-sdk-native-background-"));
    const store = await openStore({ dataDir });
    await store.migrate();
    const responses = createResponseStore({ repository: store.responses, retentionHours: 1, logger: createSilentLogger() });
    const background = new BackgroundRuns({ firstDelayMs: 20, maxDelayMs: 40, limitMs: 60_000, orphanedAfterMs: 60_000 });
    const storing = await startTestGateway(running.mock, {}, { responses, background });
    try {
      const client = new OpenAI({ baseURL: `${storing.url}/v1`, apiKey: "x", maxRetries: 0 });
      let response = await client.responses.create({ model: "gpt-5", input: "work", background: true });
      expect(response.status).toBe("queued");
      while (response.status === "queued" || response.status === "in_progress") {
        await Bun.sleep(10);
        response = await client.responses.retrieve(response.id);
      }
      expect(response.status).toBe("completed");
      expect(response.output_text).toBe("Hello from the mock upstream");
      for (let tries = 0; tries < 100 && storing.ledger.entries.length === 0; tries++) await Bun.sleep(10);
      await Bun.sleep(100);
      expect(storing.ledger.entries.map((row) => [row.status, row.usage.inputTokens, row.usage.outputTokens, row.usageEstimated])).toEqual([[200, mockUsage.input, mockUsage.output, false]]);

      running.mock.background.hold = true;
      const slow = await client.responses.create({ model: "gpt-5", input: "forever", background: true });
      const cancelled = await client.responses.cancel(slow.id);
      expect(cancelled.status).toBe("cancelled");
      expect(running.mock.background.runs.get(slow.id)!.status).toBe("cancelled");
      expect((await client.responses.retrieve(slow.id)).status).toBe("cancelled");
    } finally {
      running.mock.background.hold = false;
      await storing.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
