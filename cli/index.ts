import yargs from "yargs";
import { ConfigError } from "../src/config/layers";
import { gatewayVersion } from "../src/version";
import { configCommand } from "./commands/config";
import { ledgerCommands } from "./commands/index";
import { healthcheckCommand } from "./commands/healthcheck";
import { serveCommand } from "./commands/serve";

/** Commands are imported explicitly (commandDir() cannot work in a compiled binary). */
const commands = [serveCommand, configCommand, healthcheckCommand, ...ledgerCommands];

/** Run the `gateway` CLI with `args` (already stripped of the executable). */
export async function runCli(args: string[], scriptName = "gateway"): Promise<void> {
  const cli = yargs(args)
    .scriptName(scriptName)
    .version(gatewayVersion)
    .alias("version", "V")
    .help()
    .alias("help", "h")
    .strict()
    .demandCommand(1, "name a command (serve, init, admin, usage, migrate, config, healthcheck…); see --help")
    .recommendCommands()
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
  for (const command of commands) cli.command(command as never);
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
