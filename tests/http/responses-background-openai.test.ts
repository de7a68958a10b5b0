import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "../../src/log/logger";
import { BackgroundRuns } from "../../src/proxy/background-runs";
import { createResponseStore } from "../../src/responses-store/service";
import { openStore } from "../../src/store/open-store";
import type { Store } from "../../src/store/types";
import { readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { sdkClients } from "../support/sdk-clients";
import { type StoringGateway, startStoringGateway } from "../support/storing-gateway";
import { type MockUpstream, mockUsage, startMockUpstream } from "../support/mock-upstream";

/**
 * `background: true` on a native OpenAI Responses route: forwarded as sent (OpenAI queues and
 * runs it), then followed by the gateway at the upstream until it ends, so the stored copy
 * reaches its final state and the ledger gets one row with the real usage. GET, GET
 * ?stream=true and cancel reach the upstream while the run is going.
 */

const polling = { firstDelayMs: 20, maxDelayMs: 40, limitMs: 60_000, orphanedAfterMs: 300 };

describe("background responses on a native OpenAI route", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  let store: Store;
  let setup: StoringGateway | undefined;
  beforeAll(async () => {
    setup = await startStoringGateway("gw-background-openai-", { TOKLIGENCE_MODEL_ALIASES: "bg-gpt=>openai:gpt-5" }, { background: new BackgroundRuns(polling) });
    ({ mock, gw, store } = setup);
  });
  afterAll(() => setup?.stop());
  afterEach(() => {
    mock.background.hold = false;
    mock.background.pollsUntilDone = 2;
    mock.background.outcome = "completed";
    mock.background.streamIntervalMs = 0;
  });

  const post = (body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  const get = async (id: string) => (await fetch(`${gw.url}/v1/responses/${id}`)).json();
  const cancel = (id: string) => fetch(`${gw.url}/v1/responses/${id}/cancel`, { method: "POST" });
  const rowsFor = (from: number) => gw.ledger.entries.slice(from);
  async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let tries = 0; tries < 300; tries++) {
      if (await check()) return;
      await Bun.sleep(10);
    }
    throw new Error(`never: ${what}`);
  }
  const upstreamCalls = (id: string) => mock.requests.filter((request) => request.path.startsWith(`/v1/responses/${id}`)).map((request) => `${request.method} ${request.path}${request.query}`);

  test("queued at once; the gateway follows the run at the upstream; the copy completes and the row has the final usage, once", async () => {
    const rows = gw.ledger.entries.length;
    const answer = await post({ model: "bg-gpt", background: true, input: "work" });
    expect(answer.status).toBe(200);
    const queued = await answer.json();
    expect(queued).toMatchObject({ status: "queued", background: true, model: "bg-gpt" });
    expect(mock.requests.find((request) => request.path === "/v1/responses")!.body.background).toBe(true);
    // No row from the queued answer: its usage is not known yet.
    expect(rowsFor(rows)).toHaveLength(0);

    await until(() => rowsFor(rows).length > 0, "the row is written");
    const [row] = rowsFor(rows);
    expect(row).toMatchObject({ endpoint: "/v1/responses", status: 200, errorCode: null, usageEstimated: false, provider: "openai", modelRequested: "bg-gpt", modelServed: "gpt-5" });
    expect(row!.usage).toMatchObject({ inputTokens: mockUsage.input, outputTokens: mockUsage.output, cacheReadTokens: mockUsage.cached });

    const done = await get(queued.id);
    expect(done).toMatchObject({ id: queued.id, status: "completed", model: "bg-gpt" });
    expect(done.output[0].content[0].text).toBe("Hello from the mock upstream");
    // Followed with the provider's key, through GET /responses/{id}.
    const polls = mock.requests.filter((request) => request.method === "GET" && request.path === `/v1/responses/${queued.id}`);
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls[0]!.headers.authorization).toBe("Bearer sk-test-openai-key-123456");
    // The final copy is served from the store: no more upstream calls, and still one row.
    const callsBefore = upstreamCalls(queued.id).length;
    await get(queued.id);
    await Bun.sleep(100);
    expect(upstreamCalls(queued.id).length).toBe(callsBefore);
    expect(rowsFor(rows)).toHaveLength(1);
  });

  test("GET of a running response asks the upstream and refreshes the copy; cancel reaches the upstream; the row is the cancelled one", async () => {
    mock.background.hold = true;
    const rows = gw.ledger.entries.length;
    const queued = await (await post({ model: "bg-gpt", background: true, input: "long" })).json();
    await until(() => upstreamCalls(queued.id).length >= 2, "the follower polls");
    const running = await get(queued.id);
    expect(running.status).toBe("in_progress");
    expect(upstreamCalls(queued.id).at(-1)).toBe(`GET /v1/responses/${queued.id}`);
    expect((await store.responses.get(queued.id, null, new Date()))!.response.status).toBe("in_progress");

    const cancelled = await cancel(queued.id);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ id: queued.id, status: "cancelled" });
    expect(upstreamCalls(queued.id)).toContain(`POST /v1/responses/${queued.id}/cancel`);
    expect(mock.background.runs.get(queued.id)!.status).toBe("cancelled");
    expect((await get(queued.id)).status).toBe("cancelled");
    expect(rowsFor(rows).map((row) => [row.status, row.errorCode, row.usageEstimated])).toEqual([[499, "client_closed", true]]);

    // Cancelling again answers the copy as it is, without the upstream, and writes nothing.
    const callsBefore = upstreamCalls(queued.id).length;
    expect((await (await cancel(queued.id)).json()).status).toBe("cancelled");
    await Bun.sleep(100);
    expect(upstreamCalls(queued.id).length).toBe(callsBefore);
    expect(rowsFor(rows)).toHaveLength(1);
  });

  test("deleting a running response cancels it at the upstream first (it would only bill on), settles its row, then deletes the copy", async () => {
    mock.background.hold = true;
    const rows = gw.ledger.entries.length;
    const queued = await (await post({ model: "bg-gpt", background: true, input: "long" })).json();
    await until(() => upstreamCalls(queued.id).length >= 2, "the follower polls");
    const deleted = await fetch(`${gw.url}/v1/responses/${queued.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: queued.id, object: "response", deleted: true });
    expect(upstreamCalls(queued.id)).toContain(`POST /v1/responses/${queued.id}/cancel`);
    expect(mock.background.runs.get(queued.id)!.status).toBe("cancelled");
    expect((await fetch(`${gw.url}/v1/responses/${queued.id}`)).status).toBe(404);
    await until(() => rowsFor(rows).length === 1, "the cancelled run's row");
    expect(rowsFor(rows).map((row) => [row.status, row.errorCode])).toEqual([[499, "client_closed"]]);
    // A finished run is deleted without asking the upstream.
    mock.background.hold = false;
    const done = await (await post({ model: "bg-gpt", background: true, input: "short" })).json();
    await until(async () => (await get(done.id)).status === "completed", "the short run completes");
    await fetch(`${gw.url}/v1/responses/${done.id}`, { method: "DELETE" });
    expect(upstreamCalls(done.id).some((call) => call.endsWith("/cancel"))).toBe(false);
  });

  test("a failed run: the copy fails with the upstream's error, the row says upstream_error", async () => {
    mock.background.outcome = "failed";
    const rows = gw.ledger.entries.length;
    const queued = await (await post({ model: "bg-gpt", background: true, input: "doomed" })).json();
    await until(() => rowsFor(rows).length > 0, "the row is written");
    expect(rowsFor(rows).map((row) => [row.status, row.errorCode])).toEqual([[200, "upstream_error"]]);
    const failed = await get(queued.id);
    expect(failed).toMatchObject({ status: "failed", error: { code: "server_error" } });
  });

  test("streamed and read to the end: the row comes from the stream's final event; GET ?stream=true relays the upstream's stream", async () => {
    const rows = gw.ledger.entries.length;
    const events = (await readSse(await post({ model: "bg-gpt", background: true, stream: true, input: "count" }))).map((event) => event.data);
    expect(events[0]).toMatchObject({ type: "response.created", response: { status: "queued", background: true } });
    expect(events.at(-1).type).toBe("response.completed");
    const id = events[0].response.id;
    await until(() => rowsFor(rows).length > 0, "the row is written");
    expect(rowsFor(rows).map((row) => [row.status, row.usage.outputTokens, row.usageEstimated])).toEqual([[200, mockUsage.output, false]]);
    expect((await get(id)).status).toBe("completed");
    await until(async () => (await store.responses.get(id, null, new Date()))?.request.native_background !== undefined, "the copy notes where the run is");

    const resumed = (await readSse(await fetch(`${gw.url}/v1/responses/${id}?stream=true&starting_after=2`))).map((event) => event.data);
    expect(resumed).toEqual(events.slice(3));
    expect(upstreamCalls(id)).toContain(`GET /v1/responses/${id}?stream=true&starting_after=2`);
    await Bun.sleep(100);
    expect(rowsFor(rows)).toHaveLength(1);
  });

  test("a streamed run whose client leaves goes on at the upstream: followed, completed, one row with the real usage", async () => {
    mock.background.streamIntervalMs = 40;
    mock.background.hold = true;
    const rows = gw.ledger.entries.length;
    const leaving = new AbortController();
    const answer = await post({ model: "bg-gpt", background: true, stream: true, input: "go on" }, leaving.signal);
    const reader = answer.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const id = /"id":"(resp_[^"]+)"/.exec(first)![1]!;
    leaving.abort();
    await until(() => upstreamCalls(id).length > 0, "the follower polls");
    expect((await store.responses.get(id, null, new Date()))!.response.status).toMatch(/queued|in_progress/);
    expect(rowsFor(rows)).toHaveLength(0);
    mock.background.hold = false;
    await until(() => rowsFor(rows).length > 0, "the row is written");
    expect(rowsFor(rows).map((row) => [row.status, row.errorCode, row.usage.inputTokens, row.usageEstimated, row.stream])).toEqual([[200, null, mockUsage.input, false, true]]);
    expect((await get(id)).status).toBe("completed");
  });

  test("while the creating stream runs, the run is readable (GET elsewhere, the SDK resuming at once after leaving): read at the upstream, then stored once, one row", async () => {
    // Stored only when the creating stream ends (its row is known then): before, such a read was a
    // 404 until then, and a client that resumed right after losing its stream was told the
    // response did not exist.
    mock.background.streamIntervalMs = 40;
    const rows = gw.ledger.entries.length;
    const { openai } = sdkClients(gw.url);
    const creating = await openai.responses.create({ model: "bg-gpt", background: true, stream: true, input: "long" });
    let id = "";
    let seen = -1;
    for await (const event of creating) {
      if (event.type === "response.created") {
        id = event.response.id;
        // Another connection reads it mid-stream, under the client's model name.
        const read = await openai.responses.retrieve(id);
        expect(read).toMatchObject({ id, model: "bg-gpt", background: true });
        expect(read.status).toMatch(/queued|in_progress/);
      }
      seen = event.sequence_number;
      if (seen >= 3) break; // the client loses its stream here
    }
    const resumed = await openai.responses.retrieve(id, { stream: true, starting_after: seen });
    const rest: Array<[string, number]> = [];
    for await (const event of resumed) rest.push([event.type, event.sequence_number]);
    expect(rest[0]![1]).toBe(seen + 1);
    expect(rest.at(-1)![0]).toBe("response.completed");
    expect(upstreamCalls(id)).toContain(`GET /v1/responses/${id}?stream=true&starting_after=${seen}`);

    await until(() => rowsFor(rows).length > 0, "the row is written");
    expect((await get(id)).status).toBe("completed");
    await Bun.sleep(100);
    expect(rowsFor(rows).map((row) => [row.status, row.usage.outputTokens, row.usageEstimated])).toEqual([[200, mockUsage.output, false]]);
  });

  test("refusals: an upstream error on create is relayed with its row; streaming a response not created with stream is a 400", async () => {
    const rows = gw.ledger.entries.length;
    mock.enqueue({ status: 400, json: { error: { message: "Background mode requires store=true.", type: "invalid_request_error", param: "store", code: null } } });
    const refused = await post({ model: "bg-gpt", background: true, store: false, input: "x" });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.param).toBe("store");
    expect(rowsFor(rows).map((row) => row.status)).toEqual([400]);

    mock.background.hold = true;
    const queued = await (await post({ model: "bg-gpt", background: true, input: "plain" })).json();
    const notStreamed = await fetch(`${gw.url}/v1/responses/${queued.id}?stream=true`);
    expect(notStreamed.status).toBe(400);
    expect((await notStreamed.json()).error).toMatchObject({ type: "invalid_request_error", param: "stream" });
    await cancel(queued.id);
  });

  test("an upstream that echoes the provider key in an error: the client never sees the key", async () => {
    mock.background.hold = true;
    const queued = await (await post({ model: "bg-gpt", background: true, input: "x" })).json();
    mock.setResponder((request) =>
      request.method === "GET" && request.path === `/v1/responses/${queued.id}` ? { status: 401, json: { error: { message: "Incorrect API key provided: sk-test-openai-key-123456.", type: "invalid_request_error", code: "invalid_api_key" } } } : undefined,
    );
    try {
      const refused = await fetch(`${gw.url}/v1/responses/${queued.id}`);
      expect(refused.status).toBe(401);
      const text = await refused.text();
      expect(text).not.toContain("sk-test-openai-key-123456");
      expect(JSON.parse(text).error.code).toBe("invalid_api_key");
    } finally {
      mock.setResponder(undefined);
    }
    await cancel(queued.id);
  });

  test("a non-JSON upstream error (a proxy's HTML page, an empty body) on GET, cancel and ?stream=true reaches the client as an OpenAI error, status kept", async () => {
    // A streamed run read to its end (?stream=true still asks the upstream), then one held running (GET and cancel do).
    const streamed = (await readSse(await post({ model: "bg-gpt", background: true, stream: true, input: "x" }))).map((event) => event.data as any);
    const streamedId = streamed.find((data) => data?.response?.id)?.response.id as string;
    mock.background.hold = true;
    const queued = await (await post({ model: "bg-gpt", background: true, input: "x" })).json();
    expect(streamedId).toBeString();
    const html = { status: 403, headers: { "content-type": "text/html" }, rawBody: "<html><body>403 Forbidden</body></html>" };
    const answers: Array<[string, string, Record<string, unknown>]> = [
      ["GET", `/v1/responses/${queued.id}`, html],
      ["POST", `/v1/responses/${queued.id}/cancel`, { status: 409, rawBody: "" }],
      ["GET", `/v1/responses/${streamedId}?stream=true`, { status: 403, headers: { "content-type": "text/plain" }, rawBody: "denied by proxy" }],
    ];
    try {
      for (const [method, path, answer] of answers) {
        const upstreamPath = path.split("?")[0];
        mock.setResponder((request) => (request.method === method && request.path === upstreamPath ? (answer as never) : undefined));
        const response = await fetch(`${gw.url}${path}`, { method });
        expect(response.status).toBe(answer.status as number);
        expect(response.headers.get("content-type")).toContain("application/json");
        expect(response.headers.get("x-request-id")).toBeString();
        const body = (await response.json()) as any;
        expect(typeof body.error.message).toBe("string");
        expect(typeof body.error.type).toBe("string");
      }
    } finally {
      mock.setResponder(undefined);
    }
    mock.background.hold = false;
    await cancel(queued.id);
  });
});

describe("a gateway that stops while following a native background response", () => {
  test("writes no row; the run stays pending; the next gateway on the same database settles it once, by GET or by its sweep", async () => {
    const mock = await startMockUpstream();
    const dataDir = mkdtempSync(join(tmpdir(), "gw-background-openai-stop-"));
    const store = await openStore({ dataDir });
    await store.migrate();
    const responses = () => createResponseStore({ repository: store.responses, retentionHours: 1, logger: createSilentLogger() });
    const start = () => startTestGateway(mock, { TOKLIGENCE_MODEL_ALIASES: "bg-gpt=>openai:gpt-5" }, { responses: responses(), background: new BackgroundRuns(polling) });
    mock.background.hold = true;
    const first = await start();
    let second: TestGateway | undefined;
    let third: TestGateway | undefined;
    try {
      const post = () => fetch(`${first.url}/v1/responses`, { method: "POST", body: JSON.stringify({ model: "bg-gpt", background: true, input: "x" }) }).then((answer) => answer.json());
      const [byGet, bySweep] = [await post(), await post()];
      await Bun.sleep(100);
      await first.stop();
      expect(first.ledger.entries).toHaveLength(0);
      expect((await store.responses.get(byGet.id, null, new Date()))!.response.status).toMatch(/queued|in_progress/);
      mock.background.hold = false;

      // A GET at another gateway asks the upstream, sees the end, writes the row.
      second = await start();
      const done = await (await fetch(`${second.url}/v1/responses/${byGet.id}`)).json();
      expect(done.status).toBe("completed");
      // The other run: nobody asks, the sweep finds it once its copy is orphaned.
      for (let tries = 0; tries < 300 && second.ledger.entries.length < 2; tries++) await Bun.sleep(10);
      expect(second.ledger.entries.map((row) => [row.status, row.usage.outputTokens, row.usageEstimated]).sort()).toEqual([
        [200, mockUsage.output, false],
        [200, mockUsage.output, false],
      ]);
      expect((await store.responses.get(bySweep.id, null, new Date()))!.response.status).toBe("completed");
      await second.stop();
      second = undefined;
      // Settled runs are nobody's business any more: a third gateway writes nothing.
      third = await start();
      await Bun.sleep(400);
      expect(third.ledger.entries).toHaveLength(0);
    } finally {
      await second?.stop().catch(() => undefined);
      await third?.stop();
      await mock.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
