import type { Argv } from "yargs";
import { formatTable } from "./format-table";
import { type LoadedConfig, loadConfig } from "../src/config/load";

/** Options every command that reads configuration accepts. */
export interface ConfigArgs {
  config?: string;
  env?: string;
  /** Text as typed, so a bad value is reported as written ("eighty", not NaN). */
  port?: string;
  host?: string;
  "work-mode"?: string;
  "log-level"?: string;
  "data-dir"?: string;
  "database-url"?: string;
  json?: boolean;
}

export function withConfigOptions<T>(yargs: Argv<T>): Argv<T & ConfigArgs> {
  return yargs
    .option("config", { type: "string", describe: "TOML file layered over config/default.toml and config/<env>.toml" })
    .option("env", { type: "string", describe: "environment overlay (config/<env>.toml); default TOKLIGENCE_ENV or dev" })
    .option("port", { type: "string", describe: "listen port (server.port; in multi-port mode, the facade's)" })
    .option("host", { type: "string", describe: "listen address (server.host); 0.0.0.0 for every interface" })
    // No yargs `choices`: a bad value then gets the same "configuration error: … (allowed: …)"
    // line and exit 2 as every other flag and key, not yargs' "Invalid values" over the whole help.
    .option("work-mode", { type: "string", describe: "translation policy: auto, passthrough or translation" })
    .option("log-level", { type: "string", describe: "trace, debug, info, warn, error, fatal or silent" })
    .option("data-dir", { type: "string", describe: "data directory (database, logs); default ~/.tokligence" })
    .option("database-url", { type: "string", describe: "postgres://… to share one database between replicas (default: SQLite <data-dir>/gateway.db)" }) as Argv<T & ConfigArgs>;
}

/** Load the layered configuration with this command's flags as the top layer. */
export function loadConfigFromArgs(args: ConfigArgs): LoadedConfig {
  return loadConfig({
    configFile: args.config,
    environment: args.env,
    flags: { port: args.port, host: args.host, workMode: args["work-mode"], logLevel: args["log-level"], dataDir: args["data-dir"], databaseUrl: args["database-url"] },
  });
}

/** The same, for commands that never call a provider (database commands, healthcheck): provider keys given as "env:NAME" may be unset. */
export function loadConfigWithoutProviderSecrets(args: ConfigArgs): LoadedConfig {
  return loadConfig({
    configFile: args.config,
    environment: args.env,
    flags: { port: args.port, host: args.host, workMode: args["work-mode"], logLevel: args["log-level"], dataDir: args["data-dir"], databaseUrl: args["database-url"] },
    providerSecretsOptional: true,
  });
}

/** Print rows as an aligned text table (the readable output of every command; --json is the other). */
export function printTable(rows: Array<Record<string, unknown>>, columns?: string[]): void {
  for (const line of formatTable(rows, columns ?? Object.keys(rows[0] ?? {}))) console.log(line);
}
