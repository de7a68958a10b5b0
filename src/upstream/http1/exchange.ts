import type { ExchangeListener, Http1Connection } from "./connection";
import type { ConnectionPool } from "./pool";
import type { ResponseHead } from "./response-parser";

/** A reused connection closed before answering: the request may be sent again on a fresh one. */
export class StaleConnection extends Error {}

/**
 * The upstream compressed its answer although the request said `accept-encoding: identity`
 * (typically a proxy in front of it that compresses regardless). Not a connection failure: the
 * upstream was reached and answered, in a form the gateway did not ask for.
 */
export class UnrequestedContentEncoding extends Error {
  constructor(readonly encoding: string) {
    super(`upstream sent content-encoding ${encoding} although the gateway asked for identity`);
  }
}

const decoder = new TextDecoder();

/**
 * One request on one connection: the head as a promise, then the body as a queue that the
 * socket fills and the gateway drains (`read` for streams, `text` for whole answers). When the
 * body has ended on a keep-alive connection, the connection goes back to the pool.
 */
export class Http1Exchange implements ExchangeListener {
  status = 0;
  private rawHeaders: [string, string][] = [];
  private builtHeaders: Headers | undefined;
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private headArrived: ((exchange: Http1Exchange) => void) | undefined;
  private headFailed: ((error: Error) => void) | undefined;
  /** Unhooks the abort listener once the exchange has ended or failed. */
  private detachAbort: (() => void) | undefined;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly origin: string,
    private readonly connection: Http1Connection,
    /** A reused connection's silent close means "retry", not "the upstream failed". */
    private readonly reused: boolean,
  ) {}

  /** Send `request` and resolve once the answer's head is in. */
  start(request: Uint8Array, method: string, signal: AbortSignal): Promise<Http1Exchange> {
    const answered = new Promise<Http1Exchange>((resolve, reject) => {
      this.headArrived = resolve;
      this.headFailed = reject;
    });
    const onAbort = () => {
      this.connection.destroy();
      this.fail(signal.reason instanceof Error ? signal.reason : new Error("aborted"), true);
    };
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      this.detachAbort = () => signal.removeEventListener("abort", onAbort);
      this.connection.send(request, method, this);
    }
    return answered;
  }

  /** Response headers as parsed: name (lower case) and value. */
  get headerPairs(): Iterable<[string, string]> {
    return this.rawHeaders;
  }

  /** Response headers, built on first use: most answers never look at them. */
  get headers(): Headers {
    return (this.builtHeaders ??= new Headers(this.rawHeaders));
  }

  /** The next body piece, or undefined at the end. */
  async read(): Promise<Uint8Array | undefined> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) return chunk;
      if (this.error) throw this.error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** The whole body as UTF-8 text. */
  async text(): Promise<string> {
    while (!this.ended && !this.error) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.error) throw this.error;
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks.length = 0;
    return decoder.decode(body);
  }

  /** A deadline passed: the body will not be read to its end, so the connection cannot be reused. */
  cancel(): void {
    if (this.ended || this.error) return;
    this.connection.destroy();
    this.fail(new Error("body abandoned"), true);
  }

  /** The reader walked away before the end of the body: the same as a cancel. */
  release(): void {
    this.cancel();
  }

  head(head: ResponseHead): void {
    this.status = head.status;
    this.rawHeaders = head.headers;
    const encoding = head.headers.find(([name]) => name === "content-encoding")?.[1].toLowerCase();
    if (encoding && encoding !== "identity") {
      // The request said `accept-encoding: identity`; a coded body would reach clients as garbage.
      this.connection.destroy();
      this.fail(new UnrequestedContentEncoding(encoding), true);
      return;
    }
    this.headArrived?.(this);
    this.headArrived = this.headFailed = undefined;
  }

  body(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.notify();
  }

  end(reusable: boolean): void {
    this.ended = true;
    this.detachAbort?.();
    if (reusable) this.pool.give(this.origin, this.connection);
    else this.connection.destroy();
    this.notify();
  }

  fail(error: Error, answered: boolean): void {
    if (this.ended || this.error) return;
    this.detachAbort?.();
    this.error = !answered && this.reused && this.headFailed ? new StaleConnection(error.message, { cause: error }) : error;
    this.headFailed?.(this.error);
    this.headArrived = this.headFailed = undefined;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
