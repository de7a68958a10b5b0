import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildDaemonEnv, findFreePort, type RunningDaemon, startDaemon } from "../packaging/support/packaging-harness";
import { defaultAnthropicEvents, type MockUpstream, startMockUpstream } from "../support/mock-upstream";
import { openStore } from "../../src/store/open-store";
import { wasStartedIgnoring } from "../../src/inherited-signal-ignore";

/**
 * SIGHUP on a real gateway process (bun src/main.ts serve): the terminal it runs in closed, or an
 * operator sent HUP. Without a handler the runtime's default ends the process at once (exit 129),
 * and requests in flight lose their answers and their ledger rows. The gateway has no config
 * reload, so HUP is a stop like SIGTERM: it drains, requests in flight finish and are recorded,
 * and the process exits 0.
 */

const MAIN = resolve(import.meta.dir, "../../src/main.ts");

describe("SIGHUP drains like SIGTERM", () => {
  let mock: MockUpstream;
  let daemon: RunningDaemon | undefined;
  let dataDir: string;
  beforeAll(async () => {
    mock = await startMockUpstream();
    dataDir = mkdtempSync(join(tmpdir(), "gw-hup-"));
  });
  afterAll(async () => {
    if (daemon && daemon.proc.exitCode === null && daemon.proc.signalCode === null) daemon.proc.kill("SIGKILL");
    await mock?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // A test run started under nohup passes its ignored HUP on to the daemon, which then rightly keeps it.
  test.skipIf(wasStartedIgnoring("SIGHUP"))("a stream and a waiting request in flight at the HUP both complete, get their ledger rows, and the process exits 0", async () => {
    const port = findFreePort();
    const env = buildDaemonEnv(dataDir, port, {
      TOKLIGENCE_AUTH_DISABLED: "true",
      TOKLIGENCE_LOG_LEVEL: "warn",
      // Long enough that both requests finish inside it: the drain, not its end, answers them.
      TOKLIGENCE_SERVER__SHUTDOWN_GRACE_MS: "20000",
      TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456",
      TOKLIGENCE_ANTHROPIC_BASE_URL: mock.url,
    });
    daemon = await startDaemon([process.execPath, MAIN, "serve"], env, port);
    // A paced stream still open at the signal, and a non-streamed request whose upstream answers later.
    mock.enqueue({ events: defaultAnthropicEvents("claude-sonnet-4-5", "one two three four five six"), intervalMs: 100 }, { delayMs: 800 });
    const body = { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "hi" }] };
    const post = (requestBody: Record<string, unknown>, requestId: string) =>
      fetch(`${daemon!.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "x-request-id": requestId }, body: JSON.stringify(requestBody) });
    const streamed = await post({ ...body, stream: true }, "req_hup_stream");
    const reader = streamed.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    const waiting = post(body, "req_hup_wait").then(async (response) => ({ status: response.status, body: (await response.json()) as { stop_reason?: string } }));
    for (let i = 0; i < 80 && mock.requests.length < 2; i++) await Bun.sleep(25);
    expect(mock.requests.length).toBe(2);

    daemon.proc.kill("SIGHUP");
    const readRest = async () => {
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          text += decoder.decode(value, { stream: true });
        }
      } catch {
        text += "\n[connection cut]";
      }
    };
    const [, answer] = await Promise.all([readRest(), waiting.catch((error: Error) => ({ status: 0, body: { stop_reason: `[connection cut] ${error.message}` } }))]);
    const killer = setTimeout(() => daemon!.proc.kill("SIGKILL"), 15_000);
    await daemon.proc.exited;
    clearTimeout(killer);

    expect(daemon.proc.signalCode).toBeNull();
    expect(daemon.proc.exitCode).toBe(0);
    expect(text).toContain('"type":"message_stop"');
    expect(text).not.toContain("gateway shutting down");
    expect(text).not.toContain("[connection cut]");
    expect(answer).toEqual({ status: 200, body: expect.objectContaining({ stop_reason: "end_turn" }) });
    const store = await openStore({ dataDir });
    try {
      const rows = (await store.usage.logs({}, 10)).filter((row) => row.clientRequestId?.startsWith("req_hup_"));
      expect(rows.map((row) => ({ id: row.clientRequestId, status: row.status, errorCode: row.errorCode ?? null })).sort((a, b) => a.id!.localeCompare(b.id!))).toEqual([
        { id: "req_hup_stream", status: 200, errorCode: null },
        { id: "req_hup_wait", status: 200, errorCode: null },
      ]);
    } finally {
      await store.close();
    }
  }, 30_000);

  // `nohup gatewayd &` starts the daemon with SIGHUP ignored so that it outlives the terminal; a
  // handler would override that inherited ignore (as in Node) and stop it when the terminal
  // closes. Linux only: the inherited disposition is read from /proc/self/status.
  test.skipIf(process.platform !== "linux")("started with SIGHUP ignored (nohup), a HUP leaves it running and serving", async () => {
    const port = findFreePort();
    const env = buildDaemonEnv(dataDir, port, { TOKLIGENCE_AUTH_DISABLED: "true", TOKLIGENCE_LOG_LEVEL: "warn", TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-test-key-123456", TOKLIGENCE_ANTHROPIC_BASE_URL: mock.url });
    // What nohup does, without its nohup.out: ignore HUP, then exec the daemon.
    daemon = await startDaemon(["sh", "-c", `trap '' HUP; exec "$0" "$@"`, process.execPath, MAIN, "serve"], env, port);
    daemon.proc.kill("SIGHUP");
    await Bun.sleep(500);
    expect(daemon.proc.exitCode).toBeNull();
    expect(daemon.proc.signalCode).toBeNull();
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
    expect(await daemon.stop()).toBe(0);
  }, 30_000);
});
