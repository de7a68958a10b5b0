import type { GatewayError } from "../errors/gateway-error";

/** An open client stream that the gateway can end on its own initiative. */
export interface ClosableStream {
  /**
   * End the stream with `error` as its final event (in the client's protocol) and write its
   * ledger row; resolves once both are done. A stream that already ended just resolves.
   */
  close(error: GatewayError): Promise<void>;
}

/**
 * What a graceful stop has to settle before the ledger closes (reliability-anchors §2.11).
 * Bun's `server.stop(true)` cuts connections without a word, and a stream cut that way would
 * look to its client like a network fault and to the ledger like a client that left. So open
 * streams register here, and when the grace period is over each one is closed with an error
 * event first. Every ledger row still to come is counted too, so that the ledger is closed only
 * after the requests the cut ended have written theirs. One per gateway, built in the
 * composition root (house rule 6).
 */
export class DrainTracker {
  private readonly streams = new Set<ClosableStream>();
  private rowsPending = 0;
  private wakeWhenWritten: (() => void) | undefined;
  private cutError: GatewayError | undefined;
  private readonly drainListeners = new Set<() => void>();

  /** Set once the grace period is over: the error that ends whatever is still running. */
  get cutReason(): GatewayError | undefined {
    return this.cutError;
  }

  /** A request started whose ledger row is still to be written. */
  rowStarted(): void {
    this.rowsPending += 1;
  }

  /** That row was written (or given up on and logged): once per rowStarted(). */
  rowSettled(): void {
    this.rowsPending -= 1;
    if (this.rowsPending === 0) this.wakeWhenWritten?.();
  }

  /**
   * Call `listener` when the gateway starts to drain. For connections that outlive a request
   * (a Responses WebSocket): they close themselves once idle instead of holding the stop up
   * until the grace period ends. Returns the function that unregisters it.
   */
  onDrain(listener: () => void): () => void {
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }

  /** The gateway stopped taking new work (a stop began). */
  beginDrain(): void {
    for (const listener of [...this.drainListeners]) listener();
  }

  /** Register an open stream; call the returned function when it has ended. */
  trackStream(stream: ClosableStream): () => void {
    this.streams.add(stream);
    // A request already on its way when the cut came opens its stream after it: ended at once.
    if (this.cutError) void stream.close(this.cutError);
    return () => this.streams.delete(stream);
  }

  /** Close every open stream with `error`; resolves when their final events and rows are out. */
  async closeStreams(error: GatewayError): Promise<number> {
    this.cutError = error;
    const open = [...this.streams];
    await Promise.all(open.map((stream) => stream.close(error)));
    return open.length;
  }

  /** Wait until every started request has written its row, at most `timeoutMs`; returns how many have not. */
  async rowsWritten(timeoutMs: number): Promise<number> {
    if (this.rowsPending > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.wakeWhenWritten = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.wakeWhenWritten = undefined;
    }
    return this.rowsPending;
  }
}
