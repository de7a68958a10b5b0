/**
 * Shared helpers for the packaging tests: one host binary per test process (compiling takes
 * seconds and every channel wraps the same file), commands with timeouts, free ports, and a
 * daemon that is always stopped.
 */
import type { Subprocess } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildHostBinary } from "../../../scripts/build";
import { readBuildInfo } from "../../../scripts/version";

export interface HostBinary {
  dir: string;
  gateway: string;
  gatewayd: string;
  version: string;
  /** The commit baked into the binary (readBuildInfo: git, or GW_COMMIT). */
  commit: string;
}

// Memoised per test process: bun test runs every file of a run in one process, so the
// channels (archive, npm, wheel, Dockerfile) all test the same compiled file.
let hostBinary: Promise<HostBinary> | undefined;

/** Compiles the host binary once (into a temp dir removed at exit) and returns its paths. */
export function getHostBinary(): Promise<HostBinary> {
  hostBinary ??= (async () => {
    const dir = makeTempDir("tgw-bin-");
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const info = readBuildInfo();
    const gateway = await buildHostBinary({ outDir: dir, info });
    const suffix = process.platform === "win32" ? ".exe" : "";
    return { dir, gateway, gatewayd: join(dir, `gatewayd${suffix}`), version: info.version, commit: info.commit };
  })();
  return hostBinary;
}

/** Creates a fresh temp directory. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CommandResult {
  exitCode: number | null;
  signalCode: Subprocess["signalCode"];
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after timeoutMs) and captures its output. */
export async function runCommand(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const proc = Bun.spawn(argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
    timeout: options.timeoutMs ?? 60_000,
  });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  return { exitCode: proc.exitCode, signalCode: proc.signalCode, stdout, stderr };
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
/** The daemon's fatal log line (level 60) among its JSON lines on stdout, if it wrote one. */
export function fatalLogLine(stdout: string): { level: number; msg: string } | undefined {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .find((line) => line.level === 60);
}

export function findFreePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** The environment a packaged daemon runs with in tests: loopback, temp data, no stray config. */
export function buildDaemonEnv(dataDir: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The test runner's own TOKLIGENCE_* settings must not leak into the daemon under test.
    if (value !== undefined && !key.startsWith("TOKLIGENCE_")) env[key] = value;
  }
  return {
    ...env,
    TOKLIGENCE_HOST: "127.0.0.1",
    TOKLIGENCE_PORT: String(port),
    TOKLIGENCE_DATA_DIR: dataDir,
    TOKLIGENCE_CONFIG_DIR: join(dataDir, "no-config"),
    TOKLIGENCE_LOG__FILE: "false",
    ...extra,
  };
}

export interface RunningDaemon {
  proc: ReturnType<typeof Bun.spawn>;
  url: string;
  /** Sends SIGTERM and waits (up to 15 s, then SIGKILL) for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a daemon command and waits until GET /health answers 200. */
export async function startDaemon(argv: string[], env: Record<string, string>, port: number): Promise<RunningDaemon> {
  // stdout (the JSON log) is not read by the tests; ignoring it keeps a full pipe from blocking the daemon.
  const proc = Bun.spawn(argv, { env, stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const killer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    await proc.exited;
    clearTimeout(killer);
    return proc.exitCode;
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return { proc, url, stop };
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  await stop();
  const stderr = await new Response(proc.stderr as ReadableStream).text();
  throw new Error(`daemon ${argv.join(" ")} did not become healthy (exit ${proc.exitCode}):\n${stderr.slice(-2000)}`);
}

/** Linux: the pids of a process's children, from /proc. */
export function readChildPids(pid: number): number[] {
  const tasks = `/proc/${pid}/task/${pid}/children`;
  return readFileSync(tasks, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Linux: the process group of a pid, from /proc. */
export function readProcessGroup(pid: number): number {
  // Fields after the parenthesised command name: state, ppid, pgrp.
  const stat: string = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

/** SIGKILLs a pid this test started, ignoring one that has exited already. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
