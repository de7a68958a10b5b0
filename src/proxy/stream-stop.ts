import type { GatewayError } from "../errors/gateway-error";
import type { UpstreamCall } from "../upstream/client";

/**
 * The gateway ending a stream it relays on its own initiative (shutdown): it keeps the reason,
 * aborts the upstream call, and wakes the read in progress. Both upstream clients end a read
 * on abort; waking it here as well means an upstream that ignores the abort (or a local answer
 * with nothing to abort) cannot hold the stream, its ledger row and so the shutdown.
 */
export class StreamStop {
  /** Why the gateway ended the stream; undefined while it runs. */
  reason: GatewayError | undefined;
  private interruptRead: ((error: GatewayError) => void) | undefined;

  /**
   * The next upstream chunk, or a rejection with the stop reason, whichever comes first. One
   * promise per read (not a race against a shared one, whose reactions would pile up per chunk).
   */
  read(body: AsyncGenerator<Uint8Array>): Promise<IteratorResult<Uint8Array>> {
    if (this.reason) return Promise.reject(this.reason);
    return new Promise((resolve, reject) => {
      this.interruptRead = reject;
      body.next().then(resolve, reject);
    });
  }

  stop(error: GatewayError, call: UpstreamCall): void {
    if (this.reason) return;
    this.reason = error;
    call.abort(error);
    this.interruptRead?.(error);
  }
}
