/** `gateway migrate [--status]`: apply the embedded migrations (also done at every start) or list them. */
import type { CommandModule } from "yargs";
import { type CliContext, namingUnreachableDatabase, openNamingDatabase, reportCliError } from "../ledger-context";
import { type ConfigArgs, withConfigOptions } from "../shared-options";

type Args = ConfigArgs & { status?: boolean };

export function createMigrateCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "migrate",
    describe: "apply database migrations (safe with several replicas: PostgreSQL advisory lock)",
    builder: (yargs) =>
      withConfigOptions(yargs)
        .option("json", { type: "boolean", describe: "machine-readable output" })
        .option("status", { type: "boolean", describe: "only show applied and pending migrations" }) as never,
    handler: async (args) => {
      try {
        const loaded = ctx.loadConfig(args);
        const store = await openNamingDatabase(ctx, loaded.config, { migrate: false });
        try {
          await namingUnreachableDatabase(loaded.config, async () => {
            const before = await store.migrationStatus();
            const applied = args.status ? [] : (await store.migrate()).applied;
            const after = args.status ? before : await store.migrationStatus();
            if (args.json) ctx.out(JSON.stringify({ database: store.location, dialect: store.dialect, applied_now: applied, applied: after.applied, pending: after.pending }, null, 2));
            else {
              ctx.out(`database: ${store.dialect} ${store.location}`);
              ctx.out(args.status ? `applied: ${after.applied.join(", ") || "(none)"}` : `migrations applied now: ${applied.join(", ") || "(none, up to date)"}`);
              ctx.out(`pending: ${after.pending.join(", ") || "(none)"}`);
            }
          });
        } finally {
          await store.close();
        }
      } catch (error) {
        reportCliError(ctx, args, error);
      }
    },
  };
}
