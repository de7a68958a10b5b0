import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildDaemonEnv, findFreePort, type RunningDaemon, startDaemon } from "../packaging/support/packaging-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, type TestDatabase } from "../support/test-databases";

/**
 * "A row for a request whose client got its final event exists even after kill -9": a real
 * gateway process (bun src/main.ts serve) under concurrent load, streaming and not, is killed
 * with SIGKILL mid-traffic; then every request the client saw complete must have its ledger row.
 */

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const CONCURRENCY = 12;
/** Kill once this many requests were acknowledged (with others still in flight). */
const KILL_AFTER_ACKS = 60;

/** The request mix: each entry says how to send it and how the client knows it completed. */
const variants: Array<{ path: string; body: Record<string, unknown>; complete: (text: string) => boolean }> = [
  { path: "/v1/chat/completions", body: { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes('"choices"') },
  { path: "/v1/chat/completions", body: { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes("data: [DONE]") },
  { path: "/v1/messages", body: { model: "claude-sonnet-4-5", stream: true, max_tokens: 64, messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes("event: message_stop") },
  { path: "/v1/responses", body: { model: "gpt-4o", input: "hi" }, complete: (text) => text.includes('"status":"completed"') },
  { path: "/v1/responses", body: { model: "gpt-4o", stream: true, input: "hi" }, complete: (text) => text.includes("response.completed") },
  { path: "/v1/messages", body: { model: "gpt-4o", stream: true, max_tokens: 64, messages: [{ role: "user", content: "hi" }] }, complete: (text) => text.includes("event: message_stop") },
  { path: "/v1/embeddings", body: { model: "text-embedding-3-small", input: "hi" }, complete: (text) => text.includes('"embedding"') },
];

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`SIGKILL under load loses no acknowledged ledger row (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let daemon: RunningDaemon | undefined;
    let dataDir: string;

    beforeAll(async () => {
      database = await dialectCase.create();
      mock = await startMockUpstream();
      // Streams take a while (several ms per event), so many are in flight when the kill comes.
      mock.setDefaultIntervalMs(3);
      mock.setDefaultText("one two three four five six seven eight nine ten");
      dataDir = mkdtempSync(join(tmpdir(), "gw-kill-"));
    });
    afterAll(async () => {
      if (daemon && daemon.proc.exitCode === null && daemon.proc.signalCode === null) daemon.proc.kill("SIGKILL");
      await mock?.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test("every request the client saw complete is in the database after kill -9", async () => {
      const port = findFreePort();
      const env = buildDaemonEnv(database.options.dataDir ?? dataDir, port, {
        TOKLIGENCE_AUTH_DISABLED: "true",
        TOKLIGENCE_LOG_LEVEL: "warn",
        TOKLIGENCE_OPENAI_API_KEY: "sk-test-openai-key-123456",
        TOKLIGENCE_OPENAI_BASE_URL: mock.openaiBaseUrl,
        TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456",
        TOKLIGENCE_ANTHROPIC_BASE_URL: mock.url,
        ...(database.options.databaseUrl ? { TOKLIGENCE_DATABASE_URL: database.options.databaseUrl } : {}),
      });
      daemon = await startDaemon([process.execPath, MAIN, "serve"], env, port);
      const url = daemon.url;

      const acknowledged: string[] = [];
      let sent = 0;
      let killed = false;
      let onAck: () => void = () => {};
      const enoughAcks = new Promise<void>((resolveAcks) => {
        onAck = () => {
          if (acknowledged.length >= KILL_AFTER_ACKS) resolveAcks();
        };
      });

      const worker = async (workerIndex: number) => {
        for (let round = 0; !killed; round += 1) {
          const variant = variants[(workerIndex + round) % variants.length]!;
          const requestId = `req_kill_${dialectCase.dialect}_${workerIndex}_${round}`;
          sent += 1;
          try {
            const response = await fetch(`${url}${variant.path}`, {
              method: "POST",
              headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-request-id": requestId },
              body: JSON.stringify(variant.body),
            });
            const text = await response.text();
            // Acknowledged: a 200 whose body (or stream) reached its final event.
            if (response.status === 200 && variant.complete(text)) {
              acknowledged.push(requestId);
              onAck();
            } else if (!killed) {
              throw new Error(`${variant.path} answered ${response.status}: ${text.slice(0, 300)}`);
            }
          } catch (error) {
            if (!killed) throw error;
            return; // the gateway died under this request: not acknowledged, nothing to check
          }
        }
      };
      const workers = Array.from({ length: CONCURRENCY }, (_, index) => worker(index));
      await Promise.race([enoughAcks, Promise.all(workers)]);

      killed = true;
      daemon.proc.kill("SIGKILL");
      await daemon.proc.exited;
      expect(daemon.proc.signalCode).toBe("SIGKILL");
      await Promise.allSettled(workers);
      expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      // Some requests were still in flight when it died (the load was real).
      expect(sent).toBeGreaterThan(acknowledged.length);

      const store = await database.open();
      // The client chose each request's id: the rows carry it as client_request_id.
      const stored = new Set((await store.usage.logs({}, 100_000)).map((row) => row.clientRequestId));
      const missing = acknowledged.filter((requestId) => !stored.has(requestId));
      expect({ acknowledged: acknowledged.length, missing }).toEqual({ acknowledged: acknowledged.length, missing: [] });
    }, 60_000);
  });
}
