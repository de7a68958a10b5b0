// The compiled daemon serving real traffic: a loopback stream on both APIs through the same
// binary the other packaging tests build (getHostBinary compiles once per test process).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { SseDecoder } from "../../src/streaming/sse-decoder";
import type { SseEvent } from "../../src/streaming/sse-event";
import { buildDaemonEnv, findFreePort, getHostBinary, makeTempDir, type RunningDaemon, startDaemon } from "./support/packaging-harness";

let daemon: RunningDaemon;
let dataDir: string;

beforeAll(async () => {
  const host = await getHostBinary();
  dataDir = makeTempDir("tgw-serve-");
  const port = findFreePort();
  daemon = await startDaemon([host.gatewayd], buildDaemonEnv(dataDir, port, { TOKLIGENCE_LOG_LEVEL: "warn" }), port);
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** POST a streaming request; returns status, content type, the decoded events and how many reads carried them. */
async function stream(path: string, body: object, headers: Record<string, string> = {}) {
  const response = await fetch(`${daemon.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  const reader = response.body!.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    events.push(...decoder.push(value));
  }
  events.push(...decoder.end());
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", events };
}

describe("compiled gatewayd streams the loopback model", () => {
  test("/health reports the version and the commit baked in at build time", async () => {
    const host = await getHostBinary();
    const health = (await (await fetch(`${daemon.url}/health`)).json()) as { version: string; commit: string };
    expect(health).toMatchObject({ version: host.version, commit: host.commit });
    expect(host.commit).not.toBe("dev");
  });

  test("/v1/chat/completions stream:true: chat.completion.chunk events with the echoed text, finish_reason stop, then [DONE]", async () => {
    const { status, contentType, events } = await stream("/v1/chat/completions", { model: "loopback", stream: true, messages: [{ role: "user", content: "binary stream check" }] });
    expect(status).toBe(200);
    expect(contentType).toStartWith("text/event-stream");
    expect(events.length).toBeGreaterThan(3);
    expect(events.at(-1)!.data).toBe("[DONE]");
    expect(events.filter((event) => event.data === "[DONE]")).toHaveLength(1);
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data) as { object: string; model: string; choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }> });
    for (const chunk of chunks) expect(chunk).toMatchObject({ object: "chat.completion.chunk", model: "loopback" });
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("[loopback] binary stream check");
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(["stop"]);
  });

  test("/v1/messages stream:true: message_start … content_block_delta … message_stop in order", async () => {
    const { status, events } = await stream("/v1/messages", { model: "loopback", max_tokens: 50, stream: true, messages: [{ role: "user", content: "anthropic through the binary" }] }, { "anthropic-version": "2023-06-01" });
    expect(status).toBe(200);
    const names = events.map((event) => event.event).filter((name) => name !== "ping");
    expect(names[0]).toBe("message_start");
    expect(names.at(-1)).toBe("message_stop");
    expect(names).toContain("message_delta");
    for (const event of events) expect((JSON.parse(event.data) as { type: string }).type).toBe(event.event!);
    const text = events
      .filter((event) => event.event === "content_block_delta")
      .map((event) => (JSON.parse(event.data) as { delta: { text?: string } }).delta.text ?? "")
      .join("");
    expect(text).toBe("[loopback] anthropic through the binary");
  });
});
