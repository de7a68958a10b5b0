/**
 * Liveness of one Responses WebSocket. Codex keeps one socket open for a whole session, and a
 * turn can wait minutes on a slow upstream with nothing to send, so silence alone says nothing.
 * Instead the gateway pings the peer every `intervalMs`, and every RFC 6455 client answers with a
 * pong on its own (the openai SDK's `ws`, Codex's tungstenite, browsers). A peer that has sent
 * nothing at all (pong, ping or message) for two intervals is gone (a laptop that slept, a cut
 * network): the socket is terminated, which ends the turn in progress like a client that hangs
 * up (its upstream call aborted, its row `client_closed`).
 *
 * Bun's own idle timeout does not cover this: any frame the server sends resets it, so a dead
 * peer that a streaming turn keeps writing to was never closed, and its model call ran to the
 * end. A live peer is never closed for being quiet, however long a turn or a pause lasts.
 */

/** The socket, as far as the heartbeat needs it. */
export interface PingableSocket {
  ping(): void;
  /** Close without a closing handshake: the peer is not answering. */
  terminate(): void;
}

/** A peer silent for this many intervals is taken for dead. */
const MISSED_INTERVALS = 2;

export class SocketHeartbeat {
  private lastHeardAt: number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly socket: PingableSocket,
    private readonly intervalMs: number,
    private readonly onDead: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.lastHeardAt = now();
    this.timer = setInterval(() => this.beat(), intervalMs);
    this.timer.unref?.();
  }

  /** Anything arrived from the peer (a pong, a ping, a message): it is alive. */
  heard(): void {
    this.lastHeardAt = this.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private beat(): void {
    if (this.now() - this.lastHeardAt >= MISSED_INTERVALS * this.intervalMs) {
      this.stop();
      this.onDead();
      this.socket.terminate();
      return;
    }
    this.socket.ping();
  }
}
