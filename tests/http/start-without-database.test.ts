import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { buildDaemonEnv, findFreePort, makeTempDir, runCommand } from "../packaging/support/packaging-harness";

/**
 * A replica started before its PostgreSQL is reachable (compose, a rolling restart) exits 1 for
 * its supervisor to restart, saying so in one JSON log line that names the database, password
 * hidden, where log collectors look. It used to die with a bare stack trace on stderr
 * ("connect ECONNREFUSED …") that named neither the database nor the cause.
 */
const MAIN = resolve(import.meta.dir, "../../src/main.ts");

test("gateway serve with an unreachable PostgreSQL: one fatal JSON line naming the database, exit 1", async () => {
  const dataDir = makeTempDir("gw-nodb-");
  try {
    const closedPort = findFreePort();
    const env = buildDaemonEnv(dataDir, findFreePort(), { TOKLIGENCE_DATABASE_URL: `postgres://gateway:s3cretPW@127.0.0.1:${closedPort}/gateway` });
    const result = await runCommand([process.execPath, MAIN, "serve"], { env, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(1);
    const fatal = result.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string; database?: string })
      .find((line) => line.level === 60);
    expect(fatal?.msg).toContain("cannot start");
    expect(fatal?.msg).toContain("ECONNREFUSED");
    expect(fatal?.database).toBe(`postgres://gateway:***@127.0.0.1:${closedPort}/gateway`);
    expect(result.stdout + result.stderr).not.toContain("s3cretPW");
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 40_000);
