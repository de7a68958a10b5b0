import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "../../src/log/logger";
import { createResponseStore } from "../../src/responses-store/service";
import { openStore } from "../../src/store/open-store";
import type { Store } from "../../src/store/types";
import { readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type StoringGateway, startStoringGateway } from "../support/storing-gateway";
import { defaultAnthropicEvents, type MockUpstream, startMockUpstream } from "../support/mock-upstream";

/**
 * `background: true` on a Claude route, as OpenAI's background mode: queued at once, run without
 * the client, polled with GET, cancelled with POST .../cancel, streamed and resumed with
 * `?stream=true&starting_after=N`; the ledger row is written when the model call ends.
 */

const claudeAnswer = (text: string, delayMs = 0) => ({
  delayMs,
  json: { id: "msg_bg", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 21, output_tokens: 4 } },
});

describe("background responses on a Claude route", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let store: Store;
  let setup: StoringGateway | undefined;
  beforeAll(async () => {
    setup = await startStoringGateway("gw-background-", { TOKLIGENCE_MODEL_ALIASES: "bg-claude=>anthropic:claude-sonnet-4-5" });
    ({ mock, gw, store } = setup);
  });
  afterAll(() => setup?.stop());

  const post = (body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  const get = async (id: string) => (await fetch(`${gw.url}/v1/responses/${id}`)).json();
  const cancel = (id: string) => fetch(`${gw.url}/v1/responses/${id}/cancel`, { method: "POST" });
  async function pollUntilDone(id: string): Promise<any> {
    for (let tries = 0; tries < 200; tries++) {
      const response = await get(id);
      if (!["queued", "in_progress"].includes(response.status)) return response;
      await Bun.sleep(10);
    }
    throw new Error(`response ${id} never finished`);
  }

  test("answered at once as queued; polled until completed under the same id; one ledger row, written when the call ends", async () => {
    mock.enqueue(claudeAnswer("Background answer.", 150));
    const rows = gw.ledger.entries.length;
    const answer = await post({ model: "bg-claude", background: true, input: "hi" });
    expect(answer.status).toBe(200);
    const queued = await answer.json();
    expect(queued).toMatchObject({ object: "response", status: "queued", background: true, output: [], usage: null, model: "bg-claude" });
    expect(gw.ledger.entries.length).toBe(rows);
    expect((await get(queued.id)).status).toBe("in_progress");

    const done = await pollUntilDone(queued.id);
    expect(done).toMatchObject({ id: queued.id, status: "completed", background: true });
    expect(done.output[0].content[0].text).toBe("Background answer.");
    expect(gw.ledger.entries.slice(rows).map((row) => [row.endpoint, row.status, row.usage.inputTokens, row.usage.outputTokens])).toEqual([["/v1/responses", 200, 21, 4]]);
  });

  test("cancel stops the model call: the response is cancelled, the upstream request aborted, the row says so", async () => {
    mock.enqueue({ stall: true });
    const rows = gw.ledger.entries.length;
    const queued = await (await post({ model: "bg-claude", background: true, input: "take your time" })).json();
    await Bun.sleep(30);
    const cancelled = await cancel(queued.id);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ id: queued.id, status: "cancelled" });
    expect((await get(queued.id)).status).toBe("cancelled");
    expect(mock.requests.at(-1)!.aborted).toBe(true);
    expect(gw.ledger.entries.slice(rows).map((row) => [row.status, row.errorCode])).toEqual([[499, "client_closed"]]);
    // Cancelling again is harmless.
    expect((await (await cancel(queued.id)).json()).status).toBe("cancelled");
  });

  test("a streamed run that is cancelled ends its stream with the response cancelled, as GET and the cancel answer it", async () => {
    // Before the fix the stream ended with response.failed (the aborted upstream call's end),
    // while GET and the cancel answered cancelled.
    mock.enqueue({ events: defaultAnthropicEvents("claude-sonnet-4-5", "one two three"), stallAfter: 3 });
    const rows = gw.ledger.entries.length;
    const answer = await post({ model: "bg-claude", background: true, stream: true, input: "take your time" });
    const [peek, whole] = answer.body!.tee();
    const first = new TextDecoder().decode((await peek.getReader().read()).value);
    const id = /"id":"(resp_[^"]+)"/.exec(first)![1]!;
    await Bun.sleep(30);
    const cancelled = await (await cancel(id)).json();
    expect(cancelled).toMatchObject({ id, status: "cancelled", error: null, background: true });
    const events = await readSse(new Response(whole));
    // OpenAI's stream has no cancelled event type: the terminal event is response.failed, whose
    // response is the cancelled object (what the SDKs' stream helpers return as the final response).
    expect(events.filter((event) => event.data.response).map((event) => [event.event, event.data.response.status])).toEqual([
      ["response.created", "queued"],
      ["response.in_progress", "in_progress"],
      ["response.failed", "cancelled"],
    ]);
    expect(events.at(-1)!.data.response).toEqual(cancelled);
    expect(events.map((event) => event.data.sequence_number)).toEqual(events.map((_, index) => index));
    expect(gw.ledger.entries.slice(rows).map((row) => [row.status, row.errorCode])).toEqual([[499, "client_closed"]]);
    expect(await get(id)).toEqual(cancelled);
  });

  test("deleting a running response stops its model call, and the response stays deleted when the run ends", async () => {
    // Before the fix the run went on, and its final write stored the deleted response again.
    mock.enqueue({ stall: true });
    const rows = gw.ledger.entries.length;
    const queued = await (await post({ model: "bg-claude", background: true, input: "forget me" })).json();
    await Bun.sleep(30);
    const deleted = await fetch(`${gw.url}/v1/responses/${queued.id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ id: queued.id, object: "response", deleted: true });
    const call = mock.requests.at(-1)!;
    for (let tries = 0; tries < 100 && !call.aborted; tries++) await Bun.sleep(10);
    expect(call.aborted).toBe(true);
    expect(gw.ledger.entries.slice(rows).map((row) => [row.status, row.errorCode])).toEqual([[499, "client_closed"]]);
    await Bun.sleep(50);
    expect((await fetch(`${gw.url}/v1/responses/${queued.id}`)).status).toBe(404);
    expect((await cancel(queued.id)).status).toBe(404);
  });

  test("continuing a response that is still running is a 400 naming previous_response_id; nothing is sent; once done it continues", async () => {
    mock.enqueue(claudeAnswer("First answer.", 200));
    const queued = await (await post({ model: "bg-claude", background: true, input: "first" })).json();
    const sent = mock.requests.length;
    // Expanded while running, the history had no answer: "first" and "second" reached the model as one user turn.
    const early = await post({ model: "bg-claude", input: "second", previous_response_id: queued.id });
    expect(early.status).toBe(400);
    expect((await early.json()).error).toMatchObject({ type: "invalid_request_error", param: "previous_response_id" });
    expect(mock.requests.slice(sent).some((request) => JSON.stringify(request.body).includes("second"))).toBe(false);
    await pollUntilDone(queued.id);
    const later = await post({ model: "bg-claude", input: "second", previous_response_id: queued.id });
    expect(later.status).toBe(200);
    expect(JSON.stringify(mock.requests.at(-1)!.body.messages)).toContain("First answer.");
  });

  test("an upstream failure makes the response failed, with the error; the row records it", async () => {
    mock.enqueue({ status: 529, json: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } });
    const rows = gw.ledger.entries.length;
    const queued = await (await post({ model: "bg-claude", background: true, input: "hi" })).json();
    const done = await pollUntilDone(queued.id);
    expect(done.status).toBe("failed");
    expect(done.error.message).toContain("Overloaded");
    expect(gw.ledger.entries.slice(rows).map((row) => row.status)).toEqual([529]);
  });

  test("streamed: the events come as they are made; the stream resumes after starting_after; the client leaving does not stop the run", async () => {
    mock.enqueue({ events: defaultAnthropicEvents("claude-sonnet-4-5", "one two three four"), intervalMs: 5 });
    const events = (await readSse(await post({ model: "bg-claude", background: true, stream: true, input: "count" }))).map((event) => event.data);
    // OpenAI's background stream opens queued, then says in_progress when the model starts.
    expect(events[0]).toMatchObject({ type: "response.created", response: { background: true, status: "queued" } });
    expect(events[1]).toMatchObject({ type: "response.in_progress", response: { status: "in_progress" } });
    expect(events.at(-1).type).toBe("response.completed");
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const id = events[0].response.id;
    expect(events.at(-1).response.id).toBe(id);

    const resumed = (await readSse(await fetch(`${gw.url}/v1/responses/${id}?stream=true&starting_after=2`))).map((event) => event.data);
    expect(resumed).toEqual(events.slice(3));

    // A client that leaves after the first event: the run goes on and completes.
    mock.enqueue({ events: defaultAnthropicEvents("claude-sonnet-4-5", "still going on"), intervalMs: 20 });
    const leaving = new AbortController();
    const answer = await post({ model: "bg-claude", background: true, stream: true, input: "go" }, leaving.signal);
    const reader = answer.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const leftId = /"id":"(resp_[^"]+)"/.exec(first)![1]!;
    leaving.abort();
    const done = await pollUntilDone(leftId);
    expect(done.status).toBe("completed");
    expect(done.output[0].content[0].text).toBe("still going on");
  });

  test("streamed on loopback (the offline model): the events carry the id GET and the resumed stream find", async () => {
    const events = (await readSse(await post({ model: "loopback", background: true, stream: true, input: "offline" }))).map((event) => event.data);
    expect(events[0]).toMatchObject({ type: "response.created", response: { background: true } });
    expect(events.at(-1).type).toBe("response.completed");
    const id = events[0].response.id;
    expect(events.at(-1).response.id).toBe(id);
    expect(await get(id)).toMatchObject({ id, status: "completed", background: true });
    const resumed = (await readSse(await fetch(`${gw.url}/v1/responses/${id}?stream=true&starting_after=2`))).map((event) => event.data);
    expect(resumed).toEqual(events.slice(3));
  });

  test("refusals in OpenAI's shape: store false, cancelling a foreground response, streaming one that was not streamed", async () => {
    const rows = gw.ledger.entries.length;
    const noStore = await post({ model: "bg-claude", background: true, store: false, input: "hi" });
    expect(noStore.status).toBe(400);
    expect((await noStore.json()).error).toMatchObject({ type: "invalid_request_error", param: "store" });
    // Its row carries the model and stream flag asked for, like any refused request's.
    expect(gw.ledger.entries.slice(rows).map((row) => [row.status, row.modelRequested, row.stream])).toEqual([[400, "bg-claude", false]]);
    const noStoreStreamed = await post({ model: "bg-claude", background: true, stream: true, store: false, input: "hi" });
    expect(noStoreStreamed.status).toBe(400);
    expect(gw.ledger.entries.slice(rows + 1).map((row) => [row.status, row.modelRequested, row.stream])).toEqual([[400, "bg-claude", true]]);

    mock.enqueue(claudeAnswer("Foreground."));
    const foreground = await (await post({ model: "bg-claude", input: "hi" })).json();
    expect(foreground.background).toBe(false);
    const refused = await cancel(foreground.id);
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.message).toContain("background");

    const notStreamed = await fetch(`${gw.url}/v1/responses/${foreground.id}?stream=true`);
    expect(notStreamed.status).toBe(400);
    expect((await notStreamed.json()).error.param).toBe("stream");

    const beforeUnknown = gw.ledger.entries.length;
    const unknownModel = await post({ model: "no-such-model-anywhere", background: true, input: "hi" });
    expect(unknownModel.status).toBe(404);
    expect(gw.ledger.entries.slice(beforeUnknown).map((row) => [row.status, row.modelRequested])).toEqual([[404, "no-such-model-anywhere"]]);
  });
});

describe("background without a response store", () => {
  test("is a 400 naming background: nothing could be polled", async () => {
    const mock = await startMockUpstream();
    const gw = await startTestGateway(mock, { TOKLIGENCE_MODEL_ALIASES: "bg-claude=>anthropic:claude-sonnet-4-5" });
    try {
      const answer = await fetch(`${gw.url}/v1/responses`, { method: "POST", body: JSON.stringify({ model: "bg-claude", background: true, input: "hi" }) });
      expect(answer.status).toBe(400);
      expect((await answer.json()).error.param).toBe("background");
      expect(mock.requests).toHaveLength(0);
      expect(gw.ledger.entries.map((row) => [row.status, row.errorCode, row.modelRequested])).toEqual([[400, "invalid_request", "bg-claude"]]);
    } finally {
      await gw.stop();
      await mock.stop();
    }
  });
});

describe("background with a compaction trigger on a Claude route", () => {
  test("the compaction the model wrote becomes the completed background response", async () => {
    const mock = await startMockUpstream();
    const dataDir = mkdtempSync(join(tmpdir(), "gw-background-cmp-"));
    const store = await openStore({ dataDir });
    await store.migrate();
    const responses = createResponseStore({ repository: store.responses, retentionHours: 1, logger: createSilentLogger() });
    const gw = await startTestGateway(mock, { TOKLIGENCE_MODEL_ALIASES: "bg-claude=>anthropic:claude-sonnet-4-5" }, { responses });
    try {
      mock.enqueue(claudeAnswer("SUMMARY: all of it."));
      const input = [{ role: "user", content: "long work" }, { type: "compaction_trigger" }];
      const queued = await (await fetch(`${gw.url}/v1/responses`, { method: "POST", body: JSON.stringify({ model: "bg-claude", background: true, input }) })).json();
      let done: any = queued;
      for (let tries = 0; tries < 200 && ["queued", "in_progress"].includes(done.status); tries++) {
        await Bun.sleep(10);
        done = await (await fetch(`${gw.url}/v1/responses/${queued.id}`)).json();
      }
      expect(done).toMatchObject({ id: queued.id, status: "completed", background: true });
      expect(done.output.map((item: any) => item.type)).toEqual(["compaction"]);
    } finally {
      await gw.stop();
      await mock.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("a cancel that arrives as a background run on a Claude route finishes", () => {
  test("the completed response stays completed; the cancel answers it as it is; the row is the completed call's", async () => {
    const mock = await startMockUpstream();
    const dataDir = mkdtempSync(join(tmpdir(), "gw-background-race-"));
    const store = await openStore({ dataDir });
    await store.migrate();
    let gatewayUrl = "";
    let cancelAnswer: Promise<Response> | undefined;
    // The moment the normal path has stored the completed response, and before the run has
    // ended, a cancel comes in (the window the race needs, made wide).
    const repository = {
      ...store.responses,
      put: async (record: Parameters<typeof store.responses.put>[0]) => {
        await store.responses.put(record);
        if (record.response.status === "completed" && !cancelAnswer) {
          cancelAnswer = fetch(`${gatewayUrl}/v1/responses/${record.id}/cancel`, { method: "POST" });
          await Bun.sleep(100);
        }
      },
    };
    const responses = createResponseStore({ repository, retentionHours: 1, logger: createSilentLogger() });
    const gw = await startTestGateway(mock, { TOKLIGENCE_MODEL_ALIASES: "bg-claude=>anthropic:claude-sonnet-4-5" }, { responses });
    gatewayUrl = gw.url;
    try {
      mock.enqueue(claudeAnswer("Finished just in time."));
      const queued = await (await fetch(`${gw.url}/v1/responses`, { method: "POST", body: JSON.stringify({ model: "bg-claude", background: true, input: "hi" }) })).json();
      for (let tries = 0; tries < 200 && !cancelAnswer; tries++) await Bun.sleep(10);
      const cancelled = await cancelAnswer!;
      expect(cancelled.status).toBe(200);
      expect(await cancelled.json()).toMatchObject({ id: queued.id, status: "completed" });
      const stored = await (await fetch(`${gw.url}/v1/responses/${queued.id}`)).json();
      expect(stored.status).toBe("completed");
      expect(stored.output[0].content[0].text).toBe("Finished just in time.");
      expect(gw.ledger.entries.map((row) => [row.status, row.usage.outputTokens])).toEqual([[200, 4]]);
    } finally {
      await gw.stop();
      await mock.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
