import { afterAll, beforeAll, expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yargs from "yargs";
import { createLedgerCommands } from "../../cli/commands/index";
import type { CliContext } from "../../cli/ledger-context";
import { loadConfigFromArgs } from "../../cli/shared-options";
import { openConfiguredStore } from "../../src/store/open-configured-store";

/** Runs `gateway <args>` in-process with the database commands; returns stdout, stderr, exit code. */
export async function runGateway(args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const ctx: CliContext = {
    // An empty config dir and environment: only the embedded defaults and the flags count.
    loadConfig: (configArgs) => loadConfigFromArgs(configArgs),
    openStore: openConfiguredStore,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    setExitCode: (exit) => {
      code = exit;
    },
  };
  const cli = yargs(args).scriptName("gateway").strict().demandCommand(1).exitProcess(false).fail((message, error) => {
    throw error ?? new Error(message);
  });
  for (const command of createLedgerCommands(ctx)) cli.command(command as never);
  await cli.parseAsync();
  return { out: out.join("\n"), err: err.join("\n"), code };
}

/**
 * A temporary data dir (and a work dir with no config) for the CLI suites of one describe block,
 * with TOKLIGENCE_* cleared so only the embedded defaults and the flags count. `json` runs
 * `gateway <args> --data-dir <dir> --json`, expects exit 0 and parses the output.
 */
export function cliSandbox(prefix: string) {
  const dirs = { dataDir: "", workDir: "" };
  const savedEnv = { ...process.env };
  beforeAll(() => {
    dirs.dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    dirs.workDir = mkdtempSync(join(tmpdir(), `${prefix}-work-`));
    for (const name of Object.keys(process.env)) if (name.startsWith("TOKLIGENCE_")) delete process.env[name];
    process.env.TOKLIGENCE_CONFIG_DIR = join(dirs.workDir, "no-config");
  });
  afterAll(() => {
    process.env = savedEnv;
    rmSync(dirs.dataDir, { recursive: true, force: true });
    rmSync(dirs.workDir, { recursive: true, force: true });
  });
  const run = (args: string[]) => runGateway([...args, "--data-dir", dirs.dataDir]);
  const json = async (args: string[]) => {
    const result = await run([...args, "--json"]);
    if (result.code !== 0) console.error(result.out, result.err);
    expect(result.code).toBe(0);
    return JSON.parse(result.out);
  };
  return { dirs, run, json };
}
