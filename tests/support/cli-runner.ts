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
