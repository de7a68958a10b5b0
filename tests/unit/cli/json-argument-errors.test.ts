/**
 * With --json, a failure of the arguments themselves (a missing required option, a bad choice,
 * an unknown flag, no command, a bad flag value) is the one JSON error object the commands print
 * for their other failures (`{"error":{"message","code"}}` on stdout), with the same exit code,
 * not yargs' text and help, which a script parsing the output choked on. Run as a process, since
 * these failures exit from yargs' fail handler.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { wantsJson } from "../../../cli/index";

const MAIN = resolve(import.meta.dir, "../../../src/main.ts");
const dataDir = mkdtempSync(join(tmpdir(), "gw-json-args-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function gateway(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("TOKLIGENCE_") && value !== undefined) env[name] = value;
  env.TOKLIGENCE_CONFIG_DIR = join(dataDir, "no-config");
  env.TOKLIGENCE_DATA_DIR = dataDir;
  const child = Bun.spawn([process.execPath, MAIN, ...args], { env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

const cases: Array<{ args: string[]; code: number; message: string; errorCode: string }> = [
  { args: ["admin", "users", "create"], code: 1, message: "Missing required argument: email", errorCode: "invalid_arguments" },
  { args: ["admin", "users", "update", "--id", "1", "--role", "boss"], code: 1, message: "Invalid values", errorCode: "invalid_arguments" },
  { args: ["usage", "--bogus"], code: 1, message: "Unknown argument: --bogus", errorCode: "invalid_arguments" },
  { args: [], code: 1, message: "name a command", errorCode: "invalid_arguments" },
  { args: ["config", "show", "--port", "eighty"], code: 2, message: "configuration error: invalid value for server.port", errorCode: "config_error" },
  // The database commands load the configuration themselves; a bad value is still a configuration
  // error (exit 2, config_error), as the README promises, not a generic failure.
  { args: ["admin", "users", "list", "--port", "eighty"], code: 2, message: "configuration error: invalid value for server.port", errorCode: "config_error" },
  { args: ["usage", "--port", "eighty"], code: 2, message: "configuration error: invalid value for server.port", errorCode: "config_error" },
  { args: ["migrate", "--port", "eighty"], code: 2, message: "configuration error: invalid value for server.port", errorCode: "config_error" },
];

for (const { args, code, message, errorCode } of cases) {
  test(`gateway ${args.join(" ") || "(no command)"} --json: one JSON error object, exit ${code}`, async () => {
    const run = await gateway([...args, "--json"]);
    expect(run.code).toBe(code);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as { error: { message: string; code: string } };
    expect(parsed.error.message).toContain(message);
    expect(parsed.error.code).toBe(errorCode);
    expect(run.stderr).not.toContain("Options:");
  }, 30_000);
}

test("without --json a database command's configuration error is one text line on stderr, exit 2", async () => {
  const run = await gateway(["admin", "users", "list", "--port", "eighty"]);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe("");
  expect(run.stderr.trim()).toStartWith("configuration error: invalid value for server.port");
}, 30_000);

test("without --json the same failure is still text with the command's help, on stderr", async () => {
  const run = await gateway(["admin", "users", "create"]);
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  expect(run.stderr).toContain("Missing required argument: email");
  expect(run.stderr).toContain("Options:");
}, 30_000);

test("wantsJson: the last of --json, --json=…, --no-json wins; nothing after --", () => {
  expect(wantsJson(["usage", "--json"])).toBe(true);
  expect(wantsJson(["usage", "--json=true"])).toBe(true);
  expect(wantsJson(["usage", "--json", "--no-json"])).toBe(false);
  expect(wantsJson(["usage", "--json=false"])).toBe(false);
  expect(wantsJson(["usage", "--", "--json"])).toBe(false);
  expect(wantsJson(["usage", "--jsonish"])).toBe(false);
});
