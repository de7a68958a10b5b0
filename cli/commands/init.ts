/**
 * `gateway init`: write a starter configuration (`<root>/config/<env>.toml`, read
 * automatically from that directory) and create the database with its root admin.
 * Refuses to overwrite without --force, like the original (notes §1.10).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { CommandModule } from "yargs";
import { normalizeEmail } from "../../src/store/user-repository";
import { type CliContext, namingUnreachableDatabase, openNamingDatabase, reportCliError } from "../ledger-context";
import { type ConfigArgs, withConfigOptions } from "../shared-options";

type Args = ConfigArgs & { root: string; email?: string; force?: boolean };

/** The starter file: the handful of keys a new install sets; everything else keeps its default. */
export function renderStarterConfig(options: { email: string; dataDir?: string; databaseUrl?: string }): string {
  const lines = [
    "# Tokligence Gateway configuration, written by `gateway init`.",
    "# Layered over the built-in defaults; `gateway config show` lists every key and its source.",
    "",
    "[gateway]",
    options.dataDir ? `data_dir = ${JSON.stringify(options.dataDir)}` : '# data_dir = "~/.tokligence"   # database (gateway.db) and logs',
    "",
    "[auth]",
    `admin_email = ${JSON.stringify(options.email)}   # the root admin, created at every start`,
    "# disabled = false   # model endpoints need a tok_ key (the admin API always does)",
    "",
    "[database]",
    options.databaseUrl ? `url = ${JSON.stringify(options.databaseUrl)}` : '# url = "postgres://user@host/db"   # empty: SQLite in the data dir',
    "",
    "[ledger]",
    '# prices_file = "prices.toml"   # token prices for the cost column (default: built-in table)',
    "",
    "# Provider keys: set TOKLIGENCE_OPENAI_API_KEY / TOKLIGENCE_ANTHROPIC_API_KEY, or reference a",
    "# variable here (it must then be set whenever the gateway or CLI starts):",
    "# [providers.openai]",
    '# api_keys = ["env:OPENAI_API_KEY"]',
    "# [providers.anthropic]",
    '# api_keys = ["env:ANTHROPIC_API_KEY"]',
    "",
  ];
  return lines.join("\n");
}

export function createInitCommand(ctx: CliContext): CommandModule<object, Args> {
  return {
    command: "init",
    describe: "write a starter config and create the database with the root admin",
    builder: (yargs) =>
      withConfigOptions(yargs)
        .option("root", { type: "string", default: ".", describe: "directory that gets config/<env>.toml" })
        .option("email", { type: "string", describe: "root admin e-mail (default admin@local)" })
        .option("force", { type: "boolean", describe: "overwrite an existing file" })
        .option("json", { type: "boolean", describe: "machine-readable output" }) as never,
    handler: async (args) => {
      try {
        const environment = args.env ?? process.env.TOKLIGENCE_ENV ?? "dev";
        const file = resolve(args.root, "config", `${environment}.toml`);
        if (existsSync(file) && !args.force) throw new Error(`file already exists: ${file} (use --force to overwrite it, or --root DIR to write DIR/config/${environment}.toml instead)`);
        const email = normalizeEmail(args.email ?? "admin@local");
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, renderStarterConfig({ email, dataDir: args["data-dir"], databaseUrl: args["database-url"] }), { mode: 0o600 });
        // Load what was just written, so the database lands where `serve` will look.
        const loaded = ctx.loadConfig({ ...args, config: file });
        const store = await openNamingDatabase(ctx, loaded.config);
        try {
          await namingUnreachableDatabase(loaded.config, async () => {
            const root = await store.users.findRootAdmin();
            const summary = { config_file: file, database: store.location, dialect: store.dialect, root_admin: root ? { id: root.id, email: root.email } : null };
            if (args.json) ctx.out(JSON.stringify(summary, null, 2));
            else {
              ctx.out("gateway config initialised");
              ctx.out(`config:   ${file}`);
              ctx.out(`database: ${store.dialect} ${store.location}`);
              ctx.out(`root admin: ${root?.email} (id ${root?.id}); create a key with: gateway admin api-keys create --user ${root?.email}`);
              // The overlay is found only from the directory that holds config/: say so, and the way that works anywhere.
              const envFlag = environment === "dev" ? "" : ` --env ${environment}`;
              ctx.out(`start it: gatewayd${envFlag} in ${resolve(args.root)} (config/ is read from the working directory), or gatewayd --config ${file} from anywhere`);
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

