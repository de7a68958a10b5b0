/**
 * What the real clients do when the gateway refuses them, as a developer on a team meets it:
 * Claude Code and Codex (pinned, their retry settings left at the defaults) and the official
 * openai and @anthropic-ai/sdk SDKs, against a gateway on SQLite with users, keys and limits, and
 * the mock upstream. README "Tested clients" says what each does on each refusal.
 *
 * - An exhausted budget (429 `budget_exceeded`, `x-should-retry: false`): one request, then a
 *   prompt stop whose message says so (Codex prints its fixed quota text: see the README).
 * - A rate-limited key (429 `rate_limit_exceeded`, retry-after): retried after the wait, then served.
 *   The rate window is a real 60 s one; the test's clock puts the request that filled it ~56 s in
 *   the past, so the client meets a wait of a few seconds instead of a minute.
 * - The database away (503 `database_unavailable`, Anthropic 529, retry-after 1): the key check
 *   fails twice with a connection error, then works; the client retries and is served.
 * - A gateway restarting (503/529 `gateway_shutdown`): the request waiting on its upstream when
 *   the gateway stops is answered with the refusal, and the client's retry reaches the new gateway.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { createAuthenticator } from "../../src/auth/authenticator";
import { issueApiKey } from "../../src/auth/issue-api-key";
import { loadPriceTable } from "../../src/ledger/price-table";
import { createOutputCeiling } from "../../src/limits/output-ceiling";
import { RequestLimits } from "../../src/limits/request-limits";
import { ModelCapabilityTable } from "../../src/proxy/model-capability-table";
import type { Limits, Store, StoredUsageRow } from "../../src/store/types";
import { claudeVersion, runClaudePrint } from "../support/claude-cli";
import { codexVersion, runCodexExec } from "../support/codex-cli";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { startTestGateway, type TestGateway } from "../support/gateway-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { createSqliteDatabase, type TestDatabase } from "../support/test-databases";
import { waitFor } from "../support/wait-for";

const claude = claudeVersion();
const codex = codexVersion();
if (!claude) console.warn("SKIP Claude Code refusal tests: the claude binary cannot run here");
if (codex.problem) console.warn(`SKIP Codex refusal tests: the codex binary cannot run here (${codex.problem})`);
const describeClaude = claude ? describe : describe.skip;
const describeCodex = codex.problem ? describe.skip : describe;

const answerText = "Hello from the mock upstream";
/** How long "promptly" is: one request and no retry loop (Claude Code's default backoff alone would pass 30 s). */
const PROMPT_STOP_MS = 10_000;

let database: TestDatabase;
let mock: MockUpstream;
let gw: DatabaseGateway;
let store: Store;
let scratch: string;
/** Added to the limits' clock (the rate windows' time). */
let clockShiftMs = 0;
/** Key checks that still fail with a connection error (the database away). */
let failingKeyChecks = 0;

beforeAll(async () => {
  database = await createSqliteDatabase();
  mock = await startMockUpstream();
  scratch = mkdtempSync(join(tmpdir(), "refusals-"));
  const pricesFile = join(scratch, "prices.toml");
  writeFileSync(pricesFile, '[[prices]]\nmodel = "claude-*"\ninput = 3\noutput = 15\n\n[[prices]]\nmodel = "gpt-*"\ninput = 1.25\noutput = 10\n');
  store = await database.open();
  // The real authenticator, on a store whose key lookup fails as an unreachable PostgreSQL does while `failingKeyChecks` lasts.
  const flaky: Store = {
    ...store,
    apiKeys: {
      ...store.apiKeys,
      findCredentialsByPrefix: async (prefix) => {
        if (failingKeyChecks > 0) {
          failingKeyChecks -= 1;
          throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        }
        return store.apiKeys.findCredentialsByPrefix(prefix);
      },
    },
  };
  const silent = { error: () => undefined, warn: () => undefined };
  const limits = new RequestLimits({ budgets: store.budgets, prices: loadPriceTable(pricesFile), defaultOutputTokens: 8192, outputCeiling: createOutputCeiling(new ModelCapabilityTable([]), 8192), reservationTtlMs: 3_600_000, logger: silent, now: () => Date.now() + clockShiftMs });
  gw = await startDatabaseGateway(database, mock, { TOKLIGENCE_LEDGER__PRICES_FILE: pricesFile }, { auth: createAuthenticator(flaky, { required: true }), limits });
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

let users = 0;
/** A fresh user and key with these limits on the key. */
async function keyWith(limits: Partial<Limits>): Promise<{ token: string; keyId: number }> {
  users += 1;
  const user = await gw.store.users.create({ email: `refusals${users}@example.com`, role: "gateway_user" });
  const issued = await issueApiKey(gw.store, { userId: user.id, limits });
  return { token: issued.token, keyId: issued.apiKey.id };
}

/** The key's ledger rows, oldest first, as "status code" strings. */
async function rowsOf(keyId: number): Promise<string[]> {
  const rows: StoredUsageRow[] = await gw.store.usage.logs({ apiKeyId: keyId }, 100);
  return rows
    .slice()
    .sort((a, b) => a.id - b.id)
    .map((row) => `${row.status}${row.errorCode ? ` ${row.errorCode}` : ""}`);
}

/** Fill a key's one-request-per-minute window with a request ~56 s in the past: the next one waits ~4 s. */
async function fillRateWindow(token: string, protocol: "anthropic" | "openai"): Promise<void> {
  clockShiftMs = -56_000;
  try {
    const answer =
      protocol === "anthropic"
        ? await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "x-api-key": token, "anthropic-version": "2023-06-01", "content-type": "application/json" }, body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }) })
        : await fetch(`${gw.url}/v1/responses`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-5.5", input: "hi", max_output_tokens: 16 }) });
    expect(answer.status).toBe(200);
    await answer.text();
  } finally {
    clockShiftMs = 0;
  }
}

const budgetMessage = /API key budget exhausted/;

describeClaude(`Claude Code ${claude ?? ""} refused by the gateway`, () => {
  test("an exhausted budget: one request, exit 1 at once, the gateway's budget message shown", async () => {
    const { token, keyId } = await keyWith({ budgetMicroUsd: 1 });
    const run = await runClaudePrint({ gatewayUrl: gw.url, apiKey: token });
    const diagnostics = `exit ${run.exitCode} after ${run.elapsedMs} ms\n${run.stdout.slice(0, 1500)}\n${run.stderr.slice(0, 1500)}`;
    expect(run.timedOut, diagnostics).toBe(false);
    expect(run.exitCode, diagnostics).toBe(1);
    expect(run.result, diagnostics).toMatchObject({ is_error: true, api_error_status: 429 });
    expect(run.result.result).toMatch(budgetMessage);
    expect(run.elapsedMs).toBeLessThan(PROMPT_STOP_MS);
    expect(await rowsOf(keyId)).toEqual(["429 budget_exceeded"]);
  }, 60_000);

  test("an exhausted daily budget (retry-after until midnight UTC): still no retry and no wait", async () => {
    const { token, keyId } = await keyWith({ budgetMicroUsd: 1, budgetPeriod: "daily" });
    const run = await runClaudePrint({ gatewayUrl: gw.url, apiKey: token });
    expect(run.timedOut).toBe(false);
    expect(run.result).toMatchObject({ is_error: true, api_error_status: 429 });
    expect(run.result.result).toMatch(/budget exhausted: .* until \d{4}-\d\d-\d\dT00:00:00\.000Z, when its daily budget resets/);
    expect(run.elapsedMs).toBeLessThan(PROMPT_STOP_MS);
    expect(await rowsOf(keyId)).toEqual(["429 budget_exceeded"]);
  }, 60_000);

  test("a full rate window: retried after retry-after, then served", async () => {
    const { token, keyId } = await keyWith({ rpmLimit: 1 });
    await fillRateWindow(token, "anthropic");
    const run = await runClaudePrint({ gatewayUrl: gw.url, apiKey: token });
    expect(run.result, run.stdout + run.stderr).toMatchObject({ is_error: false, result: answerText });
    expect(run.exitCode).toBe(0);
    // It waited for the window (a few seconds), not a backoff of its own far shorter or longer.
    expect(run.elapsedMs).toBeGreaterThan(2_000);
    expect(run.elapsedMs).toBeLessThan(20_000);
    expect(await rowsOf(keyId)).toEqual(["200", "429 rate_limit_exceeded", "200"]);
  }, 60_000);

  test("the database away: 529 retried after retry-after, then served", async () => {
    const { token, keyId } = await keyWith({});
    failingKeyChecks = 2;
    const run = await runClaudePrint({ gatewayUrl: gw.url, apiKey: token });
    expect(failingKeyChecks).toBe(0);
    expect(run.result, run.stdout + run.stderr).toMatchObject({ is_error: false, result: answerText });
    expect(run.elapsedMs).toBeLessThan(20_000);
    // The refused checks could not name the key (its lookup failed): their rows have no key.
    expect(await rowsOf(keyId)).toEqual(["200"]);
  }, 60_000);
});

describeCodex(`Codex CLI ${codex.version ?? ""} refused by the gateway`, () => {
  const lines = (stderr: string) => stderr.split("\n").filter((line) => /ERROR|Reconnecting/.test(line));

  for (const transport of ["http", "websocket"] as const) {
    test(`an exhausted budget over ${transport}: one request, exit 1 at once, Codex's quota message`, async () => {
      const { token, keyId } = await keyWith({ budgetMicroUsd: 1 });
      const run = await runCodexExec({ gatewayUrl: gw.url, apiKey: token, prompt: "say hi", retries: "defaults", transport, timeoutMs: 40_000 });
      const diagnostics = `exit ${run.exitCode} after ${run.elapsedMs} ms\n${run.stderr.slice(-2000)}`;
      expect(run.timedOut, diagnostics).toBe(false);
      expect(run.exitCode, diagnostics).toBe(1);
      expect(run.elapsedMs, diagnostics).toBeLessThan(PROMPT_STOP_MS);
      // Codex maps OpenAI's insufficient_quota to its own fixed text and drops the message.
      expect(lines(run.stderr).at(-1), diagnostics).toBe("ERROR: Quota exceeded. Check your plan and billing details.");
      expect(lines(run.stderr).filter((line) => line.includes("Reconnecting")), diagnostics).toEqual([]);
      const rows = await rowsOf(keyId);
      expect(rows.every((row) => row === "429 budget_exceeded"), rows.join()).toBe(true);
      expect(rows.length).toBe(1);
    }, 60_000);
  }

  test("a full rate window: retried after the hinted wait, then served", async () => {
    const { token, keyId } = await keyWith({ rpmLimit: 1 });
    await fillRateWindow(token, "openai");
    const run = await runCodexExec({ gatewayUrl: gw.url, apiKey: token, prompt: "say hi", retries: "defaults", timeoutMs: 40_000 });
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain(answerText);
    expect(run.elapsedMs).toBeGreaterThan(2_000);
    expect(await rowsOf(keyId)).toEqual(["200", "429 rate_limit_exceeded", "200"]);
  }, 60_000);

  test("the database away: 503 retried, then served", async () => {
    const { token, keyId } = await keyWith({});
    failingKeyChecks = 2;
    const run = await runCodexExec({ gatewayUrl: gw.url, apiKey: token, prompt: "say hi", retries: "defaults", timeoutMs: 40_000 });
    expect(failingKeyChecks).toBe(0);
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain(answerText);
    expect(await rowsOf(keyId)).toEqual(["200"]);
  }, 60_000);
});

describe("the official SDKs refused by the gateway (default retries)", () => {
  test("openai: an exhausted budget throws insufficient_quota after one request; a full rate window is waited out", async () => {
    const budget = await keyWith({ budgetMicroUsd: 1 });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: budget.token });
    const error = await client.responses.create({ model: "gpt-5.5", input: "hi" }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, type: "insufficient_quota", code: "budget_exceeded" });
    expect(error.message).toMatch(budgetMessage);
    expect(await rowsOf(budget.keyId)).toEqual(["429 budget_exceeded"]);

    const rated = await keyWith({ rpmLimit: 1 });
    await fillRateWindow(rated.token, "openai");
    const answer = await new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: rated.token }).responses.create({ model: "gpt-5.5", input: "hi" });
    expect(answer.output_text).toBe(answerText);
    expect(await rowsOf(rated.keyId)).toEqual(["200", "429 rate_limit_exceeded", "200"]);
  }, 30_000);

  test("anthropic: an exhausted budget throws after one request; the database away is retried", async () => {
    const budget = await keyWith({ budgetMicroUsd: 1 });
    const client = new Anthropic({ baseURL: gw.url, apiKey: budget.token });
    const error = await client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.message).toMatch(budgetMessage);
    expect(await rowsOf(budget.keyId)).toEqual(["429 budget_exceeded"]);

    const plain = await keyWith({});
    failingKeyChecks = 2;
    const answer = await new Anthropic({ baseURL: gw.url, apiKey: plain.token }).messages.create({ model: "claude-sonnet-4-6", max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
    expect(failingKeyChecks).toBe(0);
    expect(answer.content.map((block) => (block.type === "text" ? block.text : block.type))).toEqual([answerText]);
  }, 30_000);
});

/** A port that was free a moment ago, for a gateway restarted on the same address. */
function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

describe("a gateway restarting under a client (503 / 529 gateway_shutdown, retry-after 1)", () => {
  /**
   * The client's first request reaches the upstream, which does not answer; the gateway stops
   * (grace 300 ms) and answers it with gateway_shutdown; a new gateway starts on the same port
   * and serves the retry.
   */
  async function restartUnder(run: (url: string) => Promise<{ ok: boolean; diagnostics: string }>, path: string) {
    const restartMock = await startMockUpstream();
    const port = freePort();
    const env = { TOKLIGENCE_PORT: String(port) };
    let first: TestGateway | undefined = await startTestGateway(restartMock, env);
    let second: TestGateway | undefined;
    let held = false;
    restartMock.setResponder((request) => (request.path === path && !held ? ((held = true), { stall: true }) : undefined));
    try {
      const client = run(`http://127.0.0.1:${port}`);
      expect(await waitFor(async () => held, 20_000)).toBe(true);
      await first.stop();
      const firstRows = first.ledger.entries.map((entry) => `${entry.status} ${entry.errorCode}`);
      first = undefined;
      second = await startTestGateway(restartMock, env);
      const outcome = await client;
      expect(outcome.ok, outcome.diagnostics).toBe(true);
      return { firstRows, secondRows: second.ledger.entries.map((entry) => `${entry.status}${entry.errorCode ? ` ${entry.errorCode}` : ""}`) };
    } finally {
      await first?.stop();
      await second?.stop();
      await restartMock.stop();
    }
  }

  test.skipIf(!claude)("Claude Code retries the 529 and is served by the new gateway", async () => {
    const rows = await restartUnder(async (url) => {
      const run = await runClaudePrint({ gatewayUrl: url, apiKey: "sk-ant-placeholder" });
      return { ok: run.result?.is_error === false && run.result?.result === answerText, diagnostics: `${run.stdout.slice(0, 1500)}\n${run.stderr.slice(0, 1500)}` };
    }, "/v1/messages");
    // The ledger keeps 503 for gateway_shutdown whatever the protocol (README); Claude Code got a 529.
    expect(rows.firstRows).toEqual(["503 gateway_shutdown"]);
    expect(rows.secondRows).toEqual(["200"]);
  }, 60_000);

  test.skipIf(!!codex.problem)("Codex retries the 503 and is served by the new gateway", async () => {
    const rows = await restartUnder(async (url) => {
      const run = await runCodexExec({ gatewayUrl: url, prompt: "say hi", retries: "defaults", timeoutMs: 40_000 });
      return { ok: run.exitCode === 0 && run.stdout.includes(answerText), diagnostics: run.stderr.slice(-2000) };
    }, "/v1/responses");
    expect(rows.firstRows).toEqual(["503 gateway_shutdown"]);
    expect(rows.secondRows).toEqual(["200"]);
  }, 60_000);
});

describe.skipIf(!claude)("GET /v1/models at a client's start while the providers' listings fail", () => {
  /**
   * Claude Code asks for the gateway's models only with CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1
   * and without --bare (Codex never does: its custom provider and its built-in one with an API
   * key send only their /v1/responses turns, codex-cli.test.ts and codex-websocket.test.ts). The
   * OpenAI listing here hangs past the gateway's 5 s listing limit and the Anthropic one fails:
   * Claude Code does not wait for the list, and its task is served at once.
   */
  test("Claude Code with gateway model discovery: asks GET /v1/models, is not held up by it", async () => {
    const listingMock = await startMockUpstream();
    listingMock.setResponder((request) => {
      if (request.method !== "GET" || request.path !== "/v1/models") return undefined;
      return request.headers["x-api-key"] ? { status: 500, json: { type: "error", error: { type: "api_error", message: "listing broke" } } } : { stall: true };
    });
    const listing = await startTestGateway(listingMock, { TOKLIGENCE_ROUTING__LIST_UPSTREAM_MODELS: "true" });
    const seen: string[] = [];
    // A recording hop in front of the gateway: what Claude Code itself asked for.
    const hop = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(request) {
        const url = new URL(request.url);
        seen.push(`${request.method} ${url.pathname}${url.search}`);
        const headers = new Headers(request.headers);
        headers.delete("host");
        return fetch(new URL(url.pathname + url.search, listing.url), { method: request.method, headers, body: request.body, redirect: "manual" });
      },
    });
    try {
      const run = await runClaudePrint({ gatewayUrl: `http://127.0.0.1:${hop.port}`, apiKey: "sk-ant-placeholder", bare: false, env: { CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: "1" } });
      expect(run.result, run.stdout + run.stderr).toMatchObject({ is_error: false, result: answerText });
      expect(seen).toContain("GET /v1/models?limit=1000");
      expect(seen.filter((line) => line.startsWith("POST /v1/messages"))).toHaveLength(1);
      // The gateway did ask both providers, and Claude Code finished long before the hanging one's limit.
      expect(listingMock.requests.filter((r) => r.method === "GET" && r.path === "/v1/models")).toHaveLength(2);
      expect(run.elapsedMs).toBeLessThan(4_000);
    } finally {
      hop.stop(true);
      await listing.stop();
      await listingMock.stop();
    }
  }, 60_000);
});
