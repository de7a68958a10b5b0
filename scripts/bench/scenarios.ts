/**
 * The measured scenarios, each run as interleaved rounds (performance.md §6.3): in round r every
 * target runs once, in an order rotated by r, so slow phases of this noisy 2-core VM hit all
 * targets alike. Each returns raw per-round numbers; the report turns them into ratios.
 */
import { type StreamRun, type Target, measureClosedLoop, measureSequential, measureStreams } from "./load";
import { percentile } from "./stats";

export interface LatencyPoint {
  p50: number;
  p99: number;
  count: number;
  errors: number;
}
export type LatencyRound = Record<string, LatencyPoint>;

export interface ThroughputPoint {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU ms the target's process used per request during the run (NaN when unknown). */
  cpuMsPerRequest?: number;
}
export type ThroughputRound = Record<string, ThroughputPoint>;

export interface StreamPoint {
  ttftP50: number;
  ttftP99: number;
  gapP50: number;
  gapP99: number;
  /** Mean deltas delivered and reads carrying them, per stream. */
  deltasPerStream: number;
  readsPerStream: number;
  totalP50: number;
  failed: number;
}
export type StreamRound = Record<string, StreamPoint>;

/** `items` rotated left by `by` (round-robin start so no target always runs first). */
function rotate<T>(items: T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** A target plus the request it sends (path and body may differ per target, as in translation). */
export interface Probe {
  target: Target;
  path: string;
  body: Uint8Array<ArrayBuffer>;
}

export async function runLatencyRounds(probes: Probe[], rounds: number, secondsPerRun: number, onRound?: (round: number) => void): Promise<LatencyRound[]> {
  const results: LatencyRound[] = [];
  for (let round = 0; round < rounds; round++) {
    const result: LatencyRound = {};
    for (const { target, path, body } of rotate(probes, round)) {
      const run = await measureSequential(target.base + path, body, secondsPerRun * 1000);
      if (run.errors > 0 && run.samples.length === 0) throw new Error(`${target.name} ${path}: every request failed (first status ${run.firstErrorStatus})`);
      result[target.name] = { p50: percentile(run.samples, 0.5), p99: percentile(run.samples, 0.99), count: run.samples.length, errors: run.errors };
    }
    results.push(result);
    onRound?.(round);
  }
  return results;
}

/** A closed-loop load generator: the Bun client by default, wrk when installed (see wrk.ts). */
export type ClosedLoopGenerator = (url: string, body: Uint8Array<ArrayBuffer>, connections: number, durationMs: number) => Promise<ThroughputPoint>;

export const bunClosedLoop: ClosedLoopGenerator = async (url, body, connections, durationMs) => {
  const run = await measureClosedLoop(url, body, connections, durationMs);
  return { rps: run.requestsPerSecond, p50: percentile(run.samples, 0.5), p99: percentile(run.samples, 0.99), errors: run.errors };
};

export async function runThroughputRounds(
  probes: Probe[],
  rounds: number,
  secondsPerRun: number,
  connections: number,
  generate: ClosedLoopGenerator = bunClosedLoop,
  cpuMsOf: (pid: number) => number = () => NaN,
): Promise<ThroughputRound[]> {
  const results: ThroughputRound[] = [];
  for (let round = 0; round < rounds; round++) {
    const result: ThroughputRound = {};
    for (const { target, path, body } of rotate(probes, round)) {
      const cpuBefore = target.pid === undefined ? NaN : cpuMsOf(target.pid);
      const startedAt = performance.now();
      const point = await generate(target.base + path, body, connections, secondsPerRun * 1000);
      const elapsedSeconds = (performance.now() - startedAt) / 1000;
      if (point.rps === 0) throw new Error(`${target.name} ${path}: no request succeeded under load`);
      const cpuUsed = target.pid === undefined ? NaN : cpuMsOf(target.pid) - cpuBefore;
      point.cpuMsPerRequest = cpuUsed / (point.rps * elapsedSeconds);
      result[target.name] = point;
    }
    results.push(result);
  }
  return results;
}

function summariseStreams(runs: StreamRun[]): StreamPoint {
  const ok = runs.filter((run) => run.status === 200 && Number.isFinite(run.ttftMs));
  const gaps = ok.flatMap((run) => run.gapsMs);
  const ttfts = ok.map((run) => run.ttftMs);
  const mean = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : NaN);
  return {
    ttftP50: percentile(ttfts, 0.5),
    ttftP99: percentile(ttfts, 0.99),
    gapP50: percentile(gaps, 0.5),
    gapP99: percentile(gaps, 0.99),
    deltasPerStream: mean(ok.map((run) => run.deltas)),
    readsPerStream: mean(ok.map((run) => run.deltaReads)),
    totalP50: percentile(ok.map((run) => run.totalMs), 0.5),
    failed: runs.length - ok.length,
  };
}

export async function runStreamRounds(probes: Probe[], rounds: number, streamsPerRun: number, marker: string): Promise<StreamRound[]> {
  const results: StreamRound[] = [];
  for (let round = 0; round < rounds; round++) {
    const result: StreamRound = {};
    for (const { target, path, body } of rotate(probes, round)) {
      const runs = await measureStreams(target.base + path, body, marker, streamsPerRun);
      const point = summariseStreams(runs);
      if (point.failed === runs.length) throw new Error(`${target.name} ${path}: every stream failed (status ${runs[0]?.status})`);
      result[target.name] = point;
    }
    results.push(result);
  }
  return results;
}
