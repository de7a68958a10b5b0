import { expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load";
import { startGateway } from "../../src/gateway";
import { createSilentLogger } from "../../src/log/logger";
import { buildDaemonEnv, findFreePort, makeTempDir, runCommand } from "../packaging/support/packaging-harness";

/**
 * A second `npm start` (or any program already on the port) used to end the daemon with Bun's
 * stack trace from inside Elysia, under a code excerpt of node_modules. A new user should get
 * one line naming the address, the cause and the flag to change.
 */
const MAIN = resolve(import.meta.dir, "../../src/main.ts");

function occupyPort(): { port: number; release(): void } {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("taken") });
  return { port: server.port!, release: () => void server.stop(true) };
}

function configFor(env: Record<string, string>) {
  return loadConfig({ configDir: "/nonexistent-config-dir", env: { TOKLIGENCE_HOST: "127.0.0.1", TOKLIGENCE_LOG__FILE: "false", TOKLIGENCE_DATA_DIR: "/tmp/tokligence-test", ...env } }).config;
}

test("gateway serve on a port in use: one fatal JSON line naming the address and --port, exit 1, no stack trace", async () => {
  const dataDir = makeTempDir("gw-port-taken-");
  const taken = occupyPort();
  try {
    const result = await runCommand([process.execPath, MAIN, "serve"], { env: buildDaemonEnv(dataDir, taken.port), timeoutMs: 30_000 });
    expect(result.exitCode).toBe(1);
    const fatal = result.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string; code?: string })
      .find((line) => line.level === 60);
    expect(fatal?.msg).toBe(
      `cannot start: cannot listen on 127.0.0.1:${taken.port}: the port is already in use (another gateway, or another program, listens there); stop it or choose another port with --port or TOKLIGENCE_PORT`,
    );
    expect(fatal?.code).toBe("EADDRINUSE");
    expect(result.stderr).not.toContain("node_modules/elysia");
    // Checked before the database is opened: a second gateway on the same data dir used to wait
    // for the first one's ledger journal and warn about it before naming the port.
    expect(existsSync(join(dataDir, "gateway.db"))).toBe(false);
  } finally {
    taken.release();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 40_000);

test("a host that is not this machine's is named with the --host values that work", () => {
  const config = configFor({ TOKLIGENCE_PORT: String(findFreePort()), TOKLIGENCE_HOST: "nonexistent-host.invalid" });
  expect(() => startGateway(config, createSilentLogger())).toThrow(/^cannot listen on nonexistent-host\.invalid:\d+: nonexistent-host\.invalid does not resolve to an address of this machine; use --host 127\.0\.0\.1 or 0\.0\.0\.0$/);
});

test("multi-port mode: when one port is taken, the listeners already opened are closed again", async () => {
  const taken = occupyPort();
  const facadePort = findFreePort();
  try {
    const config = configFor({
      TOKLIGENCE_MULTIPORT_MODE: "true",
      TOKLIGENCE_PORT: String(facadePort),
      TOKLIGENCE_OPENAI_PORT: String(taken.port),
      TOKLIGENCE_ANTHROPIC_PORT: "0",
      TOKLIGENCE_ADMIN_PORT: "0",
    });
    expect(() => startGateway(config, createSilentLogger())).toThrow(`cannot listen on 127.0.0.1:${taken.port}: the port is already in use`);
    await Bun.sleep(50);
    // The facade opened first; it must not be left holding its port.
    const again = Bun.serve({ hostname: "127.0.0.1", port: facadePort, fetch: () => new Response() });
    again.stop(true);
  } finally {
    taken.release();
  }
});

test("multi-port mode: a taken per-API port is named by its own key and variable, not --port (the facade's)", async () => {
  const taken = occupyPort();
  try {
    const config = configFor({
      TOKLIGENCE_MULTIPORT_MODE: "true",
      TOKLIGENCE_PORT: String(findFreePort()),
      TOKLIGENCE_OPENAI_PORT: "0",
      TOKLIGENCE_ANTHROPIC_PORT: String(taken.port),
      TOKLIGENCE_ADMIN_PORT: "0",
    });
    expect(() => startGateway(config, createSilentLogger())).toThrow(
      `cannot listen on 127.0.0.1:${taken.port}: the port is already in use (another gateway, or another program, listens there); stop it or choose another port with multiport.anthropic_port or TOKLIGENCE_ANTHROPIC_PORT`,
    );
    await Bun.sleep(50);
  } finally {
    taken.release();
  }
});
