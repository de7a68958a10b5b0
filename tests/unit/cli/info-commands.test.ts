import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildDaemonEnv, findFreePort, runCommand } from "../../packaging/support/packaging-harness";

/** `gateway config show` and `gateway healthcheck`, run as the real CLI process (each start costs a second or two). */
const MAIN = resolve(import.meta.dir, "../../../src/main.ts");

describe("config show and healthcheck", () => {
  let dataDir: string;
  let env: Record<string, string>;
  let health: ReturnType<typeof Bun.serve>;
  const gateway = (args: string[]) => runCommand([process.execPath, MAIN, ...args], { env, timeoutMs: 30_000 });

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "gw-info-"));
    env = buildDaemonEnv(dataDir, 18_081, { TOKLIGENCE_DATABASE_URL: "postgres://ops:s3cret-password@db.internal/gateway", TOKLIGENCE_OPENAI_API_KEY: "sk-live-secret-123456" });
    health = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => (new URL(request.url).pathname === "/down" ? new Response('{"status":"draining"}', { status: 503 }) : Response.json({ status: "ok" })) });
  });
  afterAll(() => {
    health.stop(true);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("config show --json: every key with value and source, secrets redacted", async () => {
    const result = await gateway(["config", "show", "--json"]);
    expect(result.exitCode).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{ key: string; value: unknown; source: string }>;
    const byKey = new Map(rows.map((row) => [row.key, row]));
    // Typed values, for scripts: a number stays a number.
    expect(byKey.get("server.port")).toEqual({ key: "server.port", value: 18081, source: "env TOKLIGENCE_PORT" });
    // The host and database stay visible (what a user checks); the password does not.
    expect(byKey.get("database.url")?.value).toBe("postgres://ops:***@db.internal/gateway");
    expect(result.stdout).not.toContain("s3cret-password");
    expect(result.stdout).not.toContain("sk-live-secret");
  }, 60_000);

  test("config show warns on stderr about a variable it does not read, keeping --json parseable", async () => {
    const result = await runCommand([process.execPath, MAIN, "config", "show", "--json"], { env: { ...env, TOKLIGENCE_OPENAI_KEY: "sk-typo" }, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("warning: TOKLIGENCE_OPENAI_KEY is not a variable this gateway reads; did you mean TOKLIGENCE_OPENAI_API_KEY?");
    expect(() => JSON.parse(result.stdout)).not.toThrow();
  }, 60_000);

  test("a bad --work-mode is a configuration error like any other bad flag: one line, exit 2", async () => {
    const result = await gateway(["config", "show", "--work-mode", "fast"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe('configuration error: invalid value for gateway.work_mode from flag --work-mode: "fast" (allowed: one of auto, passthrough, translation)');
  }, 60_000);

  test("config show: a readable table", async () => {
    const result = await gateway(["config", "show"]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^KEY\s+VALUE\s+SOURCE$/);
    expect(lines.find((line) => line.startsWith("server.port"))).toMatch(/^server\.port\s+18081\s+env TOKLIGENCE_PORT$/);
    expect(result.stdout).not.toContain("s3cret-password");
  }, 60_000);

  test("healthcheck: exit 0 on 200, 1 on 503 or nothing listening; --json says why", async () => {
    const base = `http://127.0.0.1:${health.port}`;
    const ok = await gateway(["healthcheck", "--url", `${base}/health`]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('200 {"status":"ok"}');
    const okJson = await gateway(["healthcheck", "--url", `${base}/health`, "--json"]);
    expect(JSON.parse(okJson.stdout)).toEqual({ healthy: true, url: `${base}/health`, status: 200, body: { status: "ok" } });
    const down = await gateway(["healthcheck", "--url", `${base}/down`, "--json"]);
    expect(down.exitCode).toBe(1);
    expect(JSON.parse(down.stdout)).toMatchObject({ healthy: false, status: 503, body: { status: "draining" } });
    const nobody = `http://127.0.0.1:${findFreePort()}/health`;
    const refused = await gateway(["healthcheck", "--url", nobody, "--json"]);
    expect(refused.exitCode).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ healthy: false, url: nobody, status: null });
    const refusedText = await gateway(["healthcheck", "--url", nobody]);
    expect(refusedText.exitCode).toBe(1);
    // Which URL was tried: without --url it comes from the configuration, and a wrong port there is the usual cause.
    expect(refusedText.stderr).toContain(`unhealthy: ${nobody}: `);
  }, 120_000);

  test("healthcheck without --url asks a port that serves /health: multi-port mode without the facade", async () => {
    const multiport = { ...env, TOKLIGENCE_MULTIPORT_MODE: "true", TOKLIGENCE_ENABLE_FACADE: "false", TOKLIGENCE_PORT: String(findFreePort()) };
    // No OpenAI or Anthropic listener: /health is on the admin port only.
    Object.assign(multiport, { TOKLIGENCE_OPENAI_PORT: "0", TOKLIGENCE_ANTHROPIC_PORT: "0", TOKLIGENCE_ADMIN_PORT: String(health.port) });
    const result = await runCommand([process.execPath, MAIN, "healthcheck", "--json"], { env: multiport, timeoutMs: 30_000 });
    expect(JSON.parse(result.stdout)).toMatchObject({ healthy: true, url: `http://127.0.0.1:${health.port}/health` });
    expect(result.exitCode).toBe(0);
  }, 60_000);
});
