import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildDaemonEnv, findFreePort, type RunningDaemon, startDaemon } from "../packaging/support/packaging-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { startDatabaseProxy, type TcpProxy } from "../support/tcp-proxy";
import { createPgDatabase, pgSkipReason, type TestDatabase } from "../support/test-databases";
import { rowCounts, spillVariants, timedRequest } from "../support/spill-requests";

/**
 * A real gateway process (bun src/main.ts serve) on PostgreSQL answers requests while the
 * database is cut, so their rows sit in its local spill, and is then killed with SIGKILL. The
 * rows are in no database yet; the next gateway started on the same data directory imports them
 * before it serves, exactly once.
 */
if (pgSkipReason) console.warn(`[skip] ledger-spill-sigkill-postgres: ${pgSkipReason}`);

const MAIN = resolve(import.meta.dir, "../../src/main.ts");

describe.skipIf(pgSkipReason !== null)("ledger spill: a gateway killed with rows in its spill", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let databaseUrl: string;
  let mock: MockUpstream;
  let dataDir: string;
  const daemons: RunningDaemon[] = [];

  beforeAll(async () => {
    database = await createPgDatabase();
    mock = await startMockUpstream();
    dataDir = mkdtempSync(join(tmpdir(), "gw-spill-kill-"));
    const proxied = await startDatabaseProxy(database.options.databaseUrl!);
    proxy = proxied.proxy;
    databaseUrl = proxied.url;
  }, 30_000);

  afterAll(async () => {
    for (const daemon of daemons) if (daemon.proc.exitCode === null && daemon.proc.signalCode === null) daemon.proc.kill("SIGKILL");
    await proxy?.restore();
    await proxy?.stop();
    await mock?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  async function start(): Promise<RunningDaemon> {
    const port = findFreePort();
    const env = buildDaemonEnv(dataDir, port, {
      TOKLIGENCE_AUTH_DISABLED: "true",
      TOKLIGENCE_LOG_LEVEL: "warn",
      TOKLIGENCE_DATABASE_URL: databaseUrl,
      TOKLIGENCE_OPENAI_API_KEY: "sk-test-openai-key-123456",
      TOKLIGENCE_OPENAI_BASE_URL: mock.openaiBaseUrl,
      TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456",
      TOKLIGENCE_ANTHROPIC_BASE_URL: mock.url,
    });
    const daemon = await startDaemon([process.execPath, MAIN, "serve"], env, port);
    daemons.push(daemon);
    return daemon;
  }

  test("the next start imports the spilled rows before serving, exactly once", async () => {
    const first = await start();
    const ids = spillVariants.map((variant) => `killed-${variant.name}`);
    await proxy.cut();
    try {
      const answers = await Promise.all(spillVariants.map((variant, index) => timedRequest(first.url, variant, ids[index]!, 10_000)));
      for (const answer of answers) expect({ name: answer.name, status: answer.status, complete: answer.complete }).toEqual({ name: answer.name, status: 200, complete: true });
      first.proc.kill("SIGKILL");
      await first.proc.exited;
    } finally {
      await proxy.restore();
    }
    const store = await database.open();
    // Acknowledged, and in no database: only in the dead process's spill file.
    expect(Object.values(await rowCounts(store, ids))).toEqual(ids.map(() => 0));
    expect(readdirSync(dataDir).filter((name) => /^ledger-spill-.*\.db$/.test(name))).toHaveLength(1);

    const second = await start();
    // Imported before /health answered: no waiting for a mover here.
    expect(await rowCounts(store, ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    expect(await second.stop()).toBe(0);

    // A third start finds the file empty: nothing is imported twice.
    const third = await start();
    expect(await rowCounts(store, ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));
    expect(await third.stop()).toBe(0);
  }, 90_000);
});
