import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { countTextTokens } from "../../src/ledger/estimate-usage";
import type { StoredUsageRow } from "../../src/store/types";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockScript, type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, type TestDatabase } from "../support/test-databases";

/**
 * The ledger against the mock upstream's own figures: every request scripts distinct usage
 * numbers, and the rows (and the usage API's totals) must equal them exactly, on every
 * endpoint, native and translated, streaming and not. Abandoned streams keep what the upstream
 * reported before the abort and estimate the rest, marked usage_estimated.
 */

interface Figures {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

const sse = (event: string | undefined, data: unknown) => ({ event, data });

function chatJson(model: string, text: string, u: Figures): MockScript {
  return {
    json: {
      id: "chatcmpl-x", object: "chat.completion", created: 1, model,
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output, prompt_tokens_details: { cached_tokens: u.cacheRead }, completion_tokens_details: { reasoning_tokens: u.reasoning } },
    },
  };
}

function chatEvents(model: string, words: string[], u: Figures | null): MockScript["events"] {
  const base = { id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model };
  return [
    sse(undefined, { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }),
    ...words.map((word) => sse(undefined, { ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] })),
    sse(undefined, { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
    ...(u ? [sse(undefined, { ...base, choices: [], usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output, prompt_tokens_details: { cached_tokens: u.cacheRead }, completion_tokens_details: { reasoning_tokens: u.reasoning } } })] : []),
    "data: [DONE]\n\n",
  ];
}

/** Anthropic counts input without cache reads and writes; the ledger's input includes them. */
function anthropicUsage(u: Figures, output = u.output) {
  return { input_tokens: u.input - u.cacheRead - u.cacheWrite, cache_read_input_tokens: u.cacheRead, cache_creation_input_tokens: u.cacheWrite, output_tokens: output };
}

function anthropicJson(model: string, text: string, u: Figures): MockScript {
  return { json: { id: "msg_x", type: "message", role: "assistant", model, content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage: anthropicUsage(u) } };
}

function anthropicEvents(model: string, words: string[], u: Figures): NonNullable<MockScript["events"]> {
  const ev = (type: string, payload: Record<string, unknown>) => sse(type, { type, ...payload });
  return [
    ev("message_start", { message: { id: "msg_x", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: anthropicUsage(u, 1) } }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ...words.map((word) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: word } })),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: u.output } }),
    ev("message_stop", {}),
  ];
}

function responsesUsage(u: Figures) {
  return { input_tokens: u.input, input_tokens_details: { cached_tokens: u.cacheRead }, output_tokens: u.output, output_tokens_details: { reasoning_tokens: u.reasoning }, total_tokens: u.input + u.output };
}

/** The Responses objects of one answer: the in-progress shell, the output item, the completed response. */
function responsesShapes(model: string, words: string[], u: Figures) {
  const text = words.join("");
  const item = { id: "msg_x", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] };
  const response = { id: "resp_x", object: "response", created_at: 1, model, status: "in_progress", output: [] as unknown[], usage: null as unknown };
  return { text, item, response, completed: { ...response, status: "completed", output: [item], usage: responsesUsage(u) } };
}

function responsesEvents(model: string, words: string[], u: Figures): NonNullable<MockScript["events"]> {
  let seq = 0;
  const { text, item, response, completed } = responsesShapes(model, words, u);
  const ev = (type: string, payload: Record<string, unknown>) => sse(type, { type, sequence_number: seq++, ...payload });
  return [
    ev("response.created", { response }),
    ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }),
    ev("response.content_part.added", { item_id: "msg_x", output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }),
    ...words.map((delta) => ev("response.output_text.delta", { item_id: "msg_x", output_index: 0, content_index: 0, delta })),
    ev("response.output_text.done", { item_id: "msg_x", output_index: 0, content_index: 0, text }),
    ev("response.content_part.done", { item_id: "msg_x", output_index: 0, content_index: 0, part: item.content[0] }),
    ev("response.output_item.done", { output_index: 0, item }),
    ev("response.completed", { response: completed }),
  ];
}

const words = ["The ", "ledger ", "counts ", "every ", "token."];
const chatBody = (model: string, stream: boolean) => ({ model, stream, messages: [{ role: "user", content: "count me" }] });
const messagesBody = (model: string, stream: boolean) => ({ model, stream, max_tokens: 64, messages: [{ role: "user", content: "count me" }] });
const responsesBody = (model: string, stream: boolean) => ({ model, stream, input: "count me" });

/** USD per 1M tokens (= micro-dollars per token). */
const prices: Record<string, { input: number; output: number; cacheRead: number; cacheWrite: number }> = {
  "gpt-4o": { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 2 },
  "claude-sonnet-4*": { input: 3, output: 15, cacheRead: 0.25, cacheWrite: 3.75 },
  "text-embedding-3-small": { input: 0.5, output: 0, cacheRead: 0.5, cacheWrite: 0.5 },
};

/** Expected cost in micro-dollars, rounded half up, from the row's own counts. */
function expectedCost(row: StoredUsageRow): number {
  const served = row.modelServed ?? "";
  const price = prices[served] ?? (served.startsWith("claude-sonnet-4") ? prices["claude-sonnet-4*"] : undefined);
  if (!price) throw new Error(`no test price for ${served}`);
  const uncached = row.promptTokens - row.cacheReadTokens - row.cacheWriteTokens;
  const micro = uncached * price.input + row.cacheReadTokens * price.cacheRead + row.cacheWriteTokens * price.cacheWrite + row.completionTokens * price.output;
  return Math.floor(micro + 0.5 + 1e-9);
}

let counter = 0;
const figures = (): Figures => {
  // Distinct numbers per request, so a swapped or doubled row cannot add up by accident.
  counter += 1;
  return { input: 1000 + counter * 37, output: 100 + counter * 11, cacheRead: counter * 3, cacheWrite: 0, reasoning: counter % 3 };
};

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`ledger totals equal the upstream's figures (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let gw: DatabaseGateway;
    let token: string;
    let userId: number;
    let pricesDir: string;

    beforeAll(async () => {
      database = await dialectCase.create();
      mock = await startMockUpstream();
      // A price file of our own (ledger.prices_file), so the cost column is checked against
      // arithmetic done here, not against the gateway's own code.
      pricesDir = mkdtempSync(join(tmpdir(), "gw-prices-"));
      const pricesFile = join(pricesDir, "prices.toml");
      writeFileSync(pricesFile, Object.entries(prices).map(([model, p]) => `[[prices]]\nmodel = "${model}"\ninput = ${p.input}\noutput = ${p.output}\ncache_read = ${p.cacheRead}\ncache_write = ${p.cacheWrite}\n`).join("\n"));
      gw = await startDatabaseGateway(database, mock, { TOKLIGENCE_LEDGER__PRICES_FILE: pricesFile });
      const user = await gw.store.users.create({ email: "counted@example.com", role: "gateway_user" });
      userId = user.id;
      token = (await issueApiKey(gw.store, { userId })).token;
    });
    afterAll(async () => {
      await gw?.stop();
      await mock?.stop();
      await database?.drop();
      rmSync(pricesDir, { recursive: true, force: true });
    }, 60_000);

    const send = (path: string, body: unknown, requestId: string, signal?: AbortSignal) =>
      fetch(`${gw.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "anthropic-version": "2023-06-01", "x-request-id": requestId },
        body: JSON.stringify(body),
        signal,
      });

    const rowOf = async (requestId: string): Promise<StoredUsageRow> => {
      // An abandoned stream's row is written when the gateway notices the disconnect: wait for it.
      for (let attempt = 0; attempt < 500; attempt += 1) {
        const row = (await gw.store.usage.logs({ userId }, 1000)).find((candidate) => candidate.clientRequestId === requestId);
        if (row) return row;
        await Bun.sleep(10);
      }
      throw new Error(`no ledger row for ${requestId}`);
    };

    test("a mix of endpoints, native and translated, streaming and not, plus abandoned streams", async () => {
      const exact: Array<{ id: string; u: Figures; stream: boolean }> = [];
      const complete = async (label: string, path: string, body: { stream: boolean }, script: (u: Figures) => MockScript, u = figures()) => {
        mock.enqueue(script(u));
        const id = `req_${label}_${dialectCase.dialect}`;
        const response = await send(path, body, id);
        expect({ label, status: response.status }).toEqual({ label, status: 200 });
        const text = await response.text();
        if (body.stream) expect(text.length).toBeGreaterThan(0);
        exact.push({ id, u, stream: body.stream });
      };
      const stream = (events: (u: Figures) => MockScript["events"]) => (u: Figures) => ({ events: events(u) });

      // Native: the client's protocol is the upstream's.
      await complete("chat", "/v1/chat/completions", chatBody("gpt-4o", false), (u) => chatJson("gpt-4o", "done", u));
      await complete("chat_stream", "/v1/chat/completions", chatBody("gpt-4o", true), stream((u) => chatEvents("gpt-4o", words, u)));
      await complete("responses", "/v1/responses", responsesBody("gpt-4o", false), (u) => ({ json: responsesShapes("gpt-4o", words, u).completed }));
      await complete("responses_stream", "/v1/responses", responsesBody("gpt-4o", true), stream((u) => responsesEvents("gpt-4o", words, u)));
      const withCacheWrite = () => ({ ...figures(), cacheWrite: 40 });
      await complete("messages", "/v1/messages", messagesBody("claude-sonnet-4-5", false), (u) => anthropicJson("claude-sonnet-4-5", "done", u), withCacheWrite());
      await complete("messages_stream", "/anthropic/v1/messages", messagesBody("claude-sonnet-4-5", true), stream((u) => anthropicEvents("claude-sonnet-4-5", words, u)), withCacheWrite());
      await complete("embeddings", "/v1/embeddings", { model: "text-embedding-3-small", input: "count me", stream: false } as never, (u) => ({
        json: { object: "list", model: "text-embedding-3-small", data: [{ object: "embedding", index: 0, embedding: [0.1] }], usage: { prompt_tokens: u.input, total_tokens: u.input } },
      }), { input: 321, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
      // Translated: Messages on a Chat upstream, Chat and Responses on an Anthropic upstream.
      await complete("messages_on_chat", "/v1/messages", messagesBody("gpt-4o", false), (u) => chatJson("gpt-4o", "done", u));
      await complete("messages_on_chat_stream", "/v1/messages", messagesBody("gpt-4o", true), stream((u) => chatEvents("gpt-4o", words, u)));
      await complete("chat_on_anthropic_stream", "/v1/chat/completions", chatBody("claude-sonnet-4-5", true), stream((u) => anthropicEvents("claude-sonnet-4-5", words, u)));
      await complete("responses_on_anthropic", "/v1/responses", responsesBody("claude-sonnet-4-5", false), (u) => anthropicJson("claude-sonnet-4-5", "done", u));
      await complete("responses_on_anthropic_stream", "/v1/responses", responsesBody("claude-sonnet-4-5", true), stream((u) => anthropicEvents("claude-sonnet-4-5", words, u)));

      for (const { id, u, stream: streamed } of exact) {
        const row = await rowOf(id);
        // Reasoning counts exist only where the protocol carries them (not Anthropic, not embeddings).
        const expected = { promptTokens: u.input, completionTokens: u.output, cacheReadTokens: u.cacheRead, cacheWriteTokens: u.cacheWrite, usageEstimated: false, status: 200, stream: streamed };
        const actual = { promptTokens: row.promptTokens, completionTokens: row.completionTokens, cacheReadTokens: row.cacheReadTokens, cacheWriteTokens: row.cacheWriteTokens, usageEstimated: row.usageEstimated, status: row.status, stream: row.stream };
        expect({ id, ...actual }).toEqual({ id, ...expected });
        if (row.upstreamProtocol !== "anthropic" && !row.endpoint.includes("embeddings")) expect({ id, reasoning: row.reasoningTokens }).toEqual({ id, reasoning: u.reasoning });
      }

      // Abandoned mid-stream: the client reads the first events, then hangs up.
      const sent = words.slice(0, 3);
      const abandoned: Array<{ id: string; reportedInput?: number }> = [];
      const abandon = async (label: string, path: string, body: unknown, events: NonNullable<MockScript["events"]>, stallAfter: number, reportedInput?: number) => {
        mock.enqueue({ events, stallAfter });
        const id = `req_abandoned_${label}_${dialectCase.dialect}`;
        const controller = new AbortController();
        const response = await send(path, body, id, controller.signal);
        expect(response.status).toBe(200);
        const reader = response.body!.getReader();
        let seen = "";
        // Read until the last text the upstream sent before stalling has reached the client.
        while (!seen.includes(sent.at(-1)!.trim())) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += new TextDecoder().decode(value);
        }
        controller.abort();
        await reader.cancel().catch(() => {});
        abandoned.push({ id, reportedInput });
      };
      const anthropicStart = 2; // message_start, content_block_start
      const u1 = figures();
      await abandon("messages", "/v1/messages", messagesBody("claude-sonnet-4-5", true), anthropicEvents("claude-sonnet-4-5", words, u1), anthropicStart + sent.length, u1.input);
      await abandon("chat", "/v1/chat/completions", chatBody("gpt-4o", true), chatEvents("gpt-4o", words, figures())!, 1 + sent.length);
      await abandon("responses", "/v1/responses", responsesBody("gpt-4o", true), responsesEvents("gpt-4o", words, figures()), 3 + sent.length);
      await abandon("messages_on_chat", "/v1/messages", messagesBody("gpt-4o", true), chatEvents("gpt-4o", words, figures())!, 1 + sent.length);

      const generated = countTextTokens(sent.join(""));
      for (const { id, reportedInput } of abandoned) {
        const row = await rowOf(id);
        expect({ id, status: row.status, errorCode: row.errorCode, estimated: row.usageEstimated }).toEqual({ id, status: 499, errorCode: "client_closed", estimated: true });
        // What the upstream reported before the abort is kept exactly; the rest is estimated.
        if (reportedInput !== undefined) expect({ id, input: row.promptTokens }).toEqual({ id, input: reportedInput });
        else expect(row.promptTokens).toBeGreaterThan(0);
        expect({ id, output: row.completionTokens }).toEqual({ id, output: generated });
      }

      // The usage API adds up exactly the same rows.
      const rows = await gw.store.usage.logs({ userId }, 1000);
      expect(rows).toHaveLength(exact.length + abandoned.length);
      // Cost from the configured price table, on exact and estimated rows alike.
      for (const row of rows) expect({ id: row.requestId, cost: row.costMicroUsd }).toEqual({ id: row.requestId, cost: expectedCost(row) });
      const summary = (await (await fetch(`${gw.url}/api/v1/usage/summary`, { headers: { authorization: `Bearer ${token}` } })).json()) as { totals: Record<string, number> };
      const sum = (pick: (row: StoredUsageRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
      const exactInput = exact.reduce((total, { u }) => total + u.input, 0);
      const exactOutput = exact.reduce((total, { u }) => total + u.output, 0);
      const abandonedRows = rows.filter((row) => row.usageEstimated);
      expect(summary.totals).toMatchObject({
        requests: exact.length + abandoned.length,
        prompt_tokens: exactInput + abandonedRows.reduce((total, row) => total + row.promptTokens, 0),
        completion_tokens: exactOutput + generated * abandoned.length,
        cache_read_tokens: sum((row) => row.cacheReadTokens),
        cache_write_tokens: exact.reduce((total, { u }) => total + u.cacheWrite, 0),
        cost_micro_usd: rows.reduce((total, row) => total + expectedCost(row), 0),
        unpriced_requests: 0,
      });
    }, 60_000);
  });
}
