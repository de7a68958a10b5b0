/**
 * CPU per request of the gateway's own request path, in one process and without sockets: the
 * real app (auth, body, routing, upstream call wrapper, answer, metrics, log line, SQLite ledger
 * journal and mover) handles Chat Completions requests through `app.handle()`, and the upstream
 * is a `fetch` that answers at once with the bench mock's small completion. A 20-line handler
 * doing what the bench's floor does, with the same fake `fetch`, runs in alternating rounds.
 *
 *   node_modules/.bin/bun scripts/bench/request-path-cost.ts [--requests 100000] [--rounds 3] [--log-level info] >/dev/null
 *
 * The report goes to stderr: stdout carries the gateway's log lines, as in the bench (where it is /dev/null).
 *
 * Why it exists: the throughput run (ab.ts, wrk) differs by ~0.06x between two entries of the
 * same binary, which hides any change worth less than ~8 µs per request. Without sockets, wrk and
 * the mock, this one repeats within a few percent, so a change to the request path can be
 * measured alone, and profiled (`bun --cpu-prof-md`) without the network in the samples.
 * What it leaves out: Bun.serve's own request handling, the real upstream socket and the
 * hand-off to fetch's thread, which the floor pays too (README "Performance").
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createOpenAuthenticator } from "../../src/auth/open-authenticator";
import { loadConfig } from "../../src/config/load";
import { buildServices } from "../../src/daemon";
import { buildProxyDeps } from "../../src/gateway";
import { createApp } from "../../src/http/app";
import { createLogger } from "../../src/log/logger";
import { bodies, openaiModel } from "./fixtures";

const { values: flags } = parseArgs({
  options: { requests: { type: "string", default: "100000" }, rounds: { type: "string", default: "3" }, concurrency: { type: "string", default: "32" }, "log-level": { type: "string", default: "info" } },
});
const requests = Number(flags.requests);
const concurrency = Number(flags.concurrency);

// The mock's non-streaming answer (scripts/bench/mock.ts), with usage, so the ledger row is real.
const answer = new TextEncoder().encode(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: 1_700_000_000,
    model: openaiModel,
    choices: [{ index: 0, message: { role: "assistant", content: "Benchmark answer. ".repeat(8).trim(), refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 42, completion_tokens: 20, total_tokens: 62 },
    system_fingerprint: "fp_bench",
  }),
);
globalThis.fetch = (async () => new Response(answer, { status: 200, headers: { "content-type": "application/json" } })) as unknown as typeof fetch;

const body = bodies.openaiSmall;
const requestHeaders = { "content-type": "application/json", "content-length": String(body.byteLength) };

// The bench's floor (scripts/bench/floor.ts) as a handler: read the body, forward it, stream the answer back.
async function floor(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const forwarded = await request.arrayBuffer();
  const upstream = await fetch(`http://upstream${url.pathname}`, { method: "POST", body: forwarded, headers: { "content-type": "application/json" } });
  return new Response(upstream.body, { status: upstream.status, headers: { "content-type": upstream.headers.get("content-type") ?? "application/json" } });
}

// The gateway with its defaults, as the bench runs it (stdout log at the chosen level, SQLite
// ledger), its database on tmpfs when there is one. `upstream.client = fetch`: the fake above
// stands in for the network, which the gateway's own HTTP/1.1 client would use instead.
const dataDir = mkdtempSync(join(process.platform === "linux" ? "/dev/shm" : tmpdir(), "request-path-cost-"));
process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));
const loaded = loadConfig({
  env: {
    HOME: dataDir,
    TOKLIGENCE_CONFIG_DIR: join(dataDir, "no-config"),
    TOKLIGENCE_DATA_DIR: dataDir,
    TOKLIGENCE_OPENAI_API_KEY: "sk-bench-openai-000000",
    TOKLIGENCE_OPENAI_BASE_URL: "http://upstream.invalid/v1",
    TOKLIGENCE_LOG__FILE: "false",
    TOKLIGENCE_LOG_LEVEL: flags["log-level"],
    TOKLIGENCE_UPSTREAM__CLIENT: "fetch",
  },
});
const logger = await createLogger(loaded.config);
const services = await buildServices(loaded, logger);
const proxy = buildProxyDeps(loaded.config, logger, services);
const app = createApp({ config: loaded.config, proxy, auth: services.auth ?? createOpenAuthenticator(), adminRoutes: services.adminRoutes, isDraining: () => false }, ["openai_core", "openai_responses", "anthropic", "admin", "health"]);
const gateway = (request: Request) => app.handle(request);

/** `count` requests through `handle`, `concurrency` at a time; CPU µs per request (all threads). */
async function measure(handle: (request: Request) => Promise<Response>, count: number): Promise<number> {
  let left = count;
  const worker = async () => {
    while (left-- > 0) {
      const response = await handle(new Request("http://127.0.0.1:8081/v1/chat/completions", { method: "POST", body, headers: requestHeaders }));
      const text = await response.text();
      if (response.status !== 200) throw new Error(`status ${response.status}: ${text.slice(0, 200)}`);
    }
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const results = { floor: [] as number[], gateway: [] as number[] };
// Warm-up: both paths JIT-compiled, the ledger's tables and statements in use.
await measure(floor, 20_000);
await measure(gateway, 20_000);
for (let round = 0; round < Number(flags.rounds); round++) {
  results.floor.push(await measure(floor, requests));
  results.gateway.push(await measure(gateway, requests));
  // The ledger mover and the log buffer catch up between rounds, not inside the next one.
  await Bun.sleep(200);
}
const show = (values: number[]) => `${median(values).toFixed(2)} µs (${values.map((value) => value.toFixed(2)).join(", ")})`;
console.error(`CPU per request, ${requests} requests × ${flags.rounds} rounds, ${concurrency} at a time, log level ${flags["log-level"]}:`);
console.error(`  floor handler  ${show(results.floor)}`);
console.error(`  gateway        ${show(results.gateway)}`);
console.error(`  gateway's own request path: ${(median(results.gateway) - median(results.floor)).toFixed(2)} µs per request`);
await services.flushLedger();
await services.ledger?.close();
await services.close();
logger.flush();
process.exit(0);
