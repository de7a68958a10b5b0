import type { Socket } from "bun";
import { type ParserEvents, type ResponseHead, ResponseParser } from "./response-parser";

/** What one request on a connection hears back; exactly one of `end` and `fail` is called, once. */
export interface ExchangeListener {
  head(head: ResponseHead): void;
  body(chunk: Uint8Array): void;
  /** The body ended; `reusable` says whether the connection may carry another request. */
  end(reusable: boolean): void;
  /** The exchange broke. `answered` says whether any response byte had arrived (stale-connection retries need none). */
  fail(error: Error, answered: boolean): void;
}

/**
 * One keep-alive HTTP/1.1 connection on a `Bun.connect` socket, one request in flight at a time.
 * Reading and writing happen on the main thread's event loop, which is what makes this cheaper
 * than `fetch` (README "Performance"): no hand-off to Bun's HTTP client thread and back.
 */
export class Http1Connection {
  private socket: Socket<undefined> | undefined;
  private parser: ResponseParser | undefined;
  private listener: ExchangeListener | undefined;
  private head: ResponseHead | undefined;
  /** Request bytes the socket has not taken yet (a partial write under backpressure). */
  private unsent: Uint8Array | undefined;
  private answered = false;
  private socketError: Error | undefined;
  closed = false;
  /** When the connection went back to the pool (ms since epoch). */
  idleSince = 0;
  /** Called once when the connection closes, whatever the reason (the pool forgets it). */
  onClosed: ((connection: Http1Connection) => void) | undefined;

  /** The parser's event sink, made once per connection and reused by every request on it. */
  private readonly parserEvents: ParserEvents = {
    head: (head) => {
      this.head = head;
      this.listener?.head(head);
    },
    body: (chunk) => this.listener?.body(chunk),
    end: () => {
      const listener = this.listener;
      this.listener = undefined;
      listener?.end(!this.closed && this.head?.keepAlive === true);
    },
  };

  /** Open a TCP connection; rejects with the system error (ECONNREFUSED…) when it cannot. */
  static async open(hostname: string, port: number): Promise<Http1Connection> {
    const connection = new Http1Connection();
    const socket = await Bun.connect({
      hostname,
      port,
      socket: {
        data: (_socket, chunk) => connection.onData(chunk),
        drain: () => connection.onDrain(),
        // The peer's FIN ends a close-delimited body; nothing more can come either way.
        end: (socket) => {
          connection.onClose(undefined);
          socket.terminate();
        },
        error: (_socket, error) => {
          connection.socketError = error;
          connection.onClose(error);
        },
        close: (_socket, error) => connection.onClose(error ?? connection.socketError),
        timeout: () => connection.destroy(),
      },
    });
    socket.setNoDelay(true);
    connection.socket = socket;
    return connection;
  }

  /** Send one request (head and body already serialised) and report the answer to `listener`. */
  send(request: Uint8Array, method: string, listener: ExchangeListener): void {
    if (this.closed || !this.socket) {
      listener.fail(new Error("connection closed"), false);
      return;
    }
    this.listener = listener;
    this.head = undefined;
    this.answered = false;
    this.parser = new ResponseParser(this.parserEvents, method);
    this.write(request);
  }

  /** Park the connection in the pool: no deadline of ours runs, so the socket's own idle timer closes it. */
  park(idleSeconds: number): void {
    this.idleSince = Date.now();
    this.socket?.timeout(idleSeconds);
    this.socket?.unref();
  }

  /** Take the connection out of the pool for a request. */
  unpark(): void {
    this.socket?.timeout(0);
    this.socket?.ref();
  }

  /** Close at once (abort, deadline, broken framing). The current exchange, if any, is dropped silently: its owner already knows. */
  destroy(): void {
    this.listener = undefined;
    if (!this.closed) this.socket?.terminate();
    this.onClose(undefined);
  }

  private onData(chunk: Uint8Array): void {
    if (!this.listener || !this.parser) {
      // Bytes nobody asked for: the connection's framing can no longer be trusted.
      this.destroy();
      return;
    }
    this.answered = true;
    try {
      this.parser.push(chunk);
    } catch (error) {
      this.failExchange(error as Error);
      this.destroy();
    }
  }

  private onDrain(): void {
    if (this.unsent) this.write(this.unsent);
  }

  private write(bytes: Uint8Array): void {
    const written = this.socket!.write(bytes);
    if (written < 0) {
      this.failExchange(new Error("connection closed"));
      this.destroy();
    } else {
      this.unsent = written < bytes.length ? bytes.subarray(written) : undefined;
    }
  }

  private onClose(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    if (this.listener && this.parser) {
      try {
        // The end of a close-delimited body, or a truncated answer (ProtocolError).
        this.parser.closed();
      } catch (closeError) {
        this.failExchange(error ?? (closeError as Error));
      }
    }
    this.onClosed?.(this);
  }

  private failExchange(error: Error): void {
    const listener = this.listener;
    this.listener = undefined;
    listener?.fail(error, this.answered);
  }
}
