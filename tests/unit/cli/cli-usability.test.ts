import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { shownDatabaseUrl, shownRedisUrl } from "../../../src/config/shown-secrets";
import { buildDaemonEnv, findFreePort, runCommand } from "../../packaging/support/packaging-harness";

/** What a new user meets on a terminal: typos, repeated flags, bad values, help. Real CLI processes. */
const MAIN = resolve(import.meta.dir, "../../../src/main.ts");

describe("the CLI as a new user meets it", () => {
  let dataDir: string;
  let env: Record<string, string>;
  const gateway = (args: string[], extra: Record<string, string> = {}) => runCommand([process.execPath, MAIN, ...args], { env: { ...env, ...extra }, timeoutMs: 30_000 });

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), "gw-usability-"));
    env = buildDaemonEnv(dataDir, findFreePort());
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("gatewayd --prot: the flag as typed and the option meant, exit 1, no stack trace", async () => {
    const result = await gateway(["--prot", "45001"], { TOKLIGENCE_INVOKED_AS: "gatewayd" });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split("\n")[0]).toBe("Unknown argument: --prot (did you mean --port?)");
    expect(result.stderr).not.toContain("    at ");
  }, 60_000);

  test("a flag given twice takes its last value (it was the value \"1,45002\", refused)", async () => {
    const result = await gateway(["config", "show", "--json", "--port", "1", "--port", "45002"]);
    expect(result.exitCode).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{ key: string; value: unknown; source: string }>;
    expect(rows.find((row) => row.key === "server.port")).toEqual({ key: "server.port", value: 45002, source: "flag --port" });
  }, 60_000);

  test("config show with a database URL of another scheme (mysql://): the configuration error names the key, never the password", async () => {
    const result = await gateway(["config", "show", "--database-url", "mysql://ops:hunter2-secret@db/gw"]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout + result.stderr).not.toContain("hunter2-secret");
    expect(result.stderr).toContain('invalid value for database.url from flag --database-url: scheme "mysql://"');
  }, 60_000);

  test("healthcheck --timeout abc: says which value is wrong, exit 1", async () => {
    const result = await gateway(["healthcheck", "--timeout", "abc"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe('invalid --timeout: "abc" (a positive number of milliseconds)');
  }, 60_000);

  test("healthcheck against a stopped daemon: connection refused, in words, exit 1", async () => {
    const port = findFreePort();
    const result = await gateway(["healthcheck", "--port", String(port)]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(`unhealthy: http://127.0.0.1:${port}/health: connection refused (no gateway is listening there; is it running, and on this port?)`);
  }, 60_000);

  test("help: examples, and the options described without internal names", async () => {
    const top = await gateway(["--help"]);
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toContain("Examples:");
    expect(top.stdout).toContain("gateway config show --json");
    const daemon = await gateway(["--help"], { TOKLIGENCE_INVOKED_AS: "gatewayd" });
    expect(daemon.stdout).toContain("gatewayd --env prod --config gw.toml");
    expect(daemon.stdout).toContain("listen port (server.port");
    expect(daemon.stdout).not.toContain("listen port (facade)");
  }, 60_000);

  // A command group without its command answered yargs' "Not enough non-option arguments: got 0,
  // need at least 1", which names nothing a user can type.
  test("a command group without its command names the commands it takes", async () => {
    const cases: Array<[string[], string]> = [
      [["config"], "name an action: show (gateway config show)"],
      [["admin"], "name a command: users or api-keys (gateway admin --help)"],
      [["admin", "users"], "name a command: create, list, update, delete or import (gateway admin users --help)"],
      [["admin", "api-keys"], "name a command: create, list, update or revoke (gateway admin api-keys --help)"],
    ];
    const results = await Promise.all(cases.map(async ([args]) => gateway(args)));
    results.forEach((result, index) => {
      expect(result.exitCode).toBe(1);
      expect(result.stderr).not.toContain("non-option arguments");
      expect(result.stderr.split("\n")[0]).toBe(cases[index]![1]);
    });
  }, 120_000);

  // `admin users update --help` listed --role, --name and --status with their types only: a new
  // user could not tell what --name sets or that --status inactive is how a user is suspended.
  test("every option of every command's help says what it does", async () => {
    const commands = [
      ["serve"], ["config", "show"], ["healthcheck"], ["init"], ["migrate"], ["usage"],
      ["admin", "users", "create"], ["admin", "users", "list"], ["admin", "users", "update"], ["admin", "users", "delete"], ["admin", "users", "import"],
      ["admin", "api-keys", "create"], ["admin", "api-keys", "list"], ["admin", "api-keys", "update"], ["admin", "api-keys", "revoke"],
    ];
    const undescribed: string[] = [];
    const helps = await Promise.all(commands.map(async (command) => ({ command, help: await gateway([...command, "--help"]) })));
    for (const { command, help } of helps) {
      expect(help.exitCode).toBe(0);
      for (const line of help.stdout.split("\n")) {
        // An option line: its names, then its description; yargs' type notes ("[string]") alone mean none.
        const option = /^\s+(?:-\w, )?(--[\w-]+(?:, --[\w-]+)*)(?:\s+(.*))?$/.exec(line);
        if (option && (option[2] === undefined || option[2].startsWith("["))) undescribed.push(`${command.join(" ")} ${option[1]}`);
      }
    }
    expect(undescribed).toEqual([]);
  }, 120_000);
});

test("shownDatabaseUrl: any scheme's credentials hidden; SQLite paths as they are", () => {
  expect(shownDatabaseUrl("mysql://u:pw@h/db")).toBe("mysql://u:***@h/db");
  expect(shownDatabaseUrl("postgress://pw@h/db?password=x")).toBe("postgress://***@h/db?password=***");
  expect(shownDatabaseUrl("sqlite:///tmp/x.db")).toBe("sqlite:///tmp/x.db");
  expect(shownDatabaseUrl("/var/lib/tokligence/gateway.db")).toBe("/var/lib/tokligence/gateway.db");
  expect(shownRedisUrl("redis://:pw@h:6379/0")).toBe("redis://:***@h:6379/0");
});
