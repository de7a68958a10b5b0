/**
 * What the database commands (init, admin, usage, migrate) need from their surroundings,
 * injected so tests run them in-process against a temp data dir and capture the output.
 */
import type { LoadedConfig } from "../src/config/load";
import { GatewayError } from "../src/errors/gateway-error";
import { openConfiguredStore } from "../src/store/open-configured-store";
import type { Store } from "../src/store/types";
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

/** Aligned text table (the readable output; --json is the other). */
export function formatTable(rows: Array<Record<string, unknown>>, columns: string[]): string[] {
  if (rows.length === 0) return ["(none)"];
  const cell = (value: unknown) => (value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
  const widths = columns.map((key) => Math.max(key.length, ...rows.map((row) => cell(row[key]).length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns.map((key) => key.toUpperCase())), ...rows.map((row) => line(columns.map((key) => cell(row[key]))))];
}

/**
 * Run one command against the store: open, act, close; a failure prints `error: …` (or the
 * OpenAI-shaped error object with --json) and sets exit code 1 instead of a stack trace.
 */
export async function runWithStore(ctx: CliContext, args: ConfigArgs, action: (store: Store, loaded: LoadedConfig) => Promise<void>): Promise<void> {
  let store: Store | undefined;
  try {
    const loaded = ctx.loadConfig(args);
    store = await ctx.openStore(loaded.config);
    await action(store, loaded);
  } catch (error) {
    reportCliError(ctx, args, error);
  } finally {
    await store?.close();
  }
}

export function reportCliError(ctx: CliContext, args: { json?: boolean }, error: unknown): void {
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
