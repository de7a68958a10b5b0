/**
 * `npm run bench`: the gateway's compiled binary against the floor (a minimal Bun passthrough) and
 * direct calls to a fast mock, all in one run, on the protocol of performance.md §6: interleaved
 * rounds, ratios taken in the same window (this 2-core VM's absolute numbers swing up to 2.7×),
 * latency runs pinned so the target has a core to itself.
 *
 *   bun scripts/bench.ts [--quick] [--rounds N] [--latency-seconds S] [--throughput-seconds S]
 *                        [--connections N] [--streams N] [--cold-starts N] [--no-pin] [--out FILE]
 *                        [--client auto|bun|wrk] [--chunks N] [--interval-ms M]
 *
 * Prints a markdown table and writes it to bench-results/latest.md (results are not committed).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bodies, burstEvents } from "./bench/fixtures";
import { type Target, measureClosedLoop, measureSequential, probe } from "./bench/load";
import { type BenchResults, type TranslationResult, renderReport } from "./bench/report";
import { existsSync } from "node:fs";
import { benchGatewayEnv, buildGatewayBinary, canPin, installCleanupHandlers, pinProcess, readCpuMs, readMemory, startGateway, startReadyScript, stopAllChildren } from "./bench/processes";
import { type ClosedLoopGenerator, type Probe, bunClosedLoop, runLatencyRounds, runStreamRounds, runThroughputRounds } from "./bench/scenarios";
import { hasWrk, measureClosedLoopWithWrk } from "./bench/wrk";

const root = resolve(import.meta.dir, "..");
const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    "latency-seconds": { type: "string" },
    "throughput-seconds": { type: "string" },
    connections: { type: "string", default: "32" },
    streams: { type: "string" },
    "cold-starts": { type: "string" },
    chunks: { type: "string", default: "20" },
    "interval-ms": { type: "string", default: "10" },
    "no-pin": { type: "boolean", default: false },
    // Throughput load generator: "auto" uses wrk when installed, else the Bun client.
    client: { type: "string", default: "auto" },
    out: { type: "string", default: join(root, "bench-results", "latest.md") },
  },
});
// --quick is a ~30 s smoke run; the default is the ~2.5 min protocol run.
const quick = flags.quick ?? false;
const settings = {
  rounds: Number(flags.rounds ?? (quick ? 3 : 5)),
  latencySeconds: Number(flags["latency-seconds"] ?? (quick ? 0.8 : 2)),
  throughputSeconds: Number(flags["throughput-seconds"] ?? (quick ? 1 : 3)),
  connections: Number(flags.connections),
  streams: Number(flags.streams ?? (quick ? 5 : 12)),
  coldStarts: Number(flags["cold-starts"] ?? (quick ? 3 : 7)),
  chunks: Number(flags.chunks),
  intervalMs: Number(flags["interval-ms"]),
};
const pinned = !flags["no-pin"] && canPin();
const anthropicDeltaMarker = "event: content_block_delta";

const log = (message: string) => console.error(`[bench] ${message}`);

function describeMachine() {
  const cpuInfo = (() => {
    try {
      return /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? "unknown CPU";
    } catch {
      return "unknown CPU";
    }
  })();
  const commit = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: root }).stdout.toString().trim() || "unknown";
  return { cpu: cpuInfo, commit, cores: navigator.hardwareConcurrency };
}

async function main() {
  installCleanupHandlers();
  const work = mkdtempSync(join(tmpdir(), "tokligence-bench-"));
  process.on("exit", () => rmSync(work, { recursive: true, force: true }));

  log("building the compiled gateway…");
  const binary = buildGatewayBinary(root, work);
  log(`${binary.built ? "built" : "using"} ${binary.path}`);

  const mockArgs = ["--port", "0", "--chunks", String(settings.chunks), "--interval-ms", String(settings.intervalMs)];
  // Two identical mocks: `upstream` behind floor and gateway (shares CPU 0 with the client when
  // pinned), `directMock` as the direct target (on CPU 1, where floor and gateway run), so the
  // pinned baseline has the same layout as the measured paths (§6.4).
  const upstream = await startReadyScript(join(root, "scripts/bench/mock.ts"), mockArgs, "upstream mock");
  const directMock = await startReadyScript(join(root, "scripts/bench/mock.ts"), mockArgs, "direct mock");
  const upstreamBase = `http://127.0.0.1:${upstream.port}`;
  const floor = await startReadyScript(join(root, "scripts/bench/floor.ts"), ["--port", "0", "--upstream", upstreamBase], "floor");

  // The measured gateway keeps its database on tmpfs when there is one, so its numbers are the
  // gateway's own cost, not this VM's fsync latency; "gateway-disk" is the same binary with the
  // database on disk (default synchronous=FULL), measured beside it to show what the durable
  // ledger commit adds (reliability-anchors §2.13: the row is committed before the answer).
  const memoryDir = existsSync("/dev/shm") ? mkdtempSync("/dev/shm/tokligence-bench-") : undefined;
  if (memoryDir) process.on("exit", () => rmSync(memoryDir, { recursive: true, force: true }));
  const gatewayEnv: Record<string, string> = {
    ...benchGatewayEnv(work, upstreamBase, join(memoryDir ?? work, "data")),
    // The translation slot: this model goes to the OpenAI provider although the client speaks Anthropic.
    TOKLIGENCE_ROUTES: "claude-bench-xlate*=>openai",
  };
  const gateway = await startGateway(binary.path, gatewayEnv, work);
  const diskGateway = memoryDir ? await startGateway(binary.path, { ...gatewayEnv, TOKLIGENCE_DATA_DIR: join(work, "data-disk") }, work) : undefined;
  await Bun.sleep(200);
  const idleMemory = readMemory(gateway.pid);

  const targets: { direct: Target; floor: Target; gateway: Target } = {
    direct: { name: "direct", base: `http://127.0.0.1:${directMock.port}`, pid: directMock.pid },
    floor: { name: "floor", base: `http://127.0.0.1:${floor.port}`, pid: floor.pid },
    gateway: { name: "gateway", base: `http://127.0.0.1:${gateway.port}`, pid: gateway.pid },
  };
  const diskTarget: Target | undefined = diskGateway ? { name: "gateway-disk", base: `http://127.0.0.1:${diskGateway.port}`, pid: diskGateway.pid } : undefined;
  const allOn = (path: string, body: Uint8Array<ArrayBuffer>): Probe[] => Object.values(targets).map((target) => ({ target, path, body }));
  const withDisk = (probes: Probe[]): Probe[] => (diskTarget ? [...probes, { target: diskTarget, path: probes[0]!.path, body: probes[0]!.body }] : probes);
  const chatPath = "/v1/chat/completions";
  const messagesPath = "/v1/messages";

  // Peers must really serve the route before being measured (GetBusbar's rule, §6.4).
  for (const { target, path, body } of [...allOn(chatPath, bodies.openaiLarge), ...allOn(messagesPath, bodies.anthropicStream)]) {
    const answer = await probe(target.base + path, body);
    if (answer.status !== 200) throw new Error(`${target.name} ${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  }

  const pinForLatency = () => {
    if (!pinned) return;
    for (const pid of [gateway.pid, floor.pid, directMock.pid, ...(diskGateway ? [diskGateway.pid] : [])]) pinProcess(pid, "1");
    for (const pid of [upstream.pid, process.pid]) pinProcess(pid, "0");
  };
  const unpin = () => {
    if (!pinned) return;
    for (const pid of [gateway.pid, floor.pid, directMock.pid, upstream.pid, process.pid, ...(diskGateway ? [diskGateway.pid] : [])]) pinProcess(pid, "0-1");
  };

  log("warming up…");
  for (const { target, path, body } of [...withDisk(allOn(chatPath, bodies.openaiSmall)), ...allOn(chatPath, bodies.openaiLarge)]) {
    await measureSequential(target.base + path, body, quick ? 300 : 800);
    await measureClosedLoop(target.base + path, body, 8, quick ? 200 : 500);
  }

  pinForLatency();
  log(`latency, small body: ${settings.rounds} rounds × ${settings.latencySeconds} s per target`);
  const latencySmall = await runLatencyRounds(withDisk(allOn(chatPath, bodies.openaiSmall)), settings.rounds, settings.latencySeconds);
  log(`latency, ${bodies.openaiLarge.length} B body`);
  const latencyLarge = await runLatencyRounds(allOn(chatPath, bodies.openaiLarge), settings.rounds, settings.latencySeconds);

  log(`streaming: ${settings.rounds} rounds × ${settings.streams} streams per target`);
  const streams = await runStreamRounds(allOn(messagesPath, bodies.anthropicStream), settings.rounds, settings.streams, anthropicDeltaMarker);

  const translation = await measureTranslation(targets.gateway, targets.direct, upstreamBase, settings.rounds);

  unpin();
  const useWrk = flags.client === "wrk" || (flags.client === "auto" && hasWrk());
  if (flags.client === "wrk" && !hasWrk()) throw new Error("--client wrk: wrk is not installed (apt-get install wrk)");
  const generate: ClosedLoopGenerator = useWrk
    ? async (url, body, connections, durationMs) => {
        const run = await measureClosedLoopWithWrk(url, body, connections, durationMs, work);
        return { rps: run.requestsPerSecond, p50: run.p50, p99: run.p99, errors: run.errors };
      }
    : bunClosedLoop;
  log(`throughput (${useWrk ? "wrk -t1" : "Bun client"}): ${settings.connections} connections, ${Math.min(settings.rounds, 3)} rounds × ${settings.throughputSeconds} s per target`);
  const throughput = await runThroughputRounds(withDisk(allOn(chatPath, bodies.openaiSmall)), Math.min(settings.rounds, 3), settings.throughputSeconds, settings.connections, generate, readCpuMs);
  const afterLoadMemory = readMemory(gateway.pid);
  gateway.stop();
  diskGateway?.stop();

  log(`cold start: ${settings.coldStarts} starts`);
  const coldStartMs: number[] = [];
  for (let index = 0; index < settings.coldStarts; index++) {
    const started = await startGateway(binary.path, gatewayEnv, work);
    coldStartMs.push(started.startMs);
    started.stop();
    await Bun.sleep(50);
  }

  const machine = describeMachine();
  const results: BenchResults = {
    meta: {
      date: new Date().toISOString().slice(0, 16).replace("T", " "),
      commit: machine.commit,
      bunVersion: Bun.version,
      cpu: machine.cpu,
      cores: machine.cores,
      pinned,
      mode: quick ? "--quick" : "full run",
      binary: binary.built ? "built by the bench with bun build --compile --minify-whitespace --minify-syntax" : "bin/gatewayd",
      binarySizeMb: statSync(binary.path).size / 1024 / 1024,
    },
    largeBodyBytes: bodies.openaiLarge.length,
    latencySmall,
    latencyLarge,
    throughput,
    connections: settings.connections,
    loadGenerator: useWrk ? "wrk -t1" : "Bun fetch client",
    streams,
    streamShape: { chunks: settings.chunks, intervalMs: settings.intervalMs },
    memory: { idle: idleMemory, afterLoad: afterLoadMemory },
    coldStartMs,
    translation,
  };
  const report = renderReport(results);
  stopAllChildren();
  mkdirSync(dirname(flags.out!), { recursive: true });
  writeFileSync(flags.out!, report);
  writeFileSync(flags.out!.replace(/\.md$/, ".json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log(report);
  log(`written to ${flags.out}`);
}

/**
 * Translation slot: Anthropic client → OpenAI Chat upstream. Runs only when the gateway answers
 * the translated route with 200 and the request really reached the mock's OpenAI route; the
 * baseline is the native Anthropic passthrough through the same gateway in the same rounds.
 */
async function measureTranslation(gateway: Target, direct: Target, upstreamBase: string, rounds: number): Promise<TranslationResult> {
  // A mock without the counter yields NaN, which never equals before + 1: the slot is skipped.
  const countOpenai = async () => ((await (await fetch(`${upstreamBase}/__stats`)).json()) as Record<string, number>).openai_json ?? NaN;
  const before = await countOpenai();
  const answer = await probe(gateway.base + "/v1/messages", bodies.translatedSmall);
  if (answer.status !== 200) return { ran: false, reason: `the gateway answered ${answer.status} (${answer.text.slice(0, 160).replace(/\|/g, "/")}).` };
  if ((await countOpenai()) !== before + 1) return { ran: false, reason: "the gateway answered 200 but the request did not reach the OpenAI upstream." };
  log("translation: Anthropic client → OpenAI upstream");
  const native: Target = { name: "native", base: gateway.base };
  const translated: Target = { name: "translated", base: gateway.base };
  const latency = await runLatencyRounds(
    [
      { target: native, path: "/v1/messages", body: bodies.anthropicSmall },
      { target: translated, path: "/v1/messages", body: bodies.translatedSmall },
    ],
    rounds,
    settings.latencySeconds,
  );
  const streams = await runStreamRounds(
    [
      { target: native, path: "/v1/messages", body: bodies.anthropicStream },
      { target: translated, path: "/v1/messages", body: bodies.translatedStream },
    ],
    rounds,
    settings.streams,
    anthropicDeltaMarker,
  );
  // Per event: unpaced streams of `burstEvents` deltas; (total time difference) / events.
  const bursts = await runStreamRounds(
    [
      { target: direct, path: "/v1/messages", body: bodies.anthropicBurst },
      { target: native, path: "/v1/messages", body: bodies.anthropicBurst },
      { target: translated, path: "/v1/messages", body: bodies.translatedBurst },
    ],
    rounds,
    settings.streams,
    anthropicDeltaMarker,
  );
  return { ran: true, latency, streams, bursts, burstEvents };
}

await main().catch((error) => {
  stopAllChildren();
  console.error(`[bench] failed: ${error instanceof Error ? error.stack : error}`);
  process.exit(1);
});
process.exit(0);
