/**
 * What the upstream HTTP client costs: CPU per request of Bun's `fetch` against a bare
 * HTTP/1.1 exchange on `Bun.connect` (keep-alive, one request in flight per connection), both
 * against the bench mock with the bench's small chat body, in alternating rounds.
 *
 *   node_modules/.bin/bun scripts/bench/client-cost.ts [--connections 16] [--requests 40000]
 *
 * Why it exists: `fetch` hands every request to Bun's HTTP client thread and every answer back,
 * two cross-thread wake-ups per request. This measures what that costs here, and so what an
 * in-process upstream client could save (README "Performance"). The socket side is a
 * measuring probe, not a client: it understands only the mock's content-length answers.
 * `call/fetch` and `call/auto` are the gateway's own `callUpstream` (deadlines, abort hook)
 * through `fetch` and through the gateway's HTTP/1.1 client (src/upstream/http1).
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bodies } from "./fixtures";
import { callUpstream } from "../../src/upstream/client";
import { installCleanupHandlers, startReadyScript } from "./processes";

const { values: flags } = parseArgs({ options: { connections: { type: "string", default: "16" }, requests: { type: "string", default: "40000" } } });
const connections = Number(flags.connections);
const requests = Number(flags.requests);

installCleanupHandlers();
const mock = await startReadyScript(join(resolve(import.meta.dir, "../.."), "scripts/bench/mock.ts"), ["--port", "0"], "upstream mock");
const path = "/v1/chat/completions";
const body = new TextDecoder().decode(bodies.openaiSmall);
const headers = { "content-type": "application/json", authorization: "Bearer sk-bench" };

const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

async function runFetch(): Promise<void> {
  let left = requests;
  const worker = async () => {
    while (left-- > 0) await (await fetch(`http://127.0.0.1:${mock.port}${path}`, { method: "POST", body, headers })).text();
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

/** One keep-alive connection: `send()` writes the request and resolves with the answer's body. */
async function openProbe(): Promise<() => Promise<string>> {
  let pending: ((text: string) => void) | undefined;
  let received = "";
  const head = [`POST ${path} HTTP/1.1`, "host: 127.0.0.1", ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), `content-length: ${Buffer.byteLength(body)}`, "", ""].join("\r\n");
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: mock.port,
    socket: {
      data(_socket, chunk) {
        received += chunk.toString();
        const headEnd = received.indexOf("\r\n\r\n");
        const length = Number(/content-length:\s*(\d+)/i.exec(received.slice(0, headEnd))?.[1] ?? NaN);
        if (headEnd < 0 || Buffer.byteLength(received) - headEnd - 4 < length) return;
        const text = received.slice(headEnd + 4);
        received = "";
        pending?.(text);
      },
    },
  });
  return () =>
    new Promise<string>((resolveAnswer) => {
      pending = resolveAnswer;
      socket.write(head + body);
    });
}

async function runSocket(): Promise<void> {
  let left = requests;
  const worker = async () => {
    const send = await openProbe();
    while (left-- > 0) await send();
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

/** The gateway's own upstream call (deadlines, abort hook) through either of its clients. */
function runGatewayCall(client: "auto" | "fetch"): () => Promise<void> {
  const deadlines = { connectTimeoutMs: 10_000, responseTimeoutMs: 10_000, firstByteTimeoutMs: 10_000, idleTimeoutMs: 10_000, client };
  return async () => {
    let left = requests;
    const worker = async () => {
      while (left-- > 0) await (await callUpstream(`http://127.0.0.1:${mock.port}${path}`, { headers, body, streamed: false }, undefined, deadlines)).readText();
    };
    await Promise.all(Array.from({ length: connections }, worker));
  };
}

const variants = [
  ["fetch", runFetch],
  ["socket", runSocket],
  ["call/fetch", runGatewayCall("fetch")],
  ["call/auto", runGatewayCall("auto")],
] as const;
for (let round = 1; round <= 3; round++) {
  for (const [name, run] of variants) {
    const cpuBefore = cpuMicros();
    const started = performance.now();
    await run();
    const seconds = (performance.now() - started) / 1000;
    console.log(`round ${round} ${name.padEnd(10)} ${((cpuMicros() - cpuBefore) / requests).toFixed(1)} µs CPU/request, ${(requests / seconds).toFixed(0)} req/s`);
  }
}
process.exit(0);
