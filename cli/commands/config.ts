import type { CommandModule } from "yargs";
import { describeConfig, describeConfigText } from "../../src/config/show";
import { type ConfigArgs, loadConfigFromArgs, printTable, withConfigOptions } from "../shared-options";

/** `gateway config show`: the effective configuration, each value's source, secrets redacted. */
export const configCommand: CommandModule<object, ConfigArgs> = {
  command: "config <action>",
  describe: "inspect the effective configuration",
  builder: (yargs) =>
    withConfigOptions(yargs)
      .positional("action", { choices: ["show"] as const, describe: "show: print every key, its value and where it came from" })
      .option("json", { type: "boolean", describe: "machine-readable output" }) as never,
  handler: (args) => {
    const loaded = loadConfigFromArgs(args);
    // On stderr, so `config show --json` stays parseable.
    for (const warning of loaded.warnings) console.error(`warning: ${warning}`);
    if (args.json) console.log(JSON.stringify(describeConfig(loaded), null, 2));
    else printTable(describeConfigText(loaded), ["key", "value", "source"]);
  },
};
