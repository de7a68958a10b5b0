/**
 * What clients ask of a native OpenAI background run after creating it (stored-responses.ts):
 * GET asks the upstream for the state of a run not ended, cancel forwards to the upstream's
 * cancel, and `?stream=true` relays the upstream's own event stream. A state that is final
 * settles the run (native-background.ts); one still running resumes following here.
 */
import { GatewayError } from "../errors/gateway-error";
import { SseDecoder } from "../streaming/sse-decoder";
import { encodeSseEvent } from "../streaming/sse-encoder";
import type { SseEvent } from "../streaming/sse-event";
import type { StoredResponseRecord } from "../store/types";
import { echoClientModel } from "./echo-model";
import { followedOf, settle, settleLost, startFollowing } from "./native-background";
import type { CreatingNativeRun } from "./background-runs";
import { askJson, askUpstream, fetchState, type Followed, type Json, refusalOf, type RunAtUpstream, UpstreamRefusal } from "./native-background-upstream";
import { isSettledStatus, type NativeBackground, nativeBackgroundOf } from "./native-background-state";
import type { ProxyDeps } from "./types";

export function nativeBackgroundRecord(record: StoredResponseRecord): NativeBackground | undefined {
  return nativeBackgroundOf(record.request);
}

/** GET of a run not ended: the upstream's current state, stored (and settled when it has ended); following resumes here. */
export async function refreshNativeBackground(deps: ProxyDeps, record: StoredResponseRecord, marker: NativeBackground, search: string, signal: AbortSignal, requestId: string): Promise<Json | Response> {
  if (isSettledStatus(record.response.status)) return record.response;
  const run = followedOf(record, marker);
  let state: Json;
  try {
    state = await fetchState(deps, run, search, signal);
  } catch (error) {
    if (error instanceof UpstreamRefusal && error.status === 404) return settleLost(deps, run, record.response);
    if (error instanceof UpstreamRefusal && error.status < 500) return error.relay(requestId);
    // The upstream away for a moment: the copy as last seen (still running) keeps a poller polling.
    deps.logger.warn({ requestId, responseId: record.id, code: error instanceof GatewayError ? error.code : undefined }, "reading a background response from the upstream failed; answering the stored copy");
    startFollowing(deps, run);
    return record.response;
  }
  return keepState(deps, run, state);
}

/** POST .../cancel: forwarded to the upstream's cancel; its answer is stored (and settled when final). A run already ended is answered as it is. */
export async function cancelNativeBackground(deps: ProxyDeps, record: StoredResponseRecord, marker: NativeBackground, signal: AbortSignal, requestId: string): Promise<Json | Response> {
  if (isSettledStatus(record.response.status)) return record.response;
  const run = followedOf(record, marker);
  let state: Json;
  try {
    state = await askJson(deps, run, "POST", `/${encodeURIComponent(record.id)}/cancel`, signal);
  } catch (error) {
    if (error instanceof UpstreamRefusal) return error.relay(requestId);
    throw error;
  }
  return keepState(deps, run, state);
}

/** A state the upstream just gave: settled when final, else stored over a running copy (following resumes here). */
async function keepState(deps: ProxyDeps, run: Followed, state: Json): Promise<Json> {
  if (isSettledStatus(state.status)) {
    await settle(deps, run, state);
    return state;
  }
  if (run.storedRequest && !(await deps.responses!.keepUnlessSettled(run.owner, state, run.storedRequest))) {
    // Settled meanwhile (a poll, another replica): that final state is the answer.
    return (await deps.responses!.get(run.id, run.owner.userId))?.response ?? state;
  }
  startFollowing(deps, run);
  return state;
}

/** GET ?stream=true: the upstream's own event stream of a run created with stream: true, relayed as it comes. */
export async function streamNativeBackground(deps: ProxyDeps, record: StoredResponseRecord, marker: NativeBackground, search: string, signal: AbortSignal, requestId: string): Promise<Response> {
  if (!marker.stream) {
    throw new GatewayError("invalid_request", 400, "This response cannot be streamed: it was not created with stream true. Retrieve it without stream instead.", { param: "stream" });
  }
  const run = followedOf(record, marker);
  return relayUpstreamStream(deps, run, search, signal, requestId, () => {
    if (!isSettledStatus(record.response.status)) startFollowing(deps, run);
  });
}

/**
 * A run whose creating stream this process still relays (background-runs.ts CreatingNativeRun):
 * not stored yet, so GET, `?stream=true` and cancel go to the upstream, which has it, and nothing
 * here is stored or followed: the creating request does that when its stream ends.
 */
export async function readCreatingNativeBackground(deps: ProxyDeps, run: CreatingNativeRun, request: "get" | "stream" | "cancel", search: string, signal: AbortSignal, requestId: string): Promise<Json | Response> {
  if (request === "stream") return relayUpstreamStream(deps, run, search, signal, requestId, () => {});
  try {
    return request === "get" ? await fetchState(deps, run, search, signal) : await askJson(deps, run, "POST", `/${encodeURIComponent(run.id)}/cancel`, signal);
  } catch (error) {
    if (error instanceof UpstreamRefusal) return error.relay(requestId);
    throw error;
  }
}

/** The upstream's own event stream of `run`, relayed as it comes; `started` runs once the upstream has answered it. */
async function relayUpstreamStream(deps: ProxyDeps, run: RunAtUpstream, search: string, signal: AbortSignal, requestId: string, started: () => void): Promise<Response> {
  const call = await askUpstream(deps, run, "GET", `/${encodeURIComponent(run.id)}${search}`, signal, true);
  if (call.status >= 400) return (await refusalOf(deps, run, call)).relay(requestId);
  started();
  const chunks = call.readBody();
  // The events name the client's model (an alias) as the creating stream did.
  const { modelServed, modelRequested } = run.marker.row;
  const renamed = modelServed !== null && modelServed !== modelRequested;
  const decoder = new SseDecoder();
  const encoder = new TextEncoder();
  const renamedEvents = (events: SseEvent[]) => encoder.encode(events.map((event) => encodeSseEvent({ ...event, data: echoClientModel(event.data, modelServed!, modelRequested) })).join(""));
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) {
          if (renamed) controller.enqueue(renamedEvents(decoder.end()));
          controller.close();
        } else controller.enqueue(renamed ? renamedEvents(decoder.push(next.value)) : next.value);
      } catch (error) {
        controller.error(error);
      }
    },
    cancel: () => {
      call.abort();
      void chunks.return(undefined);
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": requestId } });
}
