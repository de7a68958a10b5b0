import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load";
import { type RunningGateway, startGateway } from "../../src/gateway";
import { MemoryLedgerSink } from "../../src/ledger/memory-sink";
import { createLogger, type Logger } from "../../src/log/logger";
import { type MockUpstream, startMockUpstream } from "../support/mock-upstream";

/**
 * The one log line per request, as an operator reads it from the rotating log file: the fields
 * the issue names, in pino's JSON shape, and no client credential anywhere in the file.
 */
async function startLoggingGateway(mock: MockUpstream, level: string): Promise<{ gateway: RunningGateway; logger: Logger; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "tokligence-request-log-"));
  const { config } = loadConfig({
    configDir: "/nonexistent-config-dir",
    env: {
      TOKLIGENCE_PORT: "0",
      TOKLIGENCE_HOST: "127.0.0.1",
      TOKLIGENCE_LOG__FILE: "true",
      TOKLIGENCE_LOG_LEVEL: level,
      TOKLIGENCE_DATA_DIR: dataDir,
      TOKLIGENCE_OPENAI_API_KEY: "sk-upstream-secret-0123456789",
      TOKLIGENCE_OPENAI_BASE_URL: mock.openaiBaseUrl,
    },
  });
  const logger = await createLogger(config, { stdout: false });
  const gateway = startGateway(config, logger, { ledger: new MemoryLedgerSink() });
  return { gateway, logger, dataDir };
}

/** Every JSON line of the log files, after the buffered destination has flushed. */
async function readLogLines(logger: Logger, dataDir: string): Promise<Array<Record<string, unknown>>> {
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  const directory = join(dataDir, "logs");
  return readdirSync(directory)
    .flatMap((file) => readFileSync(join(directory, file), "utf8").split("\n"))
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("request log line", () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.stop());

  test("one line per request with id, route, models, provider, status, latency and tokens; credentials never written", async () => {
    const { gateway, logger, dataDir } = await startLoggingGateway(mock, "info");
    try {
      const ok = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer sk-client-secret-abcdef012345", "x-request-id": "req-log-ok" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
      const missing = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": "sk-ant-client-secret-abcdef0123", "x-request-id": "req-log-missing" },
        body: JSON.stringify({ model: "no-such-model", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(missing.status).toBe(404);
      await missing.arrayBuffer();

      const lines = await readLogLines(logger, dataDir);
      const requestLines = lines.filter((line) => line.msg === "request");
      expect(requestLines).toHaveLength(2);
      const [first, second] = requestLines;
      // The client chose the id: the line carries it, and the ledger row's own key beside it.
      expect(first!.ledgerRequestId).toMatch(/^req_[0-9a-f]{32}$/);
      expect(first).toMatchObject({ level: 30, service: "gatewayd", requestId: "req-log-ok", route: "/v1/chat/completions", model: "gpt-4o-mini", servedModel: "gpt-4o-mini", provider: "openai", status: 200, stream: false });
      expect(typeof first!.time).toBe("string");
      expect(Number.isNaN(Date.parse(first!.time as string))).toBe(false);
      expect(typeof first!.latencyMs).toBe("number");
      expect(first!.inputTokens).toBeGreaterThan(0);
      expect(first).not.toHaveProperty("errorCode");
      expect(second).toMatchObject({ requestId: "req-log-missing", route: "/v1/messages", model: "no-such-model", status: 404, errorCode: "model_not_found" });

      const everything = readdirSync(join(dataDir, "logs"))
        .map((file) => readFileSync(join(dataDir, "logs", file), "utf8"))
        .join("\n");
      for (const secret of ["sk-client-secret", "sk-ant-client-secret", "sk-upstream-secret"]) expect(everything).not.toContain(secret);
    } finally {
      await gateway.stop(1000);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("at level warn the request line is not written", async () => {
    const { gateway, logger, dataDir } = await startLoggingGateway(mock, "warn");
    try {
      const ok = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }) });
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
      const lines = await readLogLines(logger, dataDir);
      expect(lines.filter((line) => line.msg === "request")).toHaveLength(0);
    } finally {
      await gateway.stop(1000);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
