import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { buildDaemonEnv, fatalLogLine, makeTempDir, runCommand } from "../packaging/support/packaging-harness";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");

/**
 * A database URL of a kind the gateway cannot use (`mysql://…`): the start stops with one fatal
 * line that says why. It used to call the setting "(no database configured)", which sent the
 * operator looking for a missing setting instead of the wrong one; the password stays out.
 */
test("an unsupported database URL: one fatal line naming the scheme, not '(no database configured)', and no password", async () => {
  const dir = makeTempDir("gw-db-url-");
  try {
    const env = buildDaemonEnv(dir, 0, { TOKLIGENCE_DATABASE_URL: "mysql://ops:s3cret-pw@db.internal/gateway" });
    const result = await runCommand([process.execPath, MAIN, "serve", "--port", "0"], { env, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(1);
    const fatal = fatalLogLine(result.stdout);
    expect(fatal?.msg).toStartWith('cannot start (database): unsupported database URL scheme "mysql://"');
    expect(result.stdout + result.stderr).not.toContain("s3cret-pw");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
