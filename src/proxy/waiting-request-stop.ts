import type { GatewayError } from "../errors/gateway-error";
import type { AbandonableCall } from "../upstream/client";
import type { ClosableRequest } from "./drain-tracker";

/**
 * The gateway ending a request that still waits for its upstream's answer (shutdown), the
 * counterpart of StreamStop for the time before a stream starts. Nothing has reached the
 * client yet, so it can still get a whole error answer: close() abandons the upstream call as
 * a client leaving would, and the failure path answers with `reason` instead of treating the
 * request as abandoned. Without it, the server's final cut dropped the connection and the
 * client saw a network error instead of a retryable 503/529.
 *
 * The upstream call registers its abandon function here (callUpstream) rather than listening to
 * a signal of this stop's own: an AbortController and a listener per request measured ~1–2 µs
 * of CPU per request at 32 connections (README Performance), paid for a shutdown that is rare.
 */
export class WaitingRequestStop implements ClosableRequest, AbandonableCall {
  /** Why the gateway ended the request; undefined while it runs. */
  reason: GatewayError | undefined;
  /** Set by the upstream call in flight; a call started after close() abandons itself at once. */
  abandon: (() => void) | undefined = undefined;
  private answeredYet = false;
  private wakeClosers: (() => void) | undefined;

  /** True once close() was called: what callUpstream checks before it starts a call. */
  get stopped(): boolean {
    return this.reason !== undefined;
  }

  /** Abandon the upstream call; resolves once the request has its answer (and its ledger row). */
  close(error: GatewayError): Promise<void> {
    if (!this.reason) {
      this.reason = error;
      this.abandon?.();
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
