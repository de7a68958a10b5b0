import { afterAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildDaemonEnv, fatalLogLine, makeTempDir, runCommand } from "../packaging/support/packaging-harness";

/**
 * A data directory that cannot exist: a part of its path is a file (`--data-dir ~/.tokligence/x`
 * where ~/.tokligence is a file, a typo'd path through a config file). The log directory is
 * made first, and its ENOTDIR ended the start with a stack trace from createLogger; the database
 * said only "ENOTDIR: not a directory, mkdir …". Both now say which part is a file and what to
 * change, in one line, exit 1. Unlike the permission cases this runs as root too.
 */
const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const root = makeTempDir("gw-notdir-");
const blocker = join(root, "a-file");
writeFileSync(blocker, "not a directory\n");
const dataDir = join(blocker, "data");

afterAll(() => rmSync(root, { recursive: true, force: true }));

test("with file logs on: one stderr line naming the file in the way and the setting, no stack trace, exit 1", async () => {
  const result = await runCommand([process.execPath, MAIN, "serve", "--port", "0"], { env: buildDaemonEnv(dataDir, 0, { TOKLIGENCE_LOG__FILE: "true" }), timeoutMs: 30_000 });
  expect(result.exitCode).toBe(1);
  expect(result.stderr).toContain(`cannot start (log directory under ${dataDir}): ENOTDIR`);
  expect(result.stderr).toContain(`${blocker} is a file, not a directory: choose another data directory (--data-dir or TOKLIGENCE_DATA_DIR)`);
  expect(result.stderr).not.toContain("at createLogger");
}, 40_000);

test("with file logs off: the database's fatal line names the file in the way and the setting, exit 1", async () => {
  const result = await runCommand([process.execPath, MAIN, "serve", "--port", "0"], { env: buildDaemonEnv(dataDir, 0), timeoutMs: 30_000 });
  expect(result.exitCode).toBe(1);
  const fatal = fatalLogLine(result.stdout);
  expect(fatal?.msg).toContain(`cannot start (database ${join(dataDir, "gateway.db")}): ENOTDIR`);
  expect(fatal?.msg).toContain(`${blocker} is a file, not a directory: choose another data directory (--data-dir or TOKLIGENCE_DATA_DIR)`);
}, 40_000);
