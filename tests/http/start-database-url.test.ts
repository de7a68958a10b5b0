import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { buildDaemonEnv, makeTempDir, runCommand } from "../packaging/support/packaging-harness";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");

/**
 * A database URL of a kind the gateway cannot use (`mysql://…`): the start stops with a message
 * that says why. It used to call the setting "(no database configured)", which sent the operator
 * looking for a missing setting instead of the wrong one; later it was a fatal line from the
 * database with a stack trace, naming neither the key nor its layer. It is now a configuration
 * error like any other bad value (exit 2), and the password stays out.
 */
test("an unsupported database URL: a configuration error naming database.url, its layer and the scheme, exit 2, no password", async () => {
  const dir = makeTempDir("gw-db-url-");
  try {
    const env = buildDaemonEnv(dir, 0, { TOKLIGENCE_DATABASE_URL: "mysql://ops:s3cret-pw@db.internal/gateway" });
    const result = await runCommand([process.execPath, MAIN, "serve", "--port", "0"], { env, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('configuration error: invalid value for database.url from env TOKLIGENCE_DATABASE_URL: scheme "mysql://" (allowed: postgres://');
    expect(result.stdout).not.toContain("stack");
    expect(result.stdout + result.stderr).not.toContain("s3cret-pw");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
