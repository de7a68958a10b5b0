import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load";
import { startGateway } from "../../src/gateway";
import { MemoryLedgerSink } from "../../src/ledger/memory-sink";
import { createLogger, type Logger } from "../../src/log/logger";
import { findFreePort } from "../packaging/support/packaging-harness";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

/**
 * A request a route served only after its first provider failed: the request line named the
 * provider that served it and nothing else, so an operator filtering the log on `msg: "request"`
 * (or reading that one line) could not tell it failed over; only separate warnings said so. The
 * line now lists the providers that failed first, each with its error code and status.
 */
let mock: MockUpstream;
let dataDir: string;
beforeAll(async () => {
  mock = await startMockUpstream();
  dataDir = mkdtempSync(join(tmpdir(), "tokligence-failover-log-"));
});
afterAll(async () => {
  await mock.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function readRequestLines(logger: Logger): Promise<Array<Record<string, unknown>>> {
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  const directory = join(dataDir, "logs");
  return readdirSync(directory)
    .flatMap((file) => readFileSync(join(directory, file), "utf8").split("\n"))
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === "request");
}

test("the request line lists the providers that failed before the one that served, and only then", async () => {
  const { config } = loadConfig({
    configDir: "/nonexistent-config-dir",
    env: {
      TOKLIGENCE_PORT: "0",
      TOKLIGENCE_HOST: "127.0.0.1",
      TOKLIGENCE_LOG__FILE: "true",
      TOKLIGENCE_DATA_DIR: dataDir,
      TOKLIGENCE_PROVIDERS__DOWN__KIND: "openai-compatible",
      TOKLIGENCE_PROVIDERS__DOWN__BASE_URL: `http://127.0.0.1:${findFreePort()}/v1`,
      TOKLIGENCE_PROVIDERS__BUSY__KIND: "openai-compatible",
      TOKLIGENCE_PROVIDERS__BUSY__BASE_URL: mock.openaiBaseUrl,
      TOKLIGENCE_PROVIDERS__UP__KIND: "openai-compatible",
      TOKLIGENCE_PROVIDERS__UP__BASE_URL: mock.openaiBaseUrl,
      TOKLIGENCE_ROUTES: "failing=>down|busy|up,direct=>up",
    },
  });
  const logger = await createLogger(config, { stdout: false });
  const gateway = startGateway(config, logger, { ledger: new MemoryLedgerSink() });
  try {
    const ask = async (model: string, requestId: string) => {
      const answer = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": requestId },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
    };
    // down refuses the connection, busy answers 429, up serves.
    mock.enqueue({ status: 429, json: { error: { message: "slow down", type: "requests", code: "rate_limit_exceeded" } } });
    await ask("failing", "req-failed-over");
    await ask("direct", "req-direct");
    const lines = await readRequestLines(logger);
    const failedOver = lines.find((line) => line.requestId === "req-failed-over");
    expect(failedOver).toMatchObject({ provider: "up", status: 200, failedOver: ["down: upstream_connect_failed (502)", "busy: upstream_rate_limited (429)"] });
    const direct = lines.find((line) => line.requestId === "req-direct");
    expect(direct).toMatchObject({ provider: "up", status: 200 });
    expect(direct).not.toHaveProperty("failedOver");
  } finally {
    await gateway.stop(1000);
  }
});
