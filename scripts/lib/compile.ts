/**
 * Compiles the gateway's single entry into a standalone executable for one target.
 * Flag choices follow the packaging notes §5.1 (all measured on Bun 1.4.5):
 * - whitespace+syntax minification only: renamed identifiers have broken Elysia's
 *   source-reading JIT several times (elysia#724, #740, #1711);
 * - --bytecode needs --format=esm because the entry uses top-level await;
 * - NODE_ENV is defined as "production" because Bun otherwise inlines "development";
 * - .env / bunfig.toml autoloading is off so a stray file in the working directory
 *   cannot override configuration or BUN_CONFIG_* of a server;
 * - the sourcemap is embedded so stack traces of the minified binary stay readable.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BuildInfo } from "../version.ts";
import { REPO_ROOT } from "../version.ts";
import type { ReleaseTarget } from "./targets.ts";

export interface CompileOptions {
  target: ReleaseTarget;
  /** Output path of the executable (".exe" is added by Bun for Windows targets if missing). */
  outfile: string;
  info: BuildInfo;
  /** Entry module; the lead's composition root by default. */
  entry?: string;
  /** Turn off --bytecode (an escape hatch if a dependency breaks under it). */
  bytecode?: boolean;
  /** A runtime for offline cross-compiling (bun --compile-executable-path). */
  executablePath?: string;
}

/** Builds the `bun build` argument list; exported so tests can check the flags. */
export function buildCompileArgs(options: CompileOptions): string[] {
  const { target, outfile, info } = options;
  const entry = options.entry ?? join(REPO_ROOT, "src/main.ts");
  const args = [
    "build",
    entry,
    "--compile",
    `--target=${target.bunTarget}`,
    `--outfile=${outfile}`,
    "--minify-whitespace",
    "--minify-syntax",
    "--sourcemap=inline",
    "--format=esm",
    `--define=GW_VERSION=${JSON.stringify(info.version)}`,
    `--define=GW_COMMIT=${JSON.stringify(info.commit)}`,
    `--define=process.env.NODE_ENV=${JSON.stringify("production")}`,
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
  ];
  if (options.bytecode !== false) args.push("--bytecode");
  if (options.executablePath) args.push(`--compile-executable-path=${options.executablePath}`);
  return args;
}

/**
 * Runs the compile with the Bun that runs this script (the pinned one from
 * node_modules), so the embedded runtime version is the project's Bun version.
 */
export async function compileBinary(options: CompileOptions): Promise<string> {
  mkdirSync(dirname(options.outfile), { recursive: true });
  rmSync(options.outfile, { force: true });
  const proc = Bun.spawn([process.execPath, ...buildCompileArgs(options)], {
    cwd: REPO_ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const produced = options.outfile.endsWith(options.target.exeSuffix)
    ? options.outfile
    : `${options.outfile}${options.target.exeSuffix}`;
  if (code !== 0 || !existsSync(produced)) {
    throw new Error(`bun build for ${options.target.id} failed (exit ${code}):\n${stderr || stdout}`);
  }
  // The map is already embedded (--sourcemap=inline); Bun still writes a sidecar we do not ship.
  rmSync(`${options.outfile}.map`, { force: true });
  return produced;
}
