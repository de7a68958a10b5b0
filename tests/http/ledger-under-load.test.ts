import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { issueApiKey } from "../../src/auth/issue-api-key";
import type { StoredUsageRow } from "../../src/store/types";
import { buildDaemonEnv, findFreePort, type RunningDaemon, startDaemon } from "../packaging/support/packaging-harness";
import { type MockUpstream, mockUsage, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, type TestDatabase } from "../support/test-databases";

/**
 * The ledger of a team deployment under load (reliability-anchors §2.13): two gateway processes
 * on one database, three users' keys, concurrent requests of every kind (native and translated,
 * streamed and not, refused, abandoned by the client), and one replica stopped with SIGTERM in
 * the middle of it. Afterwards every request that got an answer has exactly one row, billed to
 * the key that sent it, and each row is what the same request alone would have produced: rows
 * of one kind never differ, so a row swapped, merged or half-written under concurrency shows.
 */

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const REQUESTS = 330;
const CONCURRENCY = 16;

interface Kind {
  name: string;
  path: string;
  body: Record<string, unknown> | string;
  /** Read the first bytes, then hang up. */
  abandon?: boolean;
}

const hi = [{ role: "user", content: "hi" }];
const kinds: Kind[] = [
  { name: "chat", path: "/v1/chat/completions", body: { model: "gpt-4o", messages: hi } },
  { name: "chat-stream", path: "/v1/chat/completions", body: { model: "gpt-4o", stream: true, stream_options: { include_usage: true }, messages: hi } },
  { name: "messages", path: "/v1/messages", body: { model: "claude-sonnet-4-5", max_tokens: 64, messages: hi } },
  { name: "messages-stream", path: "/v1/messages", body: { model: "claude-sonnet-4-5", max_tokens: 64, stream: true, messages: hi } },
  { name: "messages-on-gpt-stream", path: "/v1/messages", body: { model: "gpt-4o", max_tokens: 64, stream: true, messages: hi } },
  { name: "chat-on-claude", path: "/v1/chat/completions", body: { model: "claude-sonnet-4-5", messages: hi } },
  { name: "responses-on-claude-stream", path: "/v1/responses", body: { model: "claude-sonnet-4-5", stream: true, input: "hi" } },
  { name: "abandoned-stream", path: "/v1/messages", body: { model: "claude-sonnet-4-5", max_tokens: 64, stream: true, messages: hi }, abandon: true },
  { name: "bad-json", path: "/v1/chat/completions", body: '{"model":' },
  { name: "unknown-model", path: "/v1/chat/completions", body: { model: "no-such-model", messages: hi } },
];

interface Sent {
  kind: Kind;
  keyIndex: number;
  status: number;
}

/** The fields that must be the same for every row of one kind of request. */
function rowShape(row: StoredUsageRow) {
  return {
    status: row.status,
    errorCode: row.errorCode,
    modelServed: row.modelServed,
    provider: row.provider,
    upstreamProtocol: row.upstreamProtocol,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    usageEstimated: row.usageEstimated,
  };
}

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`ledger under load, two replicas, one stopped mid-run (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let dataDir: string;
    const replicas: RunningDaemon[] = [];
    const keys: Array<{ token: string; userId: number }> = [];

    beforeAll(async () => {
      database = await dialectCase.create();
      mock = await startMockUpstream();
      // Streams last a little while, so that requests overlap and the SIGTERM finds some open.
      mock.setDefaultIntervalMs(2);
      dataDir = database.options.dataDir ?? mkdtempSync(join(tmpdir(), "gw-load-"));
      const store = await database.openMigrated();
      for (const email of ["a@example.com", "b@example.com", "c@example.com"]) {
        const user = await store.users.create({ email, role: "gateway_user" });
        keys.push({ token: (await issueApiKey(store, { userId: user.id })).token, userId: user.id });
      }
      await store.close();
    });
    afterAll(async () => {
      for (const replica of replicas) if (replica.proc.exitCode === null && replica.proc.signalCode === null) replica.proc.kill("SIGKILL");
      await mock?.stop();
      await database?.drop();
      if (!database?.options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    }, 30_000);

    test("every answered request has exactly one row, on the right key, equal to its kind's", async () => {
      for (let index = 0; index < 2; index += 1) {
        const port = findFreePort();
        const env = buildDaemonEnv(dataDir, port, {
          TOKLIGENCE_AUTH_DISABLED: "false",
          TOKLIGENCE_LOG_LEVEL: "error",
          TOKLIGENCE_OPENAI_API_KEY: "sk-test-openai-key-123456",
          TOKLIGENCE_OPENAI_BASE_URL: mock.openaiBaseUrl,
          TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456",
          TOKLIGENCE_ANTHROPIC_BASE_URL: mock.url,
          ...(database.options.databaseUrl ? { TOKLIGENCE_DATABASE_URL: database.options.databaseUrl } : {}),
        });
        replicas.push(await startDaemon([process.execPath, MAIN, "serve"], env, port));
      }

      const sent = new Map<string, Sent>();
      let next = 0;
      let stopping: Promise<number | null> | undefined;
      const worker = async () => {
        while (next < REQUESTS) {
          const number = next++;
          if (number === REQUESTS / 2) stopping = replicas[0]!.stop();
          const kind = kinds[number % kinds.length]!;
          const keyIndex = number % keys.length;
          const replica = stopping ? replicas[1]! : replicas[number % 2]!;
          const requestId = `load_${number}`;
          const controller = new AbortController();
          let response: Response;
          try {
            response = await fetch(`${replica.url}${kind.path}`, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${keys[keyIndex]!.token}`, "anthropic-version": "2023-06-01", "x-request-id": requestId },
              body: typeof kind.body === "string" ? kind.body : JSON.stringify(kind.body),
              signal: controller.signal,
            });
          } catch {
            continue; // refused by the replica that is stopping: no answer, so no row is owed
          }
          sent.set(requestId, { kind, keyIndex, status: response.status });
          if (kind.abandon) {
            await response.body!.getReader().read();
            controller.abort();
          } else {
            await response.arrayBuffer();
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      expect(await stopping).toBe(0);
      expect(await replicas[1]!.stop()).toBe(0);

      const store = await database.open();
      const rows = (await store.usage.logs({}, REQUESTS * 2)).filter((row) => row.clientRequestId?.startsWith("load_"));
      await store.close();
      const byRequest = Map.groupBy(rows, (row) => row.clientRequestId!);

      expect(sent.size).toBeGreaterThan(REQUESTS - CONCURRENCY);
      expect([...byRequest.values()].filter((group) => group.length > 1).map((group) => group[0]!.clientRequestId)).toEqual([]);
      expect([...sent.keys()].filter((id) => !byRequest.has(id))).toEqual([]);
      expect(rows.length).toBe(sent.size);

      const shapes = new Map<string, Set<string>>();
      for (const [requestId, { kind, keyIndex, status }] of sent) {
        const row = byRequest.get(requestId)![0]!;
        expect({ requestId, userId: row.userId }).toEqual({ requestId, userId: keys[keyIndex]!.userId });
        expect({ requestId, status: row.status }).toEqual({ requestId, status: kind.abandon && row.errorCode === "client_closed" ? 499 : status });
        if (kind.abandon) continue; // how much arrived before the hang-up varies; tests/http/ledger-totals checks those counts
        const shape = shapes.get(kind.name) ?? new Set<string>();
        shape.add(JSON.stringify(rowShape(row)));
        shapes.set(kind.name, shape);
      }
      const distinct = Object.fromEntries([...shapes].map(([name, shape]) => [name, [...shape].map((text) => JSON.parse(text))]));
      for (const [name, variants] of Object.entries(distinct)) expect({ name, variants: variants.length }).toEqual({ name, variants: 1 });
      // And the rows carry the upstream's own figures, not merely the same wrong ones.
      expect(distinct.chat![0]).toMatchObject({ status: 200, errorCode: null, completionTokens: mockUsage.output, usageEstimated: false });
      expect(distinct["messages-stream"]![0]).toMatchObject({ status: 200, errorCode: null, completionTokens: mockUsage.output, usageEstimated: false });
      expect(distinct["bad-json"]![0]).toMatchObject({ status: 400, errorCode: "invalid_json" });
      expect(distinct["unknown-model"]![0]).toMatchObject({ status: 404, errorCode: "model_not_found" });
    }, 90_000);
  });
}
