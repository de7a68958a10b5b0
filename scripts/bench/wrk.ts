/**
 * Optional closed-loop generator: wrk (Debian package), used for the throughput scenario when it
 * is installed. On 2 cores a JS load generator burns most of a core itself, so wrk (C, one
 * thread) leaves more CPU to the targets and matches the anchors of performance.md §4, which
 * were taken with wrk -t1. The Bun client stays the fallback, so nothing extra is required.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { requestHeaders } from "./fixtures";
import type { ThroughputRun } from "./load";

/** Whether wrk is on PATH. */
export function hasWrk(): boolean {
  return Bun.which("wrk") !== null;
}

/** Write wrk's Lua script for a POST of `body` with the bench's headers; returns its path. */
function writeWrkScript(dir: string, body: Uint8Array<ArrayBuffer>): string {
  const path = join(dir, `wrk-${body.length}.lua`);
  const headers = Object.entries(requestHeaders)
    .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
    .join("\n");
  // JSON string syntax is a valid Lua string literal for this ASCII body.
  writeFileSync(path, `wrk.method = "POST"\n${headers}\nwrk.body = ${JSON.stringify(new TextDecoder().decode(body))}\n`);
  return path;
}

/** "1.23ms" / "850.00us" / "1.02s" → ms. */
function parseDuration(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "ms" ? value : value * 1000;
}

/** wrk -t1 -c<connections> for `durationMs`; percentiles come from wrk's --latency histogram. */
export async function measureClosedLoopWithWrk(url: string, body: Uint8Array<ArrayBuffer>, connections: number, durationMs: number, workDir: string): Promise<ThroughputRun & { p50: number; p99: number }> {
  const script = writeWrkScript(workDir, body);
  const seconds = Math.max(1, Math.round(durationMs / 1000));
  const child = Bun.spawn(["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, url], { stdout: "pipe", stderr: "pipe" });
  const output = await new Response(child.stdout).text();
  await child.exited;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? NaN);
  const p50 = parseDuration(/^\s+50%\s+(\S+)/m.exec(output)?.[1] ?? "");
  const p99 = parseDuration(/^\s+99%\s+(\S+)/m.exec(output)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, part) => sum + Number(part), 0) : 0);
  if (!Number.isFinite(rps)) throw new Error(`wrk gave no result for ${url}:\n${output}${await new Response(child.stderr).text()}`);
  return { requestsPerSecond: rps, samples: [], errors, p50, p99 };
}
