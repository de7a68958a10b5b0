/**
 * What the database commands (init, admin, usage, migrate) need from their surroundings,
 * injected so tests run them in-process against a temp data dir and capture the output.
 */
import { ConfigError } from "../src/config/layers";
import type { LoadedConfig } from "../src/config/load";
import { GatewayError } from "../src/errors/gateway-error";
import { databaseUnavailableError, isDatabaseUnreachable } from "../src/store/database-unreachable";
import { describeDatabase } from "../src/store/describe-database";
import { openConfiguredStore } from "../src/store/open-configured-store";
import type { Store } from "../src/store/types";
import { formatTable } from "./format-table";
import { type ConfigArgs, loadConfigWithoutProviderSecrets } from "./shared-options";

export interface CliContext {
  /** The effective configuration for these arguments (layered config + flags). */
  loadConfig(args: ConfigArgs): LoadedConfig;
  /** Open the configured database; `migrate` applies embedded migrations and ensures the root admin. */
  openStore(config: LoadedConfig["config"], options?: { migrate?: boolean }): Promise<Store>;
  /** Standard output, one call per line. */
  out(line: string): void;
  /** Standard error. */
  err(line: string): void;
  setExitCode(code: number): void;
}

export const processCliContext: CliContext = {
  loadConfig: loadConfigWithoutProviderSecrets,
  openStore: openConfiguredStore,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/**
 * Run one command against the store: open, act, close; a failure prints `error: …` (or the
 * OpenAI-shaped error object with --json) and sets exit code 1 instead of a stack trace.
 */
export async function runWithStore(ctx: CliContext, args: ConfigArgs, action: (store: Store, loaded: LoadedConfig) => Promise<void>): Promise<void> {
  let store: Store | undefined;
  try {
    const loaded = ctx.loadConfig(args);
    store = await openNamingDatabase(ctx, loaded.config);
    await namingUnreachableDatabase(loaded.config, () => action(store!, loaded));
  } catch (error) {
    reportCliError(ctx, args, error);
  } finally {
    await store?.close();
  }
}

/**
 * Open the configured database; a failure names it (the SQLite path, or the PostgreSQL URL
 * without its password), as the daemon's start does. `gateway usage` against a stopped
 * PostgreSQL used to print only `error: connect ECONNREFUSED 127.0.0.1:5432` (code "error"),
 * saying neither that nor which database was meant. One that cannot be reached is the
 * catalogue's `database_unavailable`, as on the admin API.
 */
export async function openNamingDatabase(ctx: CliContext, config: LoadedConfig["config"], options?: { migrate?: boolean }): Promise<Store> {
  try {
    return await ctx.openStore(config, options);
  } catch (error) {
    const where = describeDatabase(config.databaseUrl, config.dataDir);
    if (!where || isDatabaseUnreachable(error)) throw namedIfUnreachable(error, config);
    throw new Error(`cannot open the database ${where}: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * Run a command's work on an opened store, naming the database when it cannot be reached: a
 * PostgreSQL store connects on its first query, so a stopped server is often met here, not at
 * the open.
 */
export async function namingUnreachableDatabase<T>(config: LoadedConfig["config"], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw namedIfUnreachable(error, config);
  }
}

function namedIfUnreachable(error: unknown, config: LoadedConfig["config"]): unknown {
  const where = describeDatabase(config.databaseUrl, config.dataDir);
  if (!where || !isDatabaseUnreachable(error)) return error;
  return databaseUnavailableError(`cannot reach the database ${where}: ${messageOf(error)}`, error);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function reportCliError(ctx: CliContext, args: { json?: boolean }, error: unknown): void {
  // A bad configuration value is reported as `config show` and `serve` report it (exit 2,
  // code config_error), so a script tells a broken config from a failed command.
  if (error instanceof ConfigError) {
    const message = `configuration error: ${error.message}`;
    if (args.json) ctx.out(JSON.stringify({ error: { message, code: "config_error" } }));
    else ctx.err(message);
    ctx.setExitCode(2);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof GatewayError ? error.code : "error";
  if (args.json) ctx.out(JSON.stringify({ error: { message, code } }));
  else ctx.err(`error: ${message}`);
  ctx.setExitCode(1);
}

/** Print JSON or a table. */
export function printResult(ctx: CliContext, args: { json?: boolean }, json: unknown, rows: Array<Record<string, unknown>>, columns: string[]): void {
  if (args.json) ctx.out(JSON.stringify(json, null, 2));
  else for (const line of formatTable(rows, columns)) ctx.out(line);
}
