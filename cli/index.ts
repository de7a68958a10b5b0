import yargs, { type Argv } from "yargs";
import { ConfigError } from "../src/config/layers";
import { gatewayVersion } from "../src/version";
import { configCommand } from "./commands/config";
import { ledgerCommands } from "./commands/index";
import { healthcheckCommand } from "./commands/healthcheck";
import { serveCommand } from "./commands/serve";
import { describeUnknownArguments } from "./unknown-arguments";

/** Commands are imported explicitly (commandDir() cannot work in a compiled binary). */
const commands = [serveCommand, configCommand, healthcheckCommand, ...ledgerCommands];

/**
 * `gatewayd`: the daemon is its only command, so it is the default one. Registered as `serve`,
 * its help read "gatewayd serve" and "the same as gatewayd": a command gatewayd does not take,
 * and a description of itself by its own name.
 */
const daemonCommand = { ...serveCommand, command: "$0", describe: false as const };
const DAEMON_USAGE = "$0 [options]\n\nRun the Tokligence gateway daemon (the same as `gateway serve`).";

/** Shown under `gateway --help` (each one runs as written; tests/unit/cli/cli-red-team.test.ts). */
export const GATEWAY_EXAMPLES: ReadonlyArray<readonly [string, string]> = [
  ["gateway serve --port 8081", "run the daemon on 127.0.0.1:8081"],
  ["gateway config show --json", "every effective key, its value and source (secrets redacted)"],
  ["gateway healthcheck --port 8081", "exit 0 when the gateway there answers 200"],
  ["gateway admin users list", "the users (gateway admin --help: keys too)"],
  ["gateway usage --since 7d", "the last week's usage by day and model"],
];

/** Shown under `gatewayd --help`. */
export const DAEMON_EXAMPLES: ReadonlyArray<readonly [string, string]> = [
  ["gatewayd --host 0.0.0.0 --port 8081", "every interface (then keys are required)"],
  ["gatewayd --env prod --config gw.toml", "config/prod.toml, then gw.toml, on top"],
];

/** Run the `gateway` CLI with `args` (already stripped of the executable). */
export async function runCli(args: string[], scriptName = "gateway"): Promise<void> {
  const cli = configureCli(yargs(args).scriptName(scriptName), wantsJson(args), args).demandCommand(1, "name a command (serve, init, admin, usage, migrate, config, healthcheck…); see --help").recommendCommands();
  for (const command of commands) cli.command(command as never);
  if (scriptName === "gateway") for (const [example, what] of GATEWAY_EXAMPLES) cli.example(example, what);
  await parse(cli, wantsJson(args));
}

/** Run `gatewayd` with `args`: the daemon's options only (a leading `serve` is accepted, as before). */
export async function runDaemonCli(args: string[]): Promise<void> {
  const cli = configureCli(yargs(args[0] === "serve" ? args.slice(1) : args).scriptName("gatewayd"), wantsJson(args), args).usage(DAEMON_USAGE);
  cli.command(daemonCommand as never);
  for (const [example, what] of DAEMON_EXAMPLES) cli.example(example, what);
  await parse(cli, wantsJson(args));
}

/**
 * Whether the command line asks for `--json` (the last of `--json`, `--json=…`, `--no-json`
 * wins, as in yargs). Read from the raw arguments: a failure of the arguments themselves (a
 * missing required option, a bad choice, an unknown flag) happens before yargs gives any.
 */
export function wantsJson(args: readonly string[]): boolean {
  let json = false;
  for (const arg of args) {
    if (arg === "--") break;
    if (arg === "--json" || arg === "--json=true") json = true;
    else if (arg === "--no-json" || arg.startsWith("--json=")) json = false;
  }
  return json;
}

/**
 * A failure as the one JSON error object the database commands print under --json
 * (`reportCliError`: `{"error":{"message","code"}}`, on stdout like every --json answer, so a
 * script reads one stream and one shape), instead of yargs' text and help.
 */
function printJsonError(message: string, code: string): void {
  console.log(JSON.stringify({ error: { message, code } }));
}

/** What both names share: version, help, strict options, and how failures are reported. */
function configureCli(cli: Argv, json: boolean, args: readonly string[]): Argv {
  return cli
    // A flag given twice takes its last value, as in most CLIs (`--port 1 --port 2` was the
    // value "1,2", refused as not a port).
    .parserConfiguration({ "duplicate-arguments-array": false })
    .version(gatewayVersion)
    .alias("version", "V")
    .help()
    .alias("help", "h")
    .strict()
    .fail((message, error, instance) => {
      if (error instanceof ConfigError) {
        if (json) printJsonError(`configuration error: ${error.message}`, "config_error");
        else console.error(`configuration error: ${error.message}`);
        process.exit(2);
      }
      if (error) throw error;
      message = describeMissingCommand(message, args) ?? describeUnknownArguments(message, args, knownOptionNames(cli));
      if (json) {
        printJsonError(message, "invalid_arguments");
        process.exit(1);
      }
      console.error(`${message}\n`);
      instance.showHelp();
      process.exit(1);
    });
}

/**
 * What a command group takes, for `gateway admin` and the like typed alone: yargs said "Not enough
 * non-option arguments: got 0, need at least 1", which names nothing a user can type.
 */
const GROUP_COMMANDS: Record<string, string> = {
  config: "name an action: show (gateway config show)",
  admin: "name a command: users or api-keys (gateway admin --help)",
  "admin users": "name a command: create, list, update, delete or import (gateway admin users --help)",
  "admin api-keys": "name a command: create, list, update or revoke (gateway admin api-keys --help)",
};

function describeMissingCommand(message: string, args: readonly string[]): string | undefined {
  if (!message.startsWith("Not enough non-option arguments")) return undefined;
  // The command words come first (an option's value would look like one, so stop at the first option).
  const firstOption = args.findIndex((arg) => arg.startsWith("-"));
  return GROUP_COMMANDS[(firstOption < 0 ? args : args.slice(0, firstOption)).join(" ")];
}

/** The long option names the failing command takes (for "did you mean --port?"). */
function knownOptionNames(instance: Argv): string[] {
  const options = (instance as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions();
  return Object.keys(options.key).filter((name) => name !== "$0" && name.length > 1);
}

async function parse(cli: Argv, json = false): Promise<void> {
  try {
    await cli.parseAsync();
  } catch (error) {
    if (error instanceof ConfigError) {
      if (json) printJsonError(`configuration error: ${error.message}`, "config_error");
      else console.error(`configuration error: ${error.message}`);
      process.exit(2);
    }
    if (json) {
      printJsonError(error instanceof Error ? error.message : String(error), "error");
      process.exit(1);
    }
    throw error;
  }
}
