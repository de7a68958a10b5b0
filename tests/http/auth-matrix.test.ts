import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateApiKeyToken, hashApiKey, keyPrefixOf } from "../../src/auth/api-key";
import { issueApiKey } from "../../src/auth/issue-api-key";
import type { User } from "../../src/store/types";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, type TestDatabase } from "../support/test-databases";

/** Every model endpoint, with a body it accepts and the protocol its errors must use. */
const chatBody = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };
const messagesBody = { model: "claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] };
const modelEndpoints: Array<{ method: "GET" | "POST" | "DELETE"; path: string; body?: unknown; protocol: "openai" | "anthropic"; validStatus?: number }> = [
  { method: "POST", path: "/v1/chat/completions", body: chatBody, protocol: "openai" },
  { method: "POST", path: "/v1/responses", body: { model: "gpt-4o", input: "hi" }, protocol: "openai" },
  // Compacted through the gateway on loopback (the mock has no /responses/compact).
  { method: "POST", path: "/v1/responses/compact", body: { model: "loopback", input: "hi" }, protocol: "openai" },
  { method: "POST", path: "/v1/responses/input_tokens", body: { model: "gpt-4o", input: "hi" }, protocol: "openai" },
  { method: "POST", path: "/v1/embeddings", body: { model: "text-embedding-3-small", input: "hi" }, protocol: "openai" },
  { method: "GET", path: "/v1/models", protocol: "openai" },
  { method: "GET", path: "/v1/models/loopback", protocol: "openai" },
  { method: "GET", path: "/anthropic/v1/models", protocol: "anthropic" },
  { method: "GET", path: "/anthropic/v1/models/loopback", protocol: "anthropic" },
  // Stored responses: with a valid key an unknown id is 404, exactly like someone else's.
  { method: "GET", path: "/v1/responses/resp_unknown", protocol: "openai", validStatus: 404 },
  { method: "GET", path: "/v1/responses/resp_unknown/input_items", protocol: "openai", validStatus: 404 },
  { method: "DELETE", path: "/v1/responses/resp_unknown", protocol: "openai", validStatus: 404 },
  { method: "POST", path: "/v1/messages", body: messagesBody, protocol: "anthropic" },
  { method: "POST", path: "/anthropic/v1/messages", body: messagesBody, protocol: "anthropic" },
  { method: "POST", path: "/v1/messages/count_tokens", body: messagesBody, protocol: "anthropic" },
  { method: "POST", path: "/anthropic/v1/messages/count_tokens", body: messagesBody, protocol: "anthropic" },
];

/** The three ways clients send a key (OpenAI SDKs and ANTHROPIC_AUTH_TOKEN; our X-API-Key; Anthropic SDKs). */
const headerForms: Array<[string, (token: string) => Record<string, string>]> = [
  ["Authorization: Bearer", (token) => ({ Authorization: `Bearer ${token}` })],
  ["X-API-Key", (token) => ({ "X-API-Key": token })],
  ["x-api-key", (token) => ({ "x-api-key": token })],
];

async function expectRefusal(response: Response, status: 401 | 403, protocol: "openai" | "anthropic", where: string): Promise<void> {
  const body = (await response.json()) as any;
  const shape =
    protocol === "anthropic"
      ? { status: response.status, type: body.type, errorType: body.error?.type }
      : { status: response.status, errorType: body.error?.type, code: body.error?.code };
  const expected =
    protocol === "anthropic"
      ? { status, type: "error", errorType: status === 401 ? "authentication_error" : "permission_error" }
      : status === 401
        ? { status, errorType: "invalid_request_error", code: "invalid_api_key" }
        : { status, errorType: "permission_error", code: null };
  expect({ where, ...shape }).toEqual({ where, ...expected });
}

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`auth on every model endpoint (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let gw: DatabaseGateway;
    let member: User;
    let tokens: { valid: string; revoked: string; expired: string; usageOnly: string; admin: string };

    const call = (endpoint: (typeof modelEndpoints)[number], headers: Record<string, string>) =>
      fetch(`${gw.url}${endpoint.path}`, {
        method: endpoint.method,
        // Anthropic's SDKs send anthropic-version, OpenAI's never do (/v1/models answers in the shape it names).
        headers: { "content-type": "application/json", ...(endpoint.protocol === "anthropic" ? { "anthropic-version": "2023-06-01" } : {}), ...headers },
        body: endpoint.body === undefined ? undefined : JSON.stringify(endpoint.body),
      });

    beforeAll(async () => {
      database = await dialectCase.create();
      mock = await startMockUpstream();
      gw = await startDatabaseGateway(database, mock);
      const store = gw.store;
      member = await store.users.create({ email: "member@example.com", role: "gateway_user" });
      const ops = await store.users.create({ email: "ops@example.com", role: "gateway_admin" });
      const revoked = await issueApiKey(store, { userId: member.id });
      await store.apiKeys.revoke(revoked.apiKey.id);
      // An expired key, written directly (issuing one with a past expiry is refused, rightly).
      const expired = generateApiKeyToken();
      await store.apiKeys.insert({ userId: member.id, keyHash: hashApiKey(expired), keyPrefix: keyPrefixOf(expired), scopes: [], expiresAt: new Date(Date.now() - 60_000), name: "expired" });
      tokens = {
        valid: (await issueApiKey(store, { userId: member.id })).token,
        revoked: revoked.token,
        expired,
        usageOnly: (await issueApiKey(store, { userId: member.id, scopes: ["usage"] })).token,
        admin: (await issueApiKey(store, { userId: ops.id })).token,
      };
    });
    afterAll(async () => {
      await gw?.stop();
      await mock?.stop();
      await database?.drop();
    }, 60_000);

    test("no key, a wrong key, a revoked key and an expired key → 401 in the caller's protocol, in every header form", async () => {
      const bad: Array<[string, string]> = [
        ["unknown tok_ key", generateApiKeyToken()],
        ["tampered key", tokens.valid.slice(0, -1) + (tokens.valid.endsWith("A") ? "B" : "A")],
        ["not a tok_ key", "sk-not-a-gateway-key"],
        ["revoked key", tokens.revoked],
        ["expired key", tokens.expired],
      ];
      for (const endpoint of modelEndpoints) {
        await expectRefusal(await call(endpoint, {}), 401, endpoint.protocol, `${endpoint.method} ${endpoint.path} without a key`);
        for (const [label, token] of bad) {
          for (const [form, headers] of headerForms) {
            await expectRefusal(await call(endpoint, headers(token)), 401, endpoint.protocol, `${endpoint.path} ${label} in ${form}`);
          }
        }
      }
      expect(mock.requests).toHaveLength(0);
    }, 60_000);

    test("a revoked key's refusal is in the ledger under the key and its owner (who still sends it after a rotation); an unknown key's under nobody", async () => {
      const chat = modelEndpoints.find((endpoint) => endpoint.path === "/v1/chat/completions")!;
      const keys = await gw.store.apiKeys.listForUser(member.id);
      const revokedId = keys.find((key) => key.revokedAt !== null)!.id;
      const send = async (token: string, requestId: string) => {
        const answer = await call(chat, { authorization: `Bearer ${token}`, "x-request-id": requestId });
        expect(answer.status).toBe(401);
        const rows = (await gw.store.usage.logs({ since: new Date(Date.now() - 60_000) }, 1000)).filter((row) => row.clientRequestId === requestId);
        return rows.map((row) => ({ userId: row.userId, apiKeyId: row.apiKeyId, status: row.status }));
      };
      expect(await send(tokens.revoked, "refused-revoked")).toEqual([{ userId: member.id, apiKeyId: revokedId, status: 401 }]);
      expect(await send(generateApiKeyToken(), "refused-unknown")).toEqual([{ userId: null, apiKeyId: null, status: 401 }]);
    }, 60_000);

    test("a valid key passes in every header form on every endpoint", async () => {
      for (const endpoint of modelEndpoints) {
        for (const [form, headers] of headerForms) {
          const response = await call(endpoint, headers(tokens.valid));
          expect({ where: `${endpoint.method} ${endpoint.path} ${form}`, status: response.status }).toEqual({ where: `${endpoint.method} ${endpoint.path} ${form}`, status: endpoint.validStatus ?? 200 });
          await response.arrayBuffer();
        }
      }
      // Every model call (POST; not the listing or stored-response reads) is in the ledger under the key's owner.
      const rows = await gw.store.usage.logs({ userId: member.id, since: new Date(Date.now() - 3_600_000) }, 1000);
      const modelCalls = modelEndpoints.filter((endpoint) => endpoint.method === "POST").length;
      expect(rows.filter((row) => row.status === 200)).toHaveLength(modelCalls * headerForms.length);
    }, 60_000);

    test("a key without the models scope → 403 on every model endpoint; it still reads its usage", async () => {
      for (const endpoint of modelEndpoints) {
        await expectRefusal(await call(endpoint, { authorization: `Bearer ${tokens.usageOnly}` }), 403, endpoint.protocol, endpoint.path);
      }
      const usage = await fetch(`${gw.url}/api/v1/usage/summary`, { headers: { authorization: `Bearer ${tokens.usageOnly}` } });
      expect(usage.status).toBe(200);
    }, 60_000);

    test("a user key → 403 on every admin endpoint; an admin key → 200; no key → 401", async () => {
      const adminCalls: Array<[string, string, unknown?]> = [
        ["GET", "/api/v1/admin/users"],
        ["POST", "/api/v1/admin/users", { email: "new@example.com" }],
        ["POST", "/api/v1/admin/users/import", { users: [{ email: "new2@example.com" }] }],
        ["PATCH", `/api/v1/admin/users/${member.id}`, { display_name: "x" }],
        ["DELETE", `/api/v1/admin/users/${member.id}`],
        ["GET", `/api/v1/admin/users/${member.id}/api-keys`],
        ["POST", `/api/v1/admin/users/${member.id}/api-keys`, {}],
        ["DELETE", "/api/v1/admin/api-keys/1"],
        ["GET", "/api/v1/admin/usage/summary"],
        ["GET", "/api/v1/admin/usage/logs?limit=5"],
      ];
      for (const [method, path, body] of adminCalls) {
        for (const [token, status] of [[undefined, 401], [tokens.valid, 403]] as const) {
          const response = await fetch(`${gw.url}${path}`, {
            method,
            headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          await expectRefusal(response, status, "openai", `${method} ${path} ${token ? "user key" : "no key"}`);
        }
      }
      const listed = await fetch(`${gw.url}/api/v1/admin/users`, { headers: { "x-api-key": tokens.admin } });
      expect(listed.status).toBe(200);
    }, 60_000);
  });
}

describe("auth off (loopback default): keys are optional, but a presented tok_ key is checked", () => {
  let database: TestDatabase;
  let mock: MockUpstream;
  let gw: DatabaseGateway;

  beforeAll(async () => {
    database = await dialectCases[0]!.create();
    mock = await startMockUpstream();
    // No TOKLIGENCE_AUTH_DISABLED: a loopback listener runs without auth by default.
    gw = await startDatabaseGateway(database, mock, { TOKLIGENCE_AUTH_DISABLED: undefined });
  });
  afterAll(async () => {
    await gw?.stop();
    await mock?.stop();
    await database?.drop();
  });

  test("no key and placeholder keys count as the root admin; a valid key as its owner; revoked or expired → 401", async () => {
    const store = gw.store;
    const root = (await store.users.findRootAdmin())!;
    const member = await store.users.create({ email: "dev@example.com", role: "gateway_user" });
    const valid = (await issueApiKey(store, { userId: member.id })).token;
    const revoked = await issueApiKey(store, { userId: member.id });
    await store.apiKeys.revoke(revoked.apiKey.id);
    const expired = generateApiKeyToken();
    await store.apiKeys.insert({ userId: member.id, keyHash: hashApiKey(expired), keyPrefix: keyPrefixOf(expired), scopes: [], expiresAt: new Date(Date.now() - 1000), name: null });

    const chat = async (headers: Record<string, string>) => {
      const response = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(chatBody) });
      await response.arrayBuffer();
      return { status: response.status, requestId: response.headers.get("x-request-id")! };
    };
    const ownerOf = async (requestId: string) => (await store.usage.logs({}, 1000)).find((row) => row.requestId === requestId)?.userId;

    const anonymous = await chat({});
    expect(anonymous.status).toBe(200);
    expect(await ownerOf(anonymous.requestId)).toBe(root.id);
    const placeholder = await chat({ "x-api-key": "sk-ant-placeholder" });
    expect(placeholder.status).toBe(200);
    expect(await ownerOf(placeholder.requestId)).toBe(root.id);
    const owned = await chat({ authorization: `Bearer ${valid}` });
    expect(owned.status).toBe(200);
    expect(await ownerOf(owned.requestId)).toBe(member.id);
    expect((await chat({ authorization: `Bearer ${revoked.token}` })).status).toBe(401);
    expect((await chat({ "x-api-key": expired })).status).toBe(401);
    // The admin API needs an admin key whatever the auth setting.
    expect((await fetch(`${gw.url}/api/v1/admin/users`)).status).toBe(401);
  });
});
