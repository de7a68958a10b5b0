/**
 * Running the pinned Claude Code CLI (`@anthropic-ai/claude-code`) once against a gateway,
 * isolated: `env -i` style (only the variables below), a fresh HOME, CLAUDE_CONFIG_DIR and work
 * directory, stdin closed and an outer kill timer. Unlike claude-code.test.ts's runner this one
 * leaves Claude Code's retry settings at their defaults unless the caller sets them: the refusal
 * tests are about what a developer's unconfigured client does.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const claudeBin = resolve(import.meta.dir, "../../node_modules/.bin/claude");

/** `claude --version`, or undefined when the binary cannot run here at all. */
export function claudeVersion(): string | undefined {
  const probe = spawnSync(claudeBin, ["--version"], { encoding: "utf8", timeout: 30_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() } });
  if (probe.status !== 0) return undefined;
  return probe.stdout.trim();
}

export interface ClaudeRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The final `--output-format json` result object (undefined when Claude Code printed none). */
  result: any;
  elapsedMs: number;
  timedOut: boolean;
}

export interface ClaudeRunOptions {
  gatewayUrl: string;
  /** Sent as x-api-key (ANTHROPIC_API_KEY). */
  apiKey: string;
  prompt?: string;
  model?: string;
  /** Extra environment, e.g. CLAUDE_CODE_MAX_RETRIES. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** `--bare` (default true): no hooks, plugins or background prefetches; false runs the full start-up. */
  bare?: boolean;
  /** `--tools` (default "": none); with tools, edits are accepted (`--permission-mode acceptEdits`). */
  tools?: string;
  /** Told the work directory before Claude Code starts (a mock agent names files in it). */
  prepare?: (workDir: string) => void;
  /** Look at the work directory once Claude Code has exited (it is removed right after). */
  inspect?: (workDir: string) => void;
}

/** `claude -p <prompt> --output-format json --bare --tools ""`: one plain question (no tools unless `tools` names some). */
export async function runClaudePrint(options: ClaudeRunOptions): Promise<ClaudeRun> {
  const root = mkdtempSync(join(tmpdir(), "claude-refusal-"));
  const dirs = { work: join(root, "work"), home: join(root, "home"), conf: join(root, "conf") };
  for (const dir of Object.values(dirs)) mkdirSync(dir);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dirs.home,
    CLAUDE_CONFIG_DIR: dirs.conf,
    ANTHROPIC_BASE_URL: options.gatewayUrl,
    ANTHROPIC_API_KEY: options.apiKey,
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: "1",
    ...options.env,
  };
  const started = Date.now();
  try {
    options.prepare?.(dirs.work);
    const tools = options.tools ?? "";
    const toolArgs = ["--tools", tools, ...(tools ? ["--permission-mode", "acceptEdits"] : [])];
    const child = Bun.spawn([claudeBin, "-p", options.prompt ?? "say hi", "--model", options.model ?? "claude-sonnet-4-6", "--output-format", "json", ...(options.bare === false ? [] : ["--bare"]), ...toolArgs, "--no-session-persistence", "--max-turns", tools ? "4" : "2"], {
      cwd: dirs.work,
      env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, options.timeoutMs ?? 45_000);
    const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    clearTimeout(killer);
    let result: any;
    for (const line of stdout.split("\n").reverse()) {
      try {
        const parsed = JSON.parse(line);
        if (parsed?.type === "result") {
          result = parsed;
          break;
        }
      } catch {}
    }
    options.inspect?.(dirs.work);
    return { exitCode, stdout, stderr, result, elapsedMs: Date.now() - started, timedOut };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
