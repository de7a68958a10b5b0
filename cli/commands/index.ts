/** The database commands (init, admin, usage, migrate), for the yargs root in cli/index.ts. */
import type { CommandModule } from "yargs";
import { type CliContext, processCliContext } from "../ledger-context";
import { createAdminCommand } from "./admin";
import { createInitCommand } from "./init";
import { createMigrateCommand } from "./migrate";
import { createUsageCommand } from "./usage";

/** Build the commands around a context (tests pass one that captures output). */
export function createLedgerCommands(ctx: CliContext): CommandModule[] {
  return [createInitCommand(ctx), createAdminCommand(ctx), createUsageCommand(ctx), createMigrateCommand(ctx)] as CommandModule[];
}

export const ledgerCommands: CommandModule[] = createLedgerCommands(processCliContext);
