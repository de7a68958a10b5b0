import yargs, { type Argv } from "yargs";
import { ConfigError } from "../src/config/layers";
import { gatewayVersion } from "../src/version";
import { configCommand } from "./commands/config";
import { ledgerCommands } from "./commands/index";
import { healthcheckCommand } from "./commands/healthcheck";
import { serveCommand } from "./commands/serve";

/** Commands are imported explicitly (commandDir() cannot work in a compiled binary). */
const commands = [serveCommand, configCommand, healthcheckCommand, ...ledgerCommands];

/**
 * `gatewayd`: the daemon is its only command, so it is the default one. Registered as `serve`,
 * its help read "gatewayd serve" and "the same as gatewayd": a command gatewayd does not take,
 * and a description of itself by its own name.
 */
const daemonCommand = { ...serveCommand, command: "$0", describe: false as const };
const DAEMON_USAGE = "$0 [options]\n\nRun the Tokligence gateway daemon (the same as `gateway serve`).";

/** Run the `gateway` CLI with `args` (already stripped of the executable). */
export async function runCli(args: string[], scriptName = "gateway"): Promise<void> {
  const cli = configureCli(yargs(args).scriptName(scriptName)).demandCommand(1, "name a command (serve, init, admin, usage, migrate, config, healthcheck…); see --help").recommendCommands();
  for (const command of commands) cli.command(command as never);
  await parse(cli);
}

/** Run `gatewayd` with `args`: the daemon's options only (a leading `serve` is accepted, as before). */
export async function runDaemonCli(args: string[]): Promise<void> {
  const cli = configureCli(yargs(args[0] === "serve" ? args.slice(1) : args).scriptName("gatewayd")).usage(DAEMON_USAGE);
  cli.command(daemonCommand as never);
  await parse(cli);
}

/** What both names share: version, help, strict options, and how failures are reported. */
function configureCli(cli: Argv): Argv {
  return cli
    .version(gatewayVersion)
    .alias("version", "V")
    .help()
    .alias("help", "h")
    .strict()
    .fail((message, error, instance) => {
      if (error instanceof ConfigError) {
        console.error(`configuration error: ${error.message}`);
        process.exit(2);
      }
      if (error) throw error;
      console.error(`${message}\n`);
      instance.showHelp();
      process.exit(1);
    });
}

async function parse(cli: Argv): Promise<void> {
  try {
    await cli.parseAsync();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}
