import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { chatOnlyProviderEnv, readSse, startTestGateway, type TestGateway } from "../support/gateway-harness";
import { startDatabaseGateway, type DatabaseGateway } from "../support/database-gateway";
import { createSqliteDatabase, type TestDatabase } from "../support/test-databases";

/**
 * Wire cases of translation-edge-cases.md §1 and §16 that only show on the wire: what a
 * translated route does with the query string, the client's own headers and a one-token probe.
 * chat-* models are served in Chat Completions only; claude* go to the Anthropic upstream.
 */
let mock: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startTestGateway(mock, { ...chatOnlyProviderEnv(mock.openaiBaseUrl, "chat-*"), TOKLIGENCE_ROUTES: "claude*=>anthropic" });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** Headers Claude Code 2.1.329 sends (verified locally, catalogue T04/T06), with its client key. */
const claudeCodeHeaders = {
  "anthropic-version": "2023-06-01",
  "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
  "anthropic-dangerous-direct-browser-access": "true",
  "x-app": "cli",
  "x-claude-code-session-id": "sess-123",
  "x-stainless-lang": "js",
  "x-api-key": "sk-ant-client-secret-0123",
};

/** Headers Codex 0.169 sends (verified locally, catalogue T09), with its client key. */
const codexHeaders = {
  authorization: "Bearer codex-client-secret-0123",
  originator: "codex_exec",
  "session-id": "sess-9",
  "thread-id": "thread-9",
  "x-client-request-id": "creq-9",
  "x-codex-turn-metadata": '{"turn":1}',
  "x-codex-window-id": "win-9",
  "x-codex-beta-features": "x",
};

const leaked = (headers: Record<string, string>, sent: Record<string, string>) =>
  Object.keys(sent).filter((name) => name !== "authorization" && headers[name] !== undefined);

describe("T01 the query string on translated Anthropic routes", () => {
  test("/v1/messages?beta=true to a Chat upstream: routed on the path, beta=true not forwarded", async () => {
    const response = await post("/v1/messages?beta=true", { model: "chat-x", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }, claudeCodeHeaders);
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).type).toBe("message");
    const received = mock.requests.at(-1)!;
    expect(received.path).toBe("/v1/chat/completions");
    expect(received.query).toBe("");
  });

  test("/v1/messages/count_tokens?beta=true for a Chat-served model: 200 with an estimate, nothing sent upstream", async () => {
    const before = mock.requests.length;
    const response = await post("/v1/messages/count_tokens?beta=true", { model: "chat-x", messages: [{ role: "user", content: "count these words please" }] }, claudeCodeHeaders);
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.input_tokens).toBeGreaterThan(0);
    expect(mock.requests.length).toBe(before);
  });
});

describe("T02 T04 T06 Claude Code's headers on a Chat upstream", () => {
  test("Anthropic-only and client-identifying headers stay at the gateway; the upstream gets the provider's key", async () => {
    const response = await post("/v1/messages", { model: "chat-x", max_tokens: 16, stream: true, messages: [{ role: "user", content: "hi" }] }, claudeCodeHeaders);
    expect((await readSse(response)).at(-1)!.event).toBe("message_stop");
    const received = mock.requests.at(-1)!;
    expect(received.path).toBe("/v1/chat/completions");
    expect(leaked(received.headers, claudeCodeHeaders)).toEqual([]);
    expect(received.headers.authorization).toBe("Bearer sk-chatty-1");
  });

  test("the Bearer form of Claude Code's key (ANTHROPIC_AUTH_TOKEN) is not forwarded either", async () => {
    await post("/v1/messages", { model: "chat-x", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }, { "anthropic-version": "2023-06-01", authorization: "Bearer sk-ant-auth-token-0123" });
    expect(mock.requests.at(-1)!.headers.authorization).toBe("Bearer sk-chatty-1");
  });
});

describe("T09 Codex's headers are never forwarded to a translated upstream", () => {
  const body = { model: "claude-sonnet-4-5", input: "hi", stream: false };

  test("Responses client on Claude: none of originator, session-id, thread-id, x-client-request-id, x-codex-*", async () => {
    const response = await post("/v1/responses", body, codexHeaders);
    expect(response.status).toBe(200);
    const received = mock.requests.at(-1)!;
    expect(received.path).toBe("/v1/messages");
    expect(leaked(received.headers, codexHeaders)).toEqual([]);
    expect(received.headers.authorization).toBeUndefined();
    expect(received.headers["x-api-key"]).toBe("sk-ant-test-key-123456");
  });

  test("Responses client on a Chat-only model: the same", async () => {
    const response = await post("/v1/responses", { ...body, model: "chat-x" }, codexHeaders);
    expect(response.status).toBe(200);
    const received = mock.requests.at(-1)!;
    expect(received.path).toBe("/v1/chat/completions");
    expect(leaked(received.headers, codexHeaders)).toEqual([]);
    expect(received.headers.authorization).toBe("Bearer sk-chatty-1");
  });
});

describe("CC02 Claude Code's one-token probes on a Chat upstream", () => {
  const probe = { model: "chat-x", max_tokens: 1, messages: [{ role: "user", content: "quota" }] };
  const sentCap = (sent: any) => sent.max_completion_tokens ?? sent.max_tokens;

  test("non-streaming: max_tokens 1 reaches the upstream as 1 and the answer is an Anthropic message", async () => {
    const response = await post("/v1/messages", probe, claudeCodeHeaders);
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).type).toBe("message");
    expect(sentCap(mock.requests.at(-1)!.body)).toBe(1);
  });

  test("streaming: the same cap, and a complete event sequence", async () => {
    const events = await readSse(await post("/v1/messages", { ...probe, stream: true }, claudeCodeHeaders));
    expect(events[0]!.event).toBe("message_start");
    expect(events.at(-1)!.event).toBe("message_stop");
    expect(sentCap(mock.requests.at(-1)!.body)).toBe(1);
  });
});

describe("T03 Claude Code's connectivity probe with auth on", () => {
  let database: TestDatabase;
  let authed: DatabaseGateway;
  beforeAll(async () => {
    database = await createSqliteDatabase();
    authed = await startDatabaseGateway(database, undefined);
  });
  afterAll(async () => {
    await authed.stop();
    await database.drop();
  });

  test("HEAD /api/hello without a key is answered at once, without an auth challenge or a server error", async () => {
    const started = Date.now();
    const response = await fetch(`${authed.url}/api/hello`, { method: "HEAD" });
    expect(Date.now() - started).toBeLessThan(1000);
    // Claude Code 2.1.329 tolerates a 404 here and carries on (catalogue T03); a 401 or 5xx would not be "just answer".
    expect(response.status).not.toBe(401);
    expect(response.status).toBeLessThan(500);
  });
});
