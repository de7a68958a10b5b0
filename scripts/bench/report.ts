/**
 * Markdown report: absolute numbers and same-window ratios to the floor (performance.md §6.5).
 * Every "added" number is per round (target minus direct in that round), then the median over
 * rounds with min–max, never a single run.
 */
import type { MemoryReading } from "./processes";
import type { LatencyRound, StreamRound, ThroughputRound } from "./scenarios";
import { type Spread, formatMs, formatRate, formatRatio, formatSpread, summarise } from "./stats";

export interface BenchMeta {
  date: string;
  commit: string;
  bunVersion: string;
  cpu: string;
  cores: number;
  pinned: boolean;
  mode: string;
  binary: string;
  binarySizeMb: number;
}

export type TranslationResult =
  | { ran: false; reason: string }
  | { ran: true; latency: LatencyRound[]; streams: StreamRound[]; bursts: StreamRound[]; burstEvents: number };

export interface BenchResults {
  meta: BenchMeta;
  largeBodyBytes: number;
  latencySmall: LatencyRound[];
  latencyLarge: LatencyRound[];
  throughput: ThroughputRound[];
  connections: number;
  loadGenerator: string;
  streams: StreamRound[];
  streamShape: { chunks: number; intervalMs: number };
  memory: { idle?: MemoryReading; afterLoad?: MemoryReading };
  coldStartMs: number[];
  translation: TranslationResult;
}

type Round = Record<string, Record<string, number>>;
type Rounds = Round[];

/**
 * metric(target) in one round. A target absent from a round is a bench bug (every target runs in
 * every round), so it throws; a metric absent for a present target is NaN, which summarise skips.
 */
function metricOf(round: Round, target: string, metric: string): number {
  const point = round[target];
  if (!point) throw new Error(`bench report: target "${target}" missing from a round`);
  return point[metric] ?? NaN;
}

/** Per round: metric(target) − metric(baseline), summarised over rounds. */
function added(rounds: Rounds, target: string, metric: string, baseline = "direct"): Spread {
  return summarise(rounds.map((round) => metricOf(round, target, metric) - metricOf(round, baseline, metric)));
}

/**
 * Per round: (gateway − direct) / (floor − direct) for `metric`, summarised over rounds. A round
 * where the floor added nothing measurable (≤ 0, tail noise) has no meaningful ratio and is left out.
 */
function floorRatio(rounds: Rounds, metric: string, target = "gateway"): Spread {
  return summarise(
    rounds.map((round) => {
      const floorAdded = metricOf(round, "floor", metric) - metricOf(round, "direct", metric);
      return floorAdded > 0 && round[target] ? (metricOf(round, target, metric) - metricOf(round, "direct", metric)) / floorAdded : NaN;
    }),
  );
}

function absolute(rounds: Rounds, target: string, metric: string): Spread {
  return summarise(rounds.map((round) => metricOf(round, target, metric)));
}

const ms = (spread: Spread) => formatSpread(spread, formatMs);
const ratio = (spread: Spread) => formatSpread(spread, formatRatio);
const verdict = (ok: boolean) => (ok ? "✅" : "❌");

function latencyRows(label: string, rounds: LatencyRound[], target = "gateway"): string[] {
  const r = rounds as unknown as Rounds;
  if (!rounds[0]?.[target]) return [];
  const f = floorRatio(r, "p50", target);
  return [
    `| ${label}, p50 | ${ms(absolute(r, "direct", "p50"))} | ${ms(added(r, "floor", "p50"))} | ${ms(added(r, target, "p50"))} | ${ratio(f)} | ≤ 1.5 ${verdict(f.median <= 1.5)} |`,
    `| ${label}, p99 | ${ms(absolute(r, "direct", "p99"))} | ${ms(added(r, "floor", "p99"))} | ${ms(added(r, target, "p99"))} | ${ratio(floorRatio(r, "p99", target))} | — |`,
  ];
}

/** Per round: metric(target) / metric(floor). */
function ratioToFloor(rounds: Rounds, target: string, metric: string): Spread {
  return summarise(rounds.map((round) => (round[target] ? metricOf(round, target, metric) / metricOf(round, "floor", metric) : NaN)));
}

function renderTranslation(result: TranslationResult): string[] {
  if (!result.ran) return ["### Translation (Anthropic client → OpenAI Chat upstream)", "", `Not measured: ${result.reason}`, ""];
  const lat = result.latency as unknown as Rounds;
  const streams = result.streams as unknown as Rounds;
  const bursts = result.bursts as unknown as Rounds;
  const perEvent = (target: string, baseline: string) =>
    summarise(result.bursts.map((round) => (round[target]!.totalP50 - round[baseline]!.totalP50) / result.burstEvents));
  const µs = (spread: Spread) => formatSpread(spread, (value) => `${(value * 1000).toFixed(1)} µs`);
  return [
    "### Translation (Anthropic client → OpenAI Chat upstream)",
    "",
    "Cost of translation = translated − native Anthropic passthrough, both through the gateway, same round.",
    "",
    "| Metric | Native passthrough | Translated | Cost of translation |",
    "|---|---|---|---|",
    `| Request latency p50 (c=1) | ${ms(absolute(lat, "native", "p50"))} | ${ms(absolute(lat, "translated", "p50"))} | ${ms(added(lat, "translated", "p50", "native"))} per request |`,
    `| Request latency p99 (c=1) | ${ms(absolute(lat, "native", "p99"))} | ${ms(absolute(lat, "translated", "p99"))} | ${ms(added(lat, "translated", "p99", "native"))} |`,
    `| Stream TTFT p50 | ${ms(absolute(streams, "native", "ttftP50"))} | ${ms(absolute(streams, "translated", "ttftP50"))} | ${ms(added(streams, "translated", "ttftP50", "native"))} |`,
    `| Inter-event gap p50 | ${ms(absolute(streams, "native", "gapP50"))} | ${ms(absolute(streams, "translated", "gapP50"))} | ${ms(added(streams, "translated", "gapP50", "native"))} per stream event |`,
    `| Inter-event gap p99 | ${ms(absolute(streams, "native", "gapP99"))} | ${ms(absolute(streams, "translated", "gapP99"))} | ${ms(added(streams, "translated", "gapP99", "native"))} |`,
    `| Unpaced stream of ${result.burstEvents} events, total p50 (direct: ${ms(absolute(bursts, "direct", "totalP50"))}) | ${ms(absolute(bursts, "native", "totalP50"))} | ${ms(absolute(bursts, "translated", "totalP50"))} | **${µs(perEvent("translated", "native"))} per stream event** |`,
    "",
    `Per stream event, the native relay costs ${µs(perEvent("native", "direct"))} over a direct call (same unpaced stream). The paced rows mostly show the mock's 10 ms pacing; the unpaced row is the per-event figure.`,
    "",
  ];
}

/** The whole report as markdown. */
export function renderReport(results: BenchResults): string {
  const { meta } = results;
  const tp = results.throughput as unknown as Rounds;
  const st = results.streams as unknown as Rounds;
  const tpRatio = summarise(tp.map((round) => metricOf(round, "gateway", "rps") / metricOf(round, "floor", "rps")));
  const ttftAdded = added(st, "gateway", "ttftP50");
  const mem = (reading?: MemoryReading) => (reading ? `${reading.rssMb.toFixed(1)} MB` : "n/a");
  const cold = summarise(results.coldStartMs);
  const streamCell = (name: string) =>
    `${ms(name === "direct" ? absolute(st, name, "ttftP50") : added(st, name, "ttftP50"))} | ${ms(name === "direct" ? absolute(st, name, "ttftP99") : added(st, name, "ttftP99"))} | ${ms(name === "direct" ? absolute(st, name, "gapP50") : added(st, name, "gapP50"))} | ${ms(name === "direct" ? absolute(st, name, "gapP99") : added(st, name, "gapP99"))} | ${absolute(st, name, "deltasPerStream").median.toFixed(1)} / ${absolute(st, name, "readsPerStream").median.toFixed(1)}`;
  const lines = [
    `## Benchmark: gateway vs floor vs direct (${meta.mode})`,
    "",
    `${meta.date} · commit ${meta.commit} · Bun ${meta.bunVersion} · ${meta.cpu} × ${meta.cores} · ${meta.pinned ? "latency runs pinned (target on CPU 1, client + upstream on CPU 0)" : "unpinned"} · binary ${meta.binary} (${meta.binarySizeMb.toFixed(0)} MB)`,
    "",
    "*direct* = client → mock; *floor* = client → 20-line Bun.serve + fetch passthrough → mock; *gateway* = client → compiled gatewayd → mock.",
    "Added = target − direct in the same round; cells show the median over rounds (min – max). p99 over a few seconds on a shared 2-core VM is noisy; read the p50 rows and ratios first.",
    "",
    "### Non-streaming, native OpenAI Chat passthrough, 1 connection",
    "",
    "| Scenario | Direct | Floor added | Gateway added | Gateway / floor (added) | Target |",
    "|---|---|---|---|---|---|",
    ...latencyRows("Small body", results.latencySmall),
    ...latencyRows(`${(results.largeBodyBytes / 1024).toFixed(1)} KB body`, results.latencyLarge),
    ...latencyRows("Small body, database on disk (gateway-disk)", results.latencySmall, "gateway-disk"),
    "",
    results.latencySmall[0]?.["gateway-disk"]
      ? "*gateway* keeps its SQLite database on tmpfs (/dev/shm) so these rows are the gateway's own cost; *gateway-disk* is the same binary with the database on this VM's disk and the default `synchronous=FULL`: every answer waits for its ledger row's commit (fsync), as reliability requires."
      : "",
    "",
    `### Throughput, closed loop, ${results.connections} connections, small body (${results.loadGenerator}, unpinned)`,
    "",
    "| Target | req/s | p50 | p99 | CPU per request (its process) |",
    "|---|---|---|---|---|",
    ...["direct", "floor", "gateway", "gateway-disk"]
      .filter((name) => results.throughput[0]?.[name])
      .map((name) => `| ${name} | ${formatSpread(absolute(tp, name, "rps"), formatRate)} | ${ms(absolute(tp, name, "p50"))} | ${ms(absolute(tp, name, "p99"))} | ${ms(absolute(tp, name, "cpuMsPerRequest"))} |`),
    `| **gateway / floor** | **${ratio(tpRatio)}** (target ≥ 0.8 ${verdict(tpRatio.median >= 0.8)}) | | | ${ratio(ratioToFloor(tp, "gateway", "cpuMsPerRequest"))} |`,
    "",
    `### Streaming, native Anthropic Messages, ${results.streamShape.chunks} chunks × ${results.streamShape.intervalMs} ms`,
    "",
    "| Target | TTFT p50 | TTFT p99 | Gap p50 | Gap p99 | Deltas / reads per stream |",
    "|---|---|---|---|---|---|",
    `| direct (absolute) | ${streamCell("direct")} |`,
    `| floor (added) | ${streamCell("floor")} |`,
    `| gateway (added) | ${streamCell("gateway")} |`,
    `| **gateway added TTFT p50** | **${ms(ttftAdded)}** (target < 1 ms ${verdict(ttftAdded.median < 1)}) | | | | |`,
    "",
    "### Memory and start-up (compiled gatewayd)",
    "",
    "| Idle RSS | RSS after load | Peak RSS (VmHWM) | Cold start to first 200 on /health |",
    "|---|---|---|---|",
    `| ${mem(results.memory.idle)} | ${mem(results.memory.afterLoad)} | ${results.memory.afterLoad ? `${results.memory.afterLoad.hwmMb.toFixed(1)} MB` : "n/a"} | ${formatSpread(cold, (value) => `${value.toFixed(1)} ms`)} over ${results.coldStartMs.length} starts |`,
    "",
    ...renderTranslation(results.translation),
  ];
  return `${lines.join("\n")}\n`;
}
