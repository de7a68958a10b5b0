import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { defaultAnthropicEvents, type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { createSqliteDatabase, type TestDatabase } from "../support/test-databases";
import { openSocket, sendCreate, wsUrl } from "../support/responses-socket";

/**
 * The Responses API's WebSocket mode on a running gateway (GET /v1/responses + Upgrade): the
 * handshake is authenticated like the POST, each response.create is one turn with its own
 * ledger row, its frames are the events the SSE stream carries, refusals are error events,
 * and a stopping gateway closes idle sockets instead of waiting on them.
 */

describe("Responses WebSocket mode (loopback and a mock upstream)", () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    mock = await startMockUpstream();
    gw = await startTestGateway(mock, { TOKLIGENCE_MODEL_ALIASES: "ws-claude=>anthropic:claude-sonnet-4-5" });
  });
  afterAll(async () => {
    await gw?.stop();
    await mock?.stop();
  });

  test("a turn's frames are the events the same request streams over HTTP, and it gets one ledger row", async () => {
    const http = await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "loopback", input: "same words", stream: true }) });
    const sseTypes = [...(await http.text()).matchAll(/^event: (.+)$/gm)].map((match) => match[1]);

    const open = await openSocket(wsUrl(gw.url));
    const rowsBefore = gw.ledger.entries.length;
    sendCreate(open, { model: "loopback", input: "same words" });
    const completed = await open.until(["response.completed"]);
    expect(open.frames.map((frame) => frame.type)).toEqual(sseTypes as string[]);
    expect(open.frames.map((frame) => frame.sequence_number)).toEqual(open.frames.map((_, index) => index));
    expect(completed.response.output[0].content[0].text).toBe("[loopback] same words");
    open.socket.close();
    await open.closed;
    const rows = gw.ledger.entries.slice(rowsBefore);
    expect(rows.map((row) => [row.endpoint, row.clientProtocol, row.stream, row.status, row.modelServed])).toEqual([["/v1/responses", "openai-responses", true, 200, "loopback"]]);
  });

  test("a second turn continues the first over the socket with store:false (only the new input is sent)", async () => {
    const open = await openSocket(wsUrl(gw.url));
    sendCreate(open, { model: "ws-claude", store: false, input: "my name is Ada" });
    const first = await open.until(["response.completed"]);
    const mark = open.frames.length;
    const upstreamBefore = mock.requests.length;
    sendCreate(open, { model: "ws-claude", store: false, previous_response_id: first.response.id, input: [{ type: "message", role: "user", content: "what is my name?" }] });
    await open.until(["response.completed"], mark);
    open.socket.close();
    const sent = mock.requests.slice(upstreamBefore).find((request) => request.path === "/v1/messages")!;
    expect(sent.body.messages.map((m: { role: string; content: unknown }) => [m.role, JSON.stringify(m.content)])).toEqual([
      ["user", expect.stringContaining("my name is Ada")],
      ["assistant", expect.stringContaining("Hello from the mock upstream")],
      ["user", expect.stringContaining("what is my name?")],
    ]);
  });

  test("an upstream refusal is an error event with its status, and the socket stays open for the next turn", async () => {
    const open = await openSocket(wsUrl(gw.url));
    mock.enqueue({ status: 429, headers: { "retry-after": "3" }, json: { type: "error", error: { type: "rate_limit_error", message: "slow down" } } });
    sendCreate(open, { model: "ws-claude", input: "x" });
    const error = await open.until(["error"]);
    expect(error).toMatchObject({ type: "error", status: 429, error: { message: expect.stringContaining("slow down") } });
    const mark = open.frames.length;
    sendCreate(open, { model: "loopback", input: "again" });
    expect((await open.until(["response.completed"], mark)).response.status).toBe("completed");
    sendCreate(open, { model: "no-such-model", input: "x" });
    expect(await open.until(["error"], mark + 1)).toMatchObject({ status: 404, error: { code: "model_not_found" } });
    open.socket.close();
  });

  test("the client hanging up mid-stream aborts the upstream call and the row says client_closed", async () => {
    mock.enqueue({ events: defaultAnthropicEvents("claude-sonnet-4-5", "one two three"), stallAfter: 2 });
    const rowsBefore = gw.ledger.entries.length;
    const open = await openSocket(wsUrl(gw.url));
    sendCreate(open, { model: "ws-claude", input: "x" });
    await open.until(["response.created"]);
    open.socket.close();
    for (let attempt = 0; attempt < 200 && gw.ledger.entries.length === rowsBefore; attempt += 1) await Bun.sleep(10);
    expect(gw.ledger.entries.slice(rowsBefore).map((row) => [row.status, row.errorCode])).toEqual([[499, "client_closed"]]);
    expect(mock.requests.at(-1)!.aborted).toBe(true);
  });

  test("a plain GET (no upgrade) is still refused with 405 naming POST", async () => {
    const answer = await fetch(`${gw.url}/v1/responses`);
    expect(answer.status).toBe(405);
    expect(answer.headers.get("allow")).toBe("POST");
  });
});

describe("Responses WebSocket mode with auth on and during a stop", () => {
  let database: TestDatabase;
  let gw: DatabaseGateway | undefined;
  let token: string;
  beforeAll(async () => {
    database = await createSqliteDatabase();
    gw = await startDatabaseGateway(database, undefined);
    const user = await gw.store.users.create({ email: "ws@example.com", role: "gateway_user" });
    token = (await issueApiKey(gw.store, { userId: user.id })).token;
  });
  afterAll(async () => {
    await gw?.stop();
    await database?.drop();
  });

  test("the handshake needs a gateway key: without one the upgrade is refused with 401", async () => {
    await expect(openSocket(wsUrl(gw!.url))).rejects.toThrow(/401/);
    // A key the gateway never issued, and a revoked one, are refused the same way.
    await expect(openSocket(wsUrl(gw!.url), { authorization: "Bearer tok_notissued_0000000000000000000000" })).rejects.toThrow(/401/);
    const revoked = await issueApiKey(gw!.store, { userId: (await gw!.store.users.create({ email: "ws-revoked@example.com", role: "gateway_user" })).id });
    await gw!.store.apiKeys.revoke(revoked.apiKey.id);
    await expect(openSocket(wsUrl(gw!.url), { authorization: `Bearer ${revoked.token}` })).rejects.toThrow(/401/);
    const open = await openSocket(wsUrl(gw!.url), { authorization: `Bearer ${token}` });
    sendCreate(open, { model: "loopback", input: "authorised" });
    expect((await open.until(["response.completed"])).response.status).toBe("completed");
    open.socket.close();
    await open.closed;
    const rows = await gw!.store.usage.logs({}, 10);
    expect(rows.filter((row) => row.endpoint === "/v1/responses").map((row) => [row.status, row.userId])).toEqual([[200, expect.any(Number)]]);
  });

  test("a stopping gateway closes an idle socket with 1001 instead of waiting out its grace period", async () => {
    // A gateway of its own: this test stops it (with a long grace period) itself.
    const stopped = await startTestGateway(undefined);
    const open = await openSocket(wsUrl(stopped.url));
    sendCreate(open, { model: "loopback", input: "before the stop" });
    await open.until(["response.completed"]);
    const stoppedAt = Date.now();
    const stopping = stopped.gateway.stop(30_000);
    expect(await open.closed).toEqual({ code: 1001, reason: "gateway shutting down" });
    await stopping;
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  });
});
