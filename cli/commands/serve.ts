import type { CommandModule } from "yargs";
import { runDaemon } from "../../src/daemon";
import { type ConfigArgs, loadConfigFromArgs, withConfigOptions } from "../shared-options";

/** `gateway serve` (also what `gatewayd` runs): the daemon. */
export const serveCommand: CommandModule<object, ConfigArgs> = {
  command: "serve",
  describe: "run the gateway daemon (what gatewayd runs)",
  builder: (yargs) => withConfigOptions(yargs) as never,
  handler: async (args) => {
    await runDaemon(loadConfigFromArgs(args));
  },
};
