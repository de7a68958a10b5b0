/**
 * The floor: the least a Bun gateway can do (performance.md §4, §6.5). Bun.serve takes the
 * request, fetch forwards method, path and body to the upstream, and the upstream's body is
 * returned as a stream so SSE chunks pass as they arrive. Our gateway's added latency is read
 * against this one's, in the same window, so machine noise cancels.
 *
 * Run: bun scripts/bench/floor.ts --port 0 --upstream http://127.0.0.1:<mock>
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" }, upstream: { type: "string" } } });
const upstream = values.upstream ?? "http://127.0.0.1:1";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  async fetch(request) {
    const url = new URL(request.url);
    const body = request.method === "GET" ? undefined : await request.arrayBuffer();
    const answer = await fetch(upstream + url.pathname + url.search, { method: request.method, body, headers: { "content-type": request.headers.get("content-type") ?? "application/json" } });
    return new Response(answer.body, { status: answer.status, headers: { "content-type": answer.headers.get("content-type") ?? "application/json" } });
  },
});
console.log(`READY ${server.port}`);
