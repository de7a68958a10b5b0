import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { loadConfig } from "../../src/config/load";
import { buildServices } from "../../src/daemon";
import { type RunningGateway, startGateway } from "../../src/gateway";
import { createSilentLogger } from "../../src/log/logger";
import { openConfiguredStore } from "../../src/store/open-configured-store";
import type { Store } from "../../src/store/types";

/** The composition root end to end: real store, group-commit ledger, key auth, admin routes. */
describe("gateway with the database services (auth on, SQLite)", () => {
  let dataDir: string;
  let gateway: RunningGateway;
  let services: Awaited<ReturnType<typeof buildServices>>;
  let reader: Store;
  let userToken: string;
  let userKeyId: number;
  let userId: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "gw-e2e-"));
    const loaded = loadConfig({
      configDir: "/nonexistent-config-dir",
      env: { TOKLIGENCE_PORT: "0", TOKLIGENCE_HOST: "127.0.0.1", TOKLIGENCE_LOG__FILE: "false", TOKLIGENCE_DATA_DIR: dataDir, TOKLIGENCE_AUTH_DISABLED: "false" },
    });
    services = await buildServices(loaded, createSilentLogger());
    gateway = startGateway(loaded.config, createSilentLogger(), services);
    reader = await openConfiguredStore(loaded.config);
    const user = await reader.users.create({ email: "dev@example.com", role: "gateway_user" });
    userId = user.id;
    const issued = await issueApiKey(reader, { userId: user.id });
    userToken = issued.token;
    userKeyId = issued.apiKey.id;
  });
  afterAll(async () => {
    await gateway.stop(1000);
    await services.close();
    await reader.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const chat = (headers: Record<string, string>) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ model: "loopback", messages: [{ role: "user", content: "hello ledger" }] }),
    });

  test("no key → 401 in the OpenAI shape, and the refusal is in the ledger", async () => {
    const response = await chat({});
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; code: string } };
    expect(body.error.code).toBe("invalid_api_key");
    await services.flushLedger();
    const rows = await reader.usage.logs({}, 50);
    expect(rows.some((row) => row.status === 401 && row.errorCode === "unauthorized")).toBe(true);
  });

  // Durability at the answer (the row is in the ledger journal) is ledger-sigkill.test.ts's subject.
  test("a user key is accepted; its row has the user, the key and the cost", async () => {
    const response = await chat({ authorization: `Bearer ${userToken}` });
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id");
    await response.json();
    await services.flushLedger();
    const rows = await reader.usage.logs({ userId }, 10);
    const row = rows.find((candidate) => candidate.requestId === requestId) ?? rows[0];
    expect(row).toMatchObject({ userId, apiKeyId: userKeyId, modelRequested: "loopback", status: 200, costMicroUsd: 0 });
    expect(row!.promptTokens).toBeGreaterThan(0);
  });

  test("Anthropic clients' x-api-key works on /v1/messages", async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": userToken, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "loopback", max_tokens: 20, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    await response.json();
  });

  test("a client that reuses its X-Request-ID gets a ledger row per request, each with the client's id beside the gateway's", async () => {
    const send = async () => {
      const response = await chat({ authorization: `Bearer ${userToken}`, "x-request-id": "retry-me-1" });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-request-id")).toBe("retry-me-1");
      await response.json();
    };
    await send();
    await send();
    // Through the usage API, which sees rows still in the ledger journal.
    const logs = (await (await fetch(`${gateway.url}/api/v1/usage/logs?limit=50`, { headers: { authorization: `Bearer ${userToken}` } })).json()) as {
      entries: Array<{ request_id: string; client_request_id: string | null }>;
    };
    const mine = logs.entries.filter((entry) => entry.client_request_id === "retry-me-1");
    expect(mine).toHaveLength(2);
    expect(new Set(mine.map((entry) => entry.request_id)).size).toBe(2);
    for (const entry of mine) expect(entry.request_id).toMatch(/^req_[0-9a-f]{32}$/);
    // Without a client id, the row's key is the id the client got back, and client_request_id is null.
    const plain = await chat({ authorization: `Bearer ${userToken}` });
    const plainId = plain.headers.get("x-request-id");
    await plain.json();
    await services.flushLedger();
    const row = (await reader.usage.logs({ userId }, 50)).find((candidate) => candidate.requestId === plainId);
    expect(row).toMatchObject({ requestId: plainId, clientRequestId: null });
  });

  test("the usage and admin APIs are mounted: own usage 200, admin with a user key 403", async () => {
    const usage = await fetch(`${gateway.url}/api/v1/usage/summary`, { headers: { authorization: `Bearer ${userToken}` } });
    expect(usage.status).toBe(200);
    const summary = (await usage.json()) as { totals: { requests: number } };
    expect(summary.totals.requests).toBeGreaterThanOrEqual(2);
    const admin = await fetch(`${gateway.url}/api/v1/admin/users`, { headers: { authorization: `Bearer ${userToken}` } });
    expect(admin.status).toBe(403);
  });
});

test("auth switched off on an address others can reach is a warning at start", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gw-open-"));
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
  const loaded = loadConfig({
    configDir: "/nonexistent-config-dir",
    env: { TOKLIGENCE_HOST: "0.0.0.0", TOKLIGENCE_LOG__FILE: "false", TOKLIGENCE_DATA_DIR: dataDir, TOKLIGENCE_AUTH_DISABLED: "true" },
  });
  const services = await buildServices(loaded, logger);
  try {
    const warning = lines.map((line) => JSON.parse(line)).find((entry) => entry.level === 40 && String(entry.msg).includes("auth is OFF"));
    expect(warning?.msg).toContain("0.0.0.0");
  } finally {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
