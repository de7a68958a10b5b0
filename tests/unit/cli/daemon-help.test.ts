import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildDaemonEnv, findFreePort, runCommand } from "../../packaging/support/packaging-harness";

/**
 * The binary invoked as `gatewayd` (TOKLIGENCE_INVOKED_AS plays the file name): its help names
 * itself and no command, since the daemon is all it runs. It used to print `gatewayd serve` as its
 * usage and describe itself as "the same as gatewayd".
 */
const MAIN = resolve(import.meta.dir, "../../../src/main.ts");
let dataDir: string;
let env: Record<string, string>;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "gw-gatewayd-"));
  env = { ...buildDaemonEnv(dataDir, findFreePort()), TOKLIGENCE_INVOKED_AS: "gatewayd" };
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test("gatewayd --help: usage `gatewayd [options]`, what it is, its options; no `serve`", async () => {
  const result = await runCommand([process.execPath, MAIN, "--help"], { env, timeoutMs: 30_000 });
  expect(result.exitCode).toBe(0);
  const lines = result.stdout.split("\n");
  expect(lines[0]).toBe("gatewayd [options]");
  expect(result.stdout).toContain("Run the Tokligence gateway daemon (the same as `gateway serve`).");
  expect(result.stdout).toContain("--database-url");
  expect(result.stdout).not.toContain("gatewayd serve");
  expect(result.stdout).not.toContain("the same as gatewayd");
}, 60_000);

test("gatewayd with a bad option says so with its own usage; a leading `serve` is still accepted", async () => {
  const bad = await runCommand([process.execPath, MAIN, "serve", "--no-such-option"], { env, timeoutMs: 30_000 });
  expect(bad.exitCode).toBe(1);
  expect(bad.stderr).toContain("Unknown argument");
  expect(bad.stderr).toContain("gatewayd [options]");
}, 60_000);

test("gateway --help still lists serve among the commands", async () => {
  const result = await runCommand([process.execPath, MAIN, "--help"], { env: { ...env, TOKLIGENCE_INVOKED_AS: "" }, timeoutMs: 30_000 });
  expect(result.stdout.split("\n")[0]).toBe("gateway <command>");
  expect(result.stdout).toContain("gateway serve");
  expect(result.stdout).toContain("run the gateway daemon (what gatewayd runs)");
}, 60_000);

test("gatewayd without arguments runs the daemon (it answers /health and stops on SIGTERM)", async () => {
  const port = findFreePort();
  const proc = Bun.spawn([process.execPath, MAIN], { env: { ...buildDaemonEnv(dataDir, port), TOKLIGENCE_INVOKED_AS: "gatewayd" }, stdout: "ignore", stderr: "ignore" });
  try {
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      await Bun.sleep(100);
      status = await fetch(`http://127.0.0.1:${port}/health`).then((answer) => answer.status, () => 0);
    }
    expect(status).toBe(200);
  } finally {
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }
}, 60_000);
