import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { chatOnlyProviderEnv, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";

/**
 * Anthropic `stop_sequences` on a Chat Completions upstream (P07): Chat takes four at most and
 * OpenAI's reasoning models none, so the gateway cuts the answer at every one of them itself
 * and reports the match as Anthropic does (`stop_reason: "stop_sequence"` with the sequence).
 * Before, the ones it could not send were dropped and the answer ran on past them.
 */
let mock: MockUpstream;
let gw: TestGateway;
let anthropic: Anthropic;
beforeAll(async () => {
  mock = await startMockUpstream();
  // The mock ignores `stop`, as a server that was never told the sequence does.
  mock.setDefaultText("one two STOP three");
  gw = await startTestGateway(mock, chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*,gpt-5*"));
  ({ anthropic } = sdkClients(gw.url));
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const ask = (model: string, stops: string[]) => ({ model, max_tokens: 100, stop_sequences: stops, messages: [{ role: "user" as const, content: "count" }] });

describe("P07 stop sequences a Chat upstream is not given", () => {
  test("reasoning model (no `stop` upstream): the answer ends before the match, stop_reason stop_sequence", async () => {
    const message = await anthropic.messages.create(ask("gpt-5", ["STOP"]));
    expect(mock.requests.at(-1)!.body.stop).toBeUndefined();
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "one two " })]);
    expect(message.stop_reason).toBe("stop_sequence");
    expect(message.stop_sequence).toBe("STOP");
  });

  test("a fifth sequence (Chat takes four) still ends the streamed answer", async () => {
    const stream = anthropic.messages.stream(ask("chat-x", ["a1", "b2", "c3", "d4", "STOP"]));
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const message = await stream.finalMessage();
    expect(texts.join("")).toBe("one two ");
    expect(message.stop_reason).toBe("stop_sequence");
    expect(message.stop_sequence).toBe("STOP");
  });

  // A model that takes `stop` would end the answer there itself and answer finish_reason "stop"
  // without naming the sequence, or saying whether one matched: the client got end_turn and
  // stop_sequence null. The gateway keeps them and cuts, so it knows the match.
  for (const stream of [false, true]) {
    test(`a model that takes \`stop\` is not given it: the ${stream ? "streamed " : ""}answer names the match`, async () => {
      const params = ask("chat-x", ["nowhere", "STOP"]);
      const message = stream ? await anthropic.messages.stream(params).finalMessage() : await anthropic.messages.create(params);
      expect(mock.requests.at(-1)!.body.stop).toBeUndefined();
      expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "one two " })]);
      expect(message.stop_reason).toBe("stop_sequence");
      expect(message.stop_sequence).toBe("STOP");
    });
  }

  test("a streamed cut tells the client the usage the ledger records (the upstream's closing usage never comes), not zeros", async () => {
    const message = await anthropic.messages.stream(ask("chat-x", ["STOP"])).finalMessage();
    expect(message.stop_sequence).toBe("STOP");
    const row = gw.ledger.entries.at(-1)!;
    expect(row.usageEstimated).toBe(true);
    expect(row.usage.inputTokens).toBeGreaterThan(0);
    expect(row.usage.outputTokens).toBeGreaterThan(0);
    expect(message.usage).toMatchObject({ input_tokens: row.usage.inputTokens, output_tokens: row.usage.outputTokens });
  });

  // Cutting the whole answer after it came would bill every token up to max_tokens; a stream
  // collected into the one answer lets the gateway leave the call at the match.
  test("not streamed: the upstream is asked for a stream and left at the match; the client is told the usage the ledger records", async () => {
    mock.setDefaultIntervalMs(40);
    try {
      const message = await anthropic.messages.create(ask("chat-x", ["STOP"]));
      const upstream = mock.requests.at(-1)!;
      expect(upstream.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
      expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "one two " })]);
      expect(message.stop_sequence).toBe("STOP");
      for (let waited = 0; !upstream.aborted && waited < 2_000; waited += 20) await Bun.sleep(20);
      expect(upstream.aborted).toBe(true);
      const row = gw.ledger.entries.at(-1)!;
      expect(row.usageEstimated).toBe(true);
      expect(row.usage.outputTokens).toBeGreaterThan(0);
      expect(message.usage).toMatchObject({ input_tokens: row.usage.inputTokens, output_tokens: row.usage.outputTokens });
    } finally {
      mock.setDefaultIntervalMs(0);
    }
  });

  test("not streamed, no match: the collected stream is the whole answer with the upstream's own usage", async () => {
    const message = await anthropic.messages.create(ask("chat-x", ["nowhere"]));
    expect(mock.requests.at(-1)!.body.stream).toBe(true);
    expect(message.content[0]).toMatchObject({ type: "text", text: "one two STOP three" });
    expect(message.stop_reason).toBe("end_turn");
    expect(gw.ledger.entries.at(-1)!.usageEstimated).toBe(false);
    expect(message.usage.output_tokens).toBe(gw.ledger.entries.at(-1)!.usage.outputTokens);
  });

  test("not streamed, and the server ignores `stream: true`: its whole answer is cut as before", async () => {
    mock.enqueue({ json: { id: "chatcmpl-1", object: "chat.completion", created: 1, model: "chat-x", choices: [{ index: 0, message: { role: "assistant", content: "one two STOP three" }, finish_reason: "stop" }], usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 } } });
    const message = await anthropic.messages.create(ask("chat-x", ["STOP"]));
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "one two " })]);
    expect(message.stop_sequence).toBe("STOP");
    expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 5 });
  });

  test("no match: the whole answer, end_turn", async () => {
    const message = await anthropic.messages.create(ask("gpt-5", ["nowhere"]));
    expect(message.content[0]).toMatchObject({ type: "text", text: "one two STOP three" });
    expect(message.stop_reason).toBe("end_turn");
    expect(message.stop_sequence).toBeNull();
  });
});
