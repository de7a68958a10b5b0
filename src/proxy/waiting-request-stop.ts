import type { GatewayError } from "../errors/gateway-error";
import type { ClosableRequest } from "./drain-tracker";

/**
 * The gateway ending a request that still waits for its upstream's answer (shutdown), the
 * counterpart of StreamStop for the time before a stream starts. Nothing has reached the
 * client yet, so it can still get a whole error answer: `signal` (the client's, or this stop)
 * aborts the upstream call as a client leaving would, and the failure path answers with
 * `reason` instead of treating the request as abandoned. Without it, the server's final cut
 * dropped the connection and the client saw a network error instead of a retryable 503/529.
 */
export class WaitingRequestStop implements ClosableRequest {
  /** Why the gateway ended the request; undefined while it runs. */
  reason: GatewayError | undefined;
  private readonly cut = new AbortController();
  private answeredYet = false;
  private wakeClosers: (() => void) | undefined;

  constructor(clientSignal: AbortSignal) {
    // The client's abort is forwarded into this stop's own signal, not merged with
    // AbortSignal.any: that builds a dependent signal per request, and at 32 connections the
    // extra garbage cost ~4 µs of CPU per request (README Performance, twelfth session).
    if (clientSignal.aborted) this.cut.abort(clientSignal.reason);
    else clientSignal.addEventListener("abort", () => this.cut.abort(clientSignal.reason), { once: true });
  }

  /** Aborted when the client leaves or the gateway stops the request: what the upstream call listens to. */
  get signal(): AbortSignal {
    return this.cut.signal;
  }

  /** Abort the upstream call; resolves once the request has its answer (and its ledger row). */
  close(error: GatewayError): Promise<void> {
    if (!this.reason) {
      this.reason = error;
      this.cut.abort(error);
    }
    if (this.answeredYet) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const earlier = this.wakeClosers;
      this.wakeClosers = () => {
        earlier?.();
        resolve();
      };
    });
  }

  /** The request has its answer (a stream: its first byte went out); close() waiters may go on. */
  settle(): void {
    this.answeredYet = true;
    this.wakeClosers?.();
    this.wakeClosers = undefined;
  }
}
