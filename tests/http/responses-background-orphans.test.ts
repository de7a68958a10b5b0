import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ABANDONED_RUN_ERROR, failAbandonedRun } from "../../src/proxy/background";
import { BackgroundRuns } from "../../src/proxy/background-runs";
import type { StoredResponseRecord } from "../../src/store/types";
import { buildDaemonEnv, findFreePort, type RunningDaemon, startDaemon } from "../packaging/support/packaging-harness";
import { type DatabaseGateway, startDatabaseGateway } from "../support/database-gateway";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { dialectCases, pgSkipReason, type TestDatabase } from "../support/test-databases";

/**
 * A background response on a Claude route is run by the gateway process that accepted it. When
 * that process dies mid-run (kill -9, a deleted pod) its record stays running; the sweep of any
 * gateway on the same database settles it `failed` once nobody has written it for
 * `orphanedAfterMs`, while a live run's own process keeps rewriting its record so it is never
 * swept. The model call is not made again, and a final state is never overwritten.
 */

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
/** Short, so the tests take well under a second per sweep: heartbeats every 100 ms, sweeps every 300 ms. */
const polling = { firstDelayMs: 20, maxDelayMs: 40, limitMs: 60_000, orphanedAfterMs: 300 };

if (pgSkipReason) console.warn(`[skip] responses-background-orphans on postgres: ${pgSkipReason}`);

for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`gateway-run background responses whose process stopped (${dialectCase.dialect})`, () => {
    let database: TestDatabase;
    let mock: MockUpstream;
    let dataDir: string;
    let daemon: RunningDaemon | undefined;
    const gateways: DatabaseGateway[] = [];
    const env = { TOKLIGENCE_AUTH_DISABLED: "true", TOKLIGENCE_MODEL_ALIASES: "bg-claude=>anthropic:claude-sonnet-4-5" };
    const startReplica = async () => {
      const gateway = await startDatabaseGateway(database, mock, env, { background: new BackgroundRuns(polling) });
      gateways.push(gateway);
      return gateway;
    };

    beforeAll(async () => {
      database = await dialectCase.create();
      await (await database.openMigrated()).close();
      mock = await startMockUpstream();
      dataDir = mkdtempSync(join(tmpdir(), "gw-bg-orphans-"));
    }, 30_000);
    afterAll(async () => {
      if (daemon && daemon.proc.exitCode === null && daemon.proc.signalCode === null) daemon.proc.kill("SIGKILL");
      for (const gateway of gateways) await gateway.stop();
      await mock?.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }, 30_000);

    const post = (url: string, body: Record<string, unknown>) => fetch(`${url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const get = async (url: string, id: string) => (await fetch(`${url}/v1/responses/${id}`)).json() as Promise<any>;
    /** Whose records requests without a key make (auth is off: they count as the configured root admin). */
    const ownerId = async (store: DatabaseGateway["store"]) => (await store.users.list()).find((user) => user.role === "root_admin")!.id;
    async function until<T>(check: () => Promise<T | undefined>, what: string, tries = 300): Promise<T> {
      for (let attempt = 0; attempt < tries; attempt++) {
        const value = await check();
        if (value !== undefined) return value;
        await Bun.sleep(20);
      }
      throw new Error(`never: ${what}`);
    }

    test("a run whose gateway process was killed (SIGKILL) mid-run is failed by another gateway's sweep; the model call is not repeated", async () => {
      const port = findFreePort();
      daemon = await startDaemon(
        [process.execPath, MAIN, "serve"],
        buildDaemonEnv(database.options.dataDir ?? dataDir, port, {
          ...env,
          TOKLIGENCE_LOG_LEVEL: "warn",
          TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456",
          TOKLIGENCE_ANTHROPIC_BASE_URL: mock.url,
          ...(database.options.databaseUrl ? { TOKLIGENCE_DATABASE_URL: database.options.databaseUrl } : {}),
        }),
        port,
      );
      // The model call hangs: the run is in flight when its process dies.
      mock.enqueue({ stall: true });
      const callsBefore = mock.requests.length;
      const queued = await (await post(daemon.url, { model: "bg-claude", background: true, input: "long work" })).json();
      expect(queued.status).toBe("queued");
      await until(async () => (mock.requests.length > callsBefore ? true : undefined), "the model call started");
      expect((await get(daemon.url, queued.id)).status).toBe("in_progress");
      daemon.proc.kill("SIGKILL");
      await daemon.proc.exited;

      // Another gateway on the same database: its sweep (at start, then every orphanedAfterMs) settles the run.
      const replica = await startReplica();
      const failed = await until(async () => {
        const response = await get(replica.url, queued.id);
        return response.status === "failed" ? response : undefined;
      }, "the orphaned run is failed");
      expect(failed).toMatchObject({ id: queued.id, object: "response", status: "failed", background: true, model: "bg-claude", error: ABANDONED_RUN_ERROR });
      expect(failed.error.code).toBe("server_error");
      // Failed once, and it stays so: later sweeps leave it alone; nothing called the model again.
      await Bun.sleep(polling.orphanedAfterMs * 2);
      expect(await get(replica.url, queued.id)).toEqual(failed);
      expect(mock.requests.length).toBe(callsBefore + 1);
      // Cancelling it now answers it as it is.
      const cancelled = await fetch(`${replica.url}/v1/responses/${queued.id}/cancel`, { method: "POST" });
      expect((await cancelled.json()).status).toBe("failed");
    }, 60_000);

    test("a stale running record written directly is failed by the sweep; a live long run on another replica is not (its heartbeat keeps it)", async () => {
      // Two replicas (on SQLite the second one's start waits a few seconds for the file).
      const runner = await startReplica();
      const sweeper = await startReplica();
      const id = "resp_tgw_orphan_direct";
      const userId = await ownerId(sweeper.store);
      const stale: StoredResponseRecord = {
        id,
        userId,
        model: "bg-claude",
        createdAt: new Date(Date.now() - 60_000),
        expiresAt: new Date(Date.now() + 3_600_000),
        request: { input: [], instructions: null, previous_response_id: null, gateway_background: { request_id: "req_gone" } },
        response: { id, object: "response", status: "in_progress", background: true, model: "bg-claude", output: [], usage: null },
      };
      await sweeper.store.responses.put(stale);

      // A run that takes several sweep periods (and heartbeats), on one replica, watched from the other.
      mock.enqueue({ delayMs: 1_500, json: { id: "msg_long", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Took a while." }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 12, output_tokens: 3 } } });
      const queued = await (await post(runner.url, { model: "bg-claude", background: true, input: "slow" })).json();
      const seen = new Set<string>();
      const done = await until(async () => {
        const response = await get(sweeper.url, queued.id);
        seen.add(response.status);
        return ["queued", "in_progress"].includes(response.status) ? undefined : response;
      }, "the long run ends", 400);
      expect(done).toMatchObject({ id: queued.id, status: "completed" });
      expect(done.output[0].content[0].text).toBe("Took a while.");
      expect([...seen].sort()).toEqual(["completed", "in_progress"]);

      const swept = await get(sweeper.url, id);
      expect(swept).toMatchObject({ id, status: "failed", error: ABANDONED_RUN_ERROR });
    }, 60_000);

    test("a final state is never overwritten: a record that ends between the sweep's look and its write stays as it ended", async () => {
      const replica = gateways[0] ?? (await startReplica());
      const id = "resp_tgw_orphan_race";
      const userId = await ownerId(replica.store);
      const longAgo = new Date(Date.now() - 60_000);
      const running: StoredResponseRecord = {
        id,
        userId,
        model: "bg-claude",
        createdAt: longAgo,
        expiresAt: new Date(Date.now() + 3_600_000),
        request: { input: [], instructions: null, previous_response_id: null, gateway_background: { request_id: "req_race" } },
        response: { id, object: "response", status: "in_progress", background: true, model: "bg-claude", output: [], usage: null },
      };
      // The sweep read it running; it completed before the sweep's write (even written long ago).
      await replica.store.responses.put({ ...running, response: { ...running.response, status: "completed", output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] }] } });
      expect(await failAbandonedRun(replica.gateway.proxy, running, new Date())).toBe(false);
      expect((await get(replica.url, id)).status).toBe("completed");
      // And one that its runner wrote again after the sweep's cut-off is alive: left running.
      await replica.store.responses.put({ ...running, id: `${id}_alive`, createdAt: new Date(), response: { ...running.response, id: `${id}_alive` } });
      expect(await failAbandonedRun(replica.gateway.proxy, { ...running, id: `${id}_alive`, response: { ...running.response, id: `${id}_alive` } }, new Date(Date.now() - 10_000))).toBe(false);
      expect((await get(replica.url, `${id}_alive`)).status).toBe("in_progress");
      await replica.store.responses.delete(`${id}_alive`, userId, new Date());
    }, 30_000);
  });
}
