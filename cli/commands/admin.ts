/** `gateway admin …`: users and API keys, straight against the configured database. */
import type { CommandModule } from "yargs";
import type { CliContext } from "../ledger-context";
import { createAdminApiKeysCommand } from "./admin-api-keys";
import { createAdminUsersCommand } from "./admin-users";

export function createAdminCommand(ctx: CliContext): CommandModule {
  return {
    command: "admin <command>",
    describe: "manage users and API keys",
    builder: (yargs) => yargs.command(createAdminUsersCommand(ctx) as never).command(createAdminApiKeysCommand(ctx) as never).demandCommand(1) as never,
    handler: () => {},
  };
}
