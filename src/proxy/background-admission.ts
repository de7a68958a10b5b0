/**
 * The limits of a background run on a route the gateway runs itself (background.ts), checked
 * before anything is queued: a key over its budget or rate gets the 429 the same request gets
 * in the foreground (with its ledger row), not a `queued` answer whose run then fails. The
 * admission is then handed to the run's first model call, which would otherwise admit (and
 * count against the rate) a second time; a run that ends before reaching that call releases it.
 */
import { GatewayError, toGatewayError } from "../errors/gateway-error";
import { renderErrorResponse } from "../errors/render";
import type { Admission } from "../limits/request-limits";
import type { ResolvedRoute } from "../routing/router";
import { LedgerRecorder } from "./ledger-recorder";
import type { ModelRequest, ProxyDeps } from "./types";

/** An admission made before queueing, taken once by the run's first model call. */
export class PreAdmission {
  constructor(private admission: Admission | undefined) {}

  /** The admission, to the first caller only (a compaction's second model call admits on its own, as in the foreground). */
  take(): Admission | undefined {
    const admission = this.admission;
    this.admission = undefined;
    return admission;
  }

  /** The run ended without a model call that took it (refused before admission): its reservation is given back. */
  async releaseUnused(): Promise<void> {
    await this.take()?.release();
  }
}

/**
 * Admit `request` now, as the normal path would (same estimate, including a stored history it
 * continues). Undefined when the caller has no limits (nothing to do, no await); a Response
 * with the refusal, its row written, when it does not fit.
 */
export async function admitBeforeQueueing(request: ModelRequest, deps: ProxyDeps, route: ResolvedRoute): Promise<PreAdmission | Response | undefined> {
  if (!request.principal.limits || !deps.limits) return undefined;
  try {
    const exchange = deps.responses ? await deps.responses.begin(request) : undefined;
    return new PreAdmission(await deps.limits.admit(request, route, exchange?.bodyForEstimate()));
  } catch (error) {
    const refusal = toGatewayError(error);
    if (!(error instanceof GatewayError)) deps.logger.error({ err: error, requestId: request.requestId }, "request failed inside the gateway");
    else if (refusal.status >= 500 && refusal.cause !== undefined) deps.logger.error({ err: refusal.cause, requestId: request.requestId, code: refusal.code }, `request failed: ${refusal.message}`);
    await new LedgerRecorder(request, deps).finish(refusal.status, refusal.code);
    return renderErrorResponse(request.clientProtocol, refusal, request.requestId);
  }
}
