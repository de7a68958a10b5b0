/**
 * The two stored-response calls that only background responses have: resuming a background
 * stream (`GET /v1/responses/{id}?stream=true&starting_after=N`) and cancelling
 * (`POST /v1/responses/{id}/cancel`), as OpenAI's background mode defines them. The caller has
 * already been shown to own the record (stored-responses.ts).
 */
import { GatewayError } from "../../errors/gateway-error";
import { cancelRun, followRun } from "../../proxy/background";
import type { ProxyDeps } from "../../proxy/types";
import type { StoredResponseRecord } from "../../store/types";

const UNFINISHED = new Set(["queued", "in_progress"]);

/** The events after `starting_after` of a streamed background response this process runs or ran lately. */
export function resumeStream(deps: ProxyDeps, record: StoredResponseRecord, startingAfter: string | null, signal: AbortSignal, requestId: string): Response {
  const after = startingAfter === null ? -1 : Number(startingAfter);
  if (!Number.isInteger(after) || after < -1) {
    throw new GatewayError("invalid_request", 400, `Invalid 'starting_after': '${startingAfter}'. Expected a non-negative integer.`, { param: "starting_after" });
  }
  const run = deps.background?.get(record.id);
  if (!run?.streamed) {
    // Its events are kept only by the process that ran it, for a while, and only for streamed runs.
    throw new GatewayError("invalid_request", 400, "This response cannot be streamed: only a response created with background and stream true can be, from the gateway instance that runs it, until a few minutes after it ends. Retrieve it without stream instead.", { param: "stream" });
  }
  return followRun(run, after, signal, { "x-request-id": requestId });
}

/** A background run this process runs, stopped as a cancel stops it (its model call aborted); nothing when there is none. */
export async function stopLocalRun(deps: ProxyDeps, id: string): Promise<void> {
  const run = deps.background?.get(id);
  if (run && !run.finished) await cancelRun(run);
}

/** Cancel: a running background response becomes `cancelled`; one already finished is returned as it is (cancelling twice is harmless). */
export async function cancelResponse(deps: ProxyDeps, record: StoredResponseRecord, userId: number | null): Promise<unknown> {
  const run = deps.background?.get(record.id);
  if (record.response.background !== true && !run) {
    throw new GatewayError("invalid_request", 400, "Only responses created with background=true can be cancelled.", { param: "response_id" });
  }
  if (run) {
    await cancelRun(run);
    return (await deps.responses?.get(record.id, userId))?.response ?? record.response;
  }
  if (!UNFINISHED.has(String(record.response.status))) return record.response;
  // Queued by another replica, or by a process that stopped before it ended: nothing runs it here.
  // Written only while the stored state is still running: one that finished meanwhile stays finished.
  const cancelled = { ...record.response, status: "cancelled" };
  if (await deps.responses!.keepUnlessSettled({ userId: record.userId, model: record.model }, cancelled, record.request)) return cancelled;
  return (await deps.responses!.get(record.id, userId))?.response ?? record.response;
}
