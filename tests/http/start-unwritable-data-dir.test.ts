import { expect, test } from "bun:test";
import { accessSync, chmodSync, constants, rmSync } from "node:fs";
import { openConfiguredStore } from "../../src/store/open-configured-store";
import { join, resolve } from "node:path";
import { buildDaemonEnv, fatalLogLine, makeTempDir, runCommand } from "../packaging/support/packaging-harness";

/**
 * A data directory the daemon may not write (a Docker bind mount owned by root while the image
 * runs as uid 65532) stopped the start with "unable to open database file" and no hint. The
 * fatal line now names the directory, its owner and mode, the uid the gateway runs as, and the
 * `chown` that fixes it; so does the stderr line when the log directory cannot be created.
 */
const MAIN = resolve(import.meta.dir, "../../src/main.ts");

/** A read-only directory, or undefined when this process may write it anyway (root ignores modes). */
function readOnlyDir(prefix: string): { path: string; writable: boolean } {
  const path = makeTempDir(prefix);
  chmodSync(path, 0o555);
  try {
    accessSync(path, constants.W_OK);
    return { path, writable: true };
  } catch {
    return { path, writable: false };
  }
}

const probe = readOnlyDir("gw-ro-probe-");
rmSync(probe.path, { recursive: true, force: true });

/**
 * Who the daemon runs as. Root ignores directory modes, so as root (CI, containers) the daemon
 * is started as `nobody` (uid 65534) through util-linux's setpriv, as the Docker image runs
 * as a non-root uid; without setpriv the tests cannot see a refusal and are skipped.
 */
const NOBODY = 65534;
const setpriv = probe.writable ? Bun.which("setpriv") : null;
const asUser = probe.writable ? (setpriv ? { uid: NOBODY, gid: NOBODY, prefix: [setpriv, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"] } : undefined) : { uid: process.getuid?.(), gid: process.getgid?.(), prefix: [] as string[] };
const skip = asUser === undefined;
const skipWhy = "skipped: running as root, which ignores directory modes, and setpriv (util-linux) is not installed to run the daemon as another user";
const runsAs = `uid ${asUser?.uid} (gid ${asUser?.gid})`;
const daemonCommand = () => [...(asUser?.prefix ?? []), process.execPath, MAIN, "serve", "--port", "0"];

test.skipIf(skip)(`a data directory the daemon may not write: one fatal line with the owner, the uid and the chown fix, exit 1${skip ? ` (${skipWhy})` : ""}`, async () => {
  const dir = readOnlyDir("gw-ro-data-");
  try {
    const result = await runCommand(daemonCommand(), { env: buildDaemonEnv(dir.path, 0), timeoutMs: 30_000 });
    expect(result.exitCode).toBe(1);
    const fatal = fatalLogLine(result.stdout);
    expect(fatal?.msg).toContain(`cannot start (database ${join(dir.path, "gateway.db")}): unable to open database file; likely a permission problem: the directory ${dir.path} is owned by uid`);
    expect(fatal?.msg).toContain("mode 555");
    expect(fatal?.msg).toContain(`the gateway runs as ${runsAs}`);
    expect(fatal?.msg).toContain(`chown -R ${asUser?.uid}:${asUser?.gid} ${dir.path}`);
  } finally {
    chmodSync(dir.path, 0o755);
    rmSync(dir.path, { recursive: true, force: true });
  }
}, 40_000);

test.skipIf(skip)(`a log directory that cannot be created: one stderr line with the cause and the fix, no stack trace, exit 1${skip ? ` (${skipWhy})` : ""}`, async () => {
  const dir = readOnlyDir("gw-ro-logs-");
  try {
    const result = await runCommand(daemonCommand(), { env: buildDaemonEnv(dir.path, 0, { TOKLIGENCE_LOG__FILE: "true" }), timeoutMs: 30_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`cannot start (log directory under ${dir.path}): EACCES`);
    expect(result.stderr).toContain(`chown -R ${asUser?.uid}:${asUser?.gid} ${dir.path}`);
    expect(result.stderr).not.toContain("at createLogger");
  } finally {
    chmodSync(dir.path, 0o755);
    rmSync(dir.path, { recursive: true, force: true });
  }
}, 40_000);

/**
 * A database file the daemon may not write in a directory it may (a `gateway.db` left owned by
 * root after a `docker exec` or a `sudo gateway …`): SQLite opened it read-only without a word,
 * the start succeeded, and every request that records usage failed at runtime with "attempt to
 * write a readonly database". The start now stops with the file, its owner and the chown fix.
 */
test.skipIf(skip)(`an existing database file the daemon may not write: refused at start with the file, its owner and the chown fix${skip ? ` (${skipWhy})` : ""}`, async () => {
  const dir = makeTempDir("gw-ro-dbfile-");
  const database = join(dir, "gateway.db");
  try {
    // A complete, migrated database written by this (other) user, then left read-only to the daemon.
    const store = await openConfiguredStore({ dataDir: dir, databaseUrl: "", sqliteSynchronous: "FULL", auth: { disabled: false, adminEmail: "admin@local" } });
    await store.close();
    chmodSync(database, 0o644);
    chmodSync(dir, 0o777);
    if (!probe.writable) chmodSync(database, 0o444);
    const result = await runCommand(daemonCommand(), { env: buildDaemonEnv(dir, 0), timeoutMs: 15_000 });
    expect(result.signalCode).toBeNull();
    expect(result.exitCode).toBe(1);
    const fatal = fatalLogLine(result.stdout);
    expect(fatal?.msg).toContain(`cannot start (database ${database}): `);
    expect(fatal?.msg).toContain("cannot be written");
    expect(fatal?.msg).toContain(`likely a permission problem: the file ${database} is owned by uid`);
    expect(fatal?.msg).toContain(`chown -R ${asUser?.uid}:${asUser?.gid} ${database}`);
  } finally {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
}, 40_000);
