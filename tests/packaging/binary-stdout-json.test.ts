// The README promises JSON lines on stdout (log shippers parse each line). In the compiled
// binary a Responses WebSocket handshake once printed Elysia's "[Sucrose] warning" with the
// route hook's source, several plain-text lines, because the hook was a method shorthand that
// Elysia's static analysis could not parse in the bundled code. Only the binary showed it.
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { buildDaemonEnv, findFreePort, getHostBinary, makeTempDir } from "./support/packaging-harness";

const dataDir = makeTempDir("tgw-stdout-");
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** One Responses WebSocket turn on the loopback model; resolves with the last event's type. */
function webSocketTurn(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/responses`);
    socket.onopen = () => socket.send(JSON.stringify({ type: "response.create", model: "loopback", input: "hi" }));
    socket.onmessage = (event) => {
      const { type } = JSON.parse(String(event.data)) as { type: string };
      if (type === "response.completed" || type === "error") {
        socket.close();
        resolve(type);
      }
    };
    socket.onerror = () => reject(new Error("websocket error"));
  });
}

test("the compiled daemon's stdout stays JSON lines through HTTP and WebSocket traffic", async () => {
  const host = await getHostBinary();
  const port = findFreePort();
  const daemon = Bun.spawn([host.gatewayd], { env: buildDaemonEnv(dataDir, port), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const stdout = new Response(daemon.stdout).text();
  try {
    const deadline = Date.now() + 15_000;
    while (!(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline || daemon.exitCode !== null) throw new Error("daemon did not start");
      await Bun.sleep(100);
    }
    const chat = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "loopback", messages: [{ role: "user", content: "x" }] }) });
    expect(chat.status).toBe(200);
    expect(await webSocketTurn(port)).toBe("response.completed");
  } finally {
    daemon.kill("SIGTERM");
    await daemon.exited;
  }
  const lines = (await stdout).split("\n").filter((line) => line !== "");
  expect(lines.length).toBeGreaterThan(3);
  expect(lines.filter((line) => !line.startsWith("{"))).toEqual([]);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
}, 120_000);
