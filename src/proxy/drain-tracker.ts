import type { GatewayError } from "../errors/gateway-error";

/**
 * A request the gateway can end on its own initiative: an open client stream, or a request
 * still waiting for its upstream's answer (non-streamed, or a stream before its first byte).
 */
export interface ClosableRequest {
  /**
   * End the request with `error` in its client's protocol (a stream: as its final event; a
   * waiting request: as its whole error answer) and write its ledger row; resolves once both
   * are done. A request that already ended just resolves.
   */
  close(error: GatewayError): Promise<void>;
}

/** How many requests of each kind a cut closed. */
export interface ClosedRequests {
  streams: number;
  waiting: number;
}

/**
 * What a graceful stop has to settle before the ledger closes (reliability-anchors §2.11).
 * Bun's `server.stop(true)` cuts connections without a word: a stream cut that way would look
 * to its client like a network fault and to the ledger like a client that left, and a request
 * still waiting for its upstream would get no answer at all. So open streams and waiting
 * requests register here, and when the grace period is over each one is closed with an error
 * in its client's protocol first. Every ledger row still to come is counted too, so that the
 * ledger is closed only after the requests the cut ended have written theirs. One per gateway,
 * built in the composition root (house rule 6).
 */
export class DrainTracker {
  private readonly streams = new Set<ClosableRequest>();
  private readonly waiting = new Set<ClosableRequest>();
  private rowsPending = 0;
  private wakeWhenWritten: (() => void) | undefined;
  private cutError: GatewayError | undefined;
  private readonly drainListeners = new Set<() => void>();

  /** Set once the grace period is over: the error that ends whatever is still running. */
  get cutReason(): GatewayError | undefined {
    return this.cutError;
  }

  /** Requests started whose ledger rows are not written yet: the requests in flight (for metrics). */
  get requestsInFlight(): number {
    return this.rowsPending;
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
  trackStream(stream: ClosableRequest): () => void {
    return this.track(this.streams, stream);
  }

  /** Register a request waiting for its upstream's answer; call the returned function once it has its answer. */
  trackWaiting(request: ClosableRequest): () => void {
    return this.track(this.waiting, request);
  }

  private track(set: Set<ClosableRequest>, request: ClosableRequest): () => void {
    set.add(request);
    // A request already on its way when the cut came registers after it: ended at once.
    if (this.cutError) void request.close(this.cutError);
    return () => set.delete(request);
  }

  /** Close every open stream and waiting request with `error`; resolves when their answers and rows are out. */
  async closeOpenRequests(error: GatewayError): Promise<ClosedRequests> {
    this.cutError = error;
    const streams = [...this.streams];
    const waiting = [...this.waiting];
    await Promise.all([...streams, ...waiting].map((request) => request.close(error)));
    return { streams: streams.length, waiting: waiting.length };
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
