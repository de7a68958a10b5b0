/** A Responses WebSocket client for tests: frames parsed as they arrive, and waits on their types. */

/** The WebSocket URL of a gateway's GET /v1/responses. */
export const wsUrl = (httpUrl: string) => `${httpUrl.replace(/^http/, "ws")}/v1/responses`;

export interface OpenSocket {
  socket: WebSocket;
  /** Frames received so far, parsed. */
  frames: Array<Record<string, any>>;
  /** Resolves with the first frame after `from` whose type is one of `types`. */
  until(types: string[], from?: number): Promise<Record<string, any>>;
  closed: Promise<{ code: number; reason: string }>;
}

export function openSocket(url: string, headers: Record<string, string> = {}): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers } as any);
    const frames: Array<Record<string, any>> = [];
    const waiters: Array<() => void> = [];
    socket.onmessage = (event) => {
      frames.push(JSON.parse(String(event.data)));
      for (const wake of waiters.splice(0)) wake();
    };
    const closed = new Promise<{ code: number; reason: string }>((done) => (socket.onclose = (event) => done({ code: event.code, reason: event.reason })));
    const until = async (types: string[], from = 0) => {
      for (;;) {
        const found = frames.slice(from).find((frame) => types.includes(frame.type));
        if (found) return found;
        await new Promise<void>((wake) => waiters.push(wake));
      }
    };
    socket.onopen = () => resolve({ socket, frames, until, closed });
    socket.onerror = (event) => reject(new Error((event as any).message ?? "websocket error"));
  });
}

/** Send one response.create. */
export const sendCreate = (open: OpenSocket, event: Record<string, unknown>) => open.socket.send(JSON.stringify({ type: "response.create", ...event }));

/** Send a response.create and wait for its end (completed, failed or an error event). */
export async function turn(open: OpenSocket, event: Record<string, unknown>): Promise<Record<string, any>> {
  const mark = open.frames.length;
  sendCreate(open, event);
  return open.until(["response.completed", "response.failed", "error"], mark);
}

/** A masked client text frame (RFC 6455 §5.2), for a peer written by hand. */
function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  if (payload.length > 0xffff) throw new Error("frame too long for this test peer");
  return Buffer.concat([Buffer.from([0x81]), length, mask, Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!))]);
}

/**
 * A peer that opens a Responses WebSocket by hand, sends `messages`, and then never answers a
 * ping (what a peer that slept or lost its network looks like to the gateway). Resolves `closed`
 * when the gateway drops the connection; `pings` counts the pings it ignored.
 */
export async function openUnansweringPeer(httpUrl: string, messages: unknown[]): Promise<{ closed: Promise<void>; pings: () => number; destroy(): void }> {
  const { connect } = await import("node:net");
  const { port, hostname } = new URL(httpUrl);
  let pings = 0;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET /v1/responses HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    const closed = new Promise<void>((done) => socket.on("close", () => done()));
    let upgraded = false;
    socket.on("data", (chunk: Buffer) => {
      if (!upgraded) {
        if (!chunk.toString("latin1").startsWith("HTTP/1.1 101")) return reject(new Error(`upgrade refused: ${chunk.toString("latin1").split("\r\n")[0]}`));
        upgraded = true;
        for (const message of messages) socket.write(clientTextFrame(JSON.stringify(message)));
        resolve({ closed, pings: () => pings, destroy: () => socket.destroy() });
        return;
      }
      // A ping frame (opcode 9) at the start of a chunk; frames split across chunks do not matter here.
      if (chunk[0] === 0x89) pings += 1;
    });
    socket.on("error", reject);
  });
}
