/**
 * Running the pinned Codex CLI (`@openai/codex`, a devDependency) against a gateway, isolated:
 * a fresh CODEX_HOME and HOME in a temp dir, an explicit environment (no user config or real
 * credentials leak in), a custom Responses provider pointing at the gateway, low retry counts,
 * stdin closed (exec would otherwise read it into the prompt) and an outer kill timer (Codex
 * keeps reconnecting when a gateway is unreachable instead of failing fast).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe } from "bun:test";

export const codexBin = resolve(import.meta.dir, "../../node_modules/.bin/codex");
/** The version the compat tests were written against (package.json pins it). */
export const pinnedCodexVersion = "0.169.0";

/**
 * `describe` where the codex binary runs, else `describe.skip` with the reason on stderr, so a
 * machine without it says why its Codex suites did not run (`label` names the file's suite).
 */
export function describeWhenCodexRuns(label: string): typeof describe {
  const { problem } = codexVersion();
  if (problem) console.warn(`[${label}] skipped: the codex binary cannot run here (${problem})`);
  return problem ? describe.skip : describe;
}

/** `codex --version`, or why the binary cannot run here at all. */
export function codexVersion(): { version?: string; problem?: string } {
  try {
    const result = Bun.spawnSync([codexBin, "--version"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
    if (result.exitCode !== 0) return { problem: `exit ${result.exitCode}: ${result.stderr.toString().trim().slice(0, 300)}` };
    return { version: result.stdout.toString().trim() };
  } catch (error) {
    return { problem: String(error) };
  }
}

export interface CodexRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The working directory the task ran in (files the tools wrote are here). */
  workDir: string;
  /** Whether the outer timer had to kill Codex. */
  timedOut: boolean;
  elapsedMs: number;
}

export interface CodexRunOptions {
  gatewayUrl: string;
  prompt: string;
  /** The slug Codex sends; a known slug (gpt-5.5) gets apply_patch and exec_command (case R05). */
  model?: string;
  timeoutMs?: number;
  /** `-c key=value` overrides (TOML values), e.g. `model_reasoning_summary="detailed"`. */
  configOverrides?: string[];
  /**
   * `http` (default): a custom provider with `supports_websockets = false`, so every turn is a
   * POST. `websocket`: Codex's built-in OpenAI provider pointed at the gateway with
   * `openai_base_url`, which opens the Responses WebSocket first, as users who only change the
   * base URL get.
   */
  transport?: "http" | "websocket";
  /** The key Codex sends (GW_KEY / OPENAI_API_KEY); a placeholder by default. */
  apiKey?: string;
  /**
   * The custom provider's `request_max_retries` / `stream_max_retries`: 0 by default, so a
   * failure shows at once; `"defaults"` leaves Codex's own (4 and 5), as a developer has them.
   */
  retries?: "none" | "defaults";
  /** Look at the finished run's work dir (the temp tree is removed right after). */
  inspect?: (run: CodexRun) => void | Promise<void>;
}

/** Run `codex exec` once; the temp tree is removed after `inspect` has looked at it. */
export async function runCodexExec(options: CodexRunOptions): Promise<CodexRun> {
  const root = mkdtempSync(join(tmpdir(), "codex-compat-"));
  const codexHome = join(root, "codex-home");
  const workDir = join(root, "work");
  mkdirSync(codexHome);
  mkdirSync(workDir);
  const model = options.model ?? "gpt-5.5";
  const customProvider = [
    `model_provider = "gw"`,
    ``,
    `[model_providers.gw]`,
    `name = "Tokligence gateway under test"`,
    `base_url = "${options.gatewayUrl}/v1"`,
    `env_key = "GW_KEY"`,
    `wire_api = "responses"`,
    ...(options.retries === "defaults" ? [] : [`request_max_retries = 0`, `stream_max_retries = 0`]),
    `supports_websockets = false`,
  ];
  // The built-in provider reads its key from OPENAI_API_KEY (set below to the same value).
  const builtInProvider = [`openai_base_url = "${options.gatewayUrl}/v1"`];
  // The built-in provider takes its key from a login (auth.json), not from OPENAI_API_KEY.
  if (options.transport === "websocket" && options.apiKey) writeFileSync(join(codexHome, "auth.json"), JSON.stringify({ auth_mode: "apikey", OPENAI_API_KEY: options.apiKey }));
  writeFileSync(join(codexHome, "config.toml"), [`model = "${model}"`, ...(options.transport === "websocket" ? builtInProvider : customProvider), ``].join("\n"));
  try {
    const proc = Bun.spawn(
      // danger-full-access: the only commands run are the ones the test's mock scripts, inside a
      // throwaway directory; Codex's own sandbox (bubblewrap) needs kernel features some CI
      // containers lack, and it is not what these tests are about.
      [codexBin, "exec", "--skip-git-repo-check", "--ephemeral", "-s", "danger-full-access", "-C", workDir, "-m", model, ...(options.configOverrides ?? []).flatMap((entry) => ["-c", entry]), options.prompt],
      {
        cwd: workDir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: root, CODEX_HOME: codexHome, GW_KEY: options.apiKey ?? "sk-codex-client-key", OPENAI_API_KEY: options.apiKey ?? "sk-codex-client-key", NO_COLOR: "1" },
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const started = Date.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill();
    }, options.timeoutMs ?? 45_000);
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    const run: CodexRun = { exitCode, stdout, stderr, workDir, timedOut, elapsedMs: Date.now() - started };
    await options.inspect?.(run);
    return run;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
