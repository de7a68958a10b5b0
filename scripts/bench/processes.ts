/**
 * Child processes of the benchmark: start, wait for readiness, pin to CPUs, read memory, and
 * always stop them (normal end, error, Ctrl-C). Everything listens on 127.0.0.1 only.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";

export const bunBinary = process.execPath;
const children = new Set<Subprocess>();

/** Kill every child still running; safe to call more than once (exit handlers, signals). */
export function stopAllChildren(): void {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {}
  }
  children.clear();
}

/** Make sure no child outlives the bench, whatever way it ends. */
export function installCleanupHandlers(): void {
  process.on("exit", stopAllChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      stopAllChildren();
      process.exit(130);
    });
  }
  process.on("uncaughtException", (error) => {
    stopAllChildren();
    console.error(error);
    process.exit(1);
  });
  process.on("unhandledRejection", (error) => {
    stopAllChildren();
    console.error(error);
    process.exit(1);
  });
}

export interface Child {
  process: Subprocess;
  pid: number;
  port: number;
  stop(): void;
}

function track(child: Subprocess): () => void {
  children.add(child);
  return () => {
    children.delete(child);
    try {
      child.kill("SIGKILL");
    } catch {}
  };
}

/** Start a helper script (mock or floor) that prints "READY <port>" and resolve once it has. */
export async function startReadyScript(script: string, args: string[], label: string): Promise<Child> {
  const child = Bun.spawn([bunBinary, script, ...args], { stdout: "pipe", stderr: "inherit", stdin: "ignore" });
  const stop = track(child);
  const reader = child.stdout.getReader();
  let text = "";
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    const match = /READY (\d+)/.exec(text);
    if (match) {
      reader.releaseLock();
      // Keep draining stdout so a chatty child never blocks on a full pipe.
      void child.stdout.pipeTo(new WritableStream()).catch(() => {});
      return { process: child, pid: child.pid, port: Number(match[1]), stop };
    }
  }
  stop();
  throw new Error(`${label} did not report READY (output: ${text.slice(0, 500)})`);
}

/** A free loopback port (bind to 0, read it, release it; a small race the bench accepts). */
export function findFreePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port as number;
  probe.stop(true);
  return port;
}

/** Poll GET url until it answers 200; returns the milliseconds from `since` to that answer. */
export async function waitForOk(url: string, since: number, timeoutMs = 15_000): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    try {
      const answer = await fetch(url);
      await answer.arrayBuffer();
      if (answer.status === 200) return performance.now() - since;
    } catch {}
    await Bun.sleep(1);
  }
  throw new Error(`no 200 from ${url} within ${timeoutMs} ms`);
}

/** Start the gateway binary on a fresh port with `env`; resolves after the first 200 on /health. */
export async function startGateway(binary: string, env: Record<string, string>, cwd: string): Promise<Child & { startMs: number }> {
  const port = findFreePort();
  const since = performance.now();
  const child = Bun.spawn([binary, "--port", String(port), "--host", "127.0.0.1"], { env, cwd, stdout: "ignore", stderr: "inherit", stdin: "ignore" });
  const stop = track(child);
  try {
    const startMs = await waitForOk(`http://127.0.0.1:${port}/health`, since);
    return { process: child, pid: child.pid, port, stop, startMs };
  } catch (error) {
    stop();
    throw error;
  }
}

export interface MemoryReading {
  rssMb: number;
  hwmMb: number;
}

/** VmRSS and VmHWM (peak RSS) of a process from /proc, in MB; undefined where /proc is absent. */
export function readMemory(pid: number): MemoryReading | undefined {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return undefined;
  const status = readFileSync(path, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
}

/**
 * CPU time (user + system, all threads) a process has used, in ms, from /proc/<pid>/stat; NaN
 * where /proc is absent. Divided by the requests served it gives CPU per request, a figure that
 * moves far less with this shared VM's noise than latency or req/s do.
 */
export function readCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    const ticksPerSecond = 100; // USER_HZ on Linux
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return NaN;
  }
}

/**
 * CPU time in ms of a process's main thread (the event loop, where the gateway's JavaScript
 * runs) and of all its other threads (Bun's HTTP client thread, SQLite's and the file writer's
 * pools), from /proc/<pid>/task; NaN where /proc is absent. The main thread's share per request
 * bounds throughput once it nears 100%; the sum bounds it when the machine's cores are full.
 */
export function readThreadCpuMs(pid: number): { main: number; other: number } {
  try {
    let main = 0;
    let other = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ ticks
      if (tid === String(pid)) main += ms;
      else other += ms;
    }
    return { main, other };
  } catch {
    return { main: NaN, other: NaN };
  }
}

/** Whether CPU pinning is possible: Linux with taskset and at least 2 CPUs. */
export function canPin(): boolean {
  return process.platform === "linux" && Bun.which("taskset") !== null && navigator.hardwareConcurrency >= 2;
}

/** Set the CPU affinity of every thread of `pid` (taskset -a -p); threads created later inherit it. */
export function pinProcess(pid: number, cpus: string): void {
  Bun.spawnSync(["taskset", "-a", "-p", "-c", cpus, String(pid)], { stdout: "ignore", stderr: "ignore" });
}

/** Build the compiled gateway (as `npm run build` would) unless bin/gatewayd exists. */
export function buildGatewayBinary(root: string, outDir: string): { path: string; built: boolean } {
  const prebuilt = `${root}/bin/gatewayd`;
  if (existsSync(prebuilt)) return { path: prebuilt, built: false };
  const outfile = `${outDir}/gatewayd`;
  const result = Bun.spawnSync(
    [bunBinary, "build", "--compile", `${root}/src/main.ts`, "--outfile", outfile, "--minify-whitespace", "--minify-syntax", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"],
    { cwd: root, stdout: "pipe", stderr: "pipe" },
  );
  if (result.exitCode !== 0) throw new Error(`bun build --compile failed:\n${result.stderr.toString()}${result.stdout.toString()}`);
  return { path: outfile, built: true };
}

/**
 * The environment a benchmarked gateway runs with: its defaults, both providers pointed at the
 * mock, the one JSON log line per request at level info (stdout goes to /dev/null; the rotating
 * file is off), and its database in `dataDir`.
 */
export function benchGatewayEnv(home: string, upstreamBase: string, dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    TOKLIGENCE_CONFIG_DIR: `${home}/no-config`,
    TOKLIGENCE_OPENAI_API_KEY: "sk-bench-openai-000000",
    TOKLIGENCE_OPENAI_BASE_URL: `${upstreamBase}/v1`,
    TOKLIGENCE_ANTHROPIC_API_KEY: "sk-ant-bench-000000",
    TOKLIGENCE_ANTHROPIC_BASE_URL: upstreamBase,
    TOKLIGENCE_LOG__FILE: "false",
    TOKLIGENCE_LOG_LEVEL: "info",
    TOKLIGENCE_DATA_DIR: dataDir,
  };
}
