/**
 * `background: true` on POST /v1/responses for models OpenAI does not serve (OpenAI's background
 * mode; an OpenAI Responses route gets the request as sent and queues it itself, and the gateway
 * follows it there: native-background.ts). The request is
 * checked and routed at once, answered with the response object in status `queued` (or, with
 * `stream: true`, the run's event stream), and the model call runs on without the client: its
 * client leaving does not stop it. The response store holds the state clients poll with
 * GET /v1/responses/{id}: in progress, then the final response (written by the normal path
 * under the id given here), `failed` with the error, or `cancelled` (POST .../cancel). The
 * model call writes the request's one ledger row when it ends, as any request does.
 * While it runs, its process rewrites the running record (with the `gateway_background` marker)
 * every third of `BackgroundPolling.orphanedAfterMs`; a record nobody wrote for that long was
 * left by a process that stopped (a crash, kill -9, a deleted pod), and the sweep of any replica
 * settles it `failed` (failAbandonedRun). The model call is never made again.
 */
import { GatewayError } from "../errors/gateway-error";
import { openaiResponsesCodec } from "../protocols/openai-responses/codec";
import { buildResponseObject } from "../protocols/openai-responses/response-object";
import { makeId } from "../providers/loopback/reply";
import { normaliseInputItems } from "../responses-store/items";
import type { ResponseOwner } from "../responses-store/service";
import { SseDecoder } from "../streaming/sse-decoder";
import { encodeSseEvent } from "../streaming/sse-encoder";
import type { SseEvent } from "../streaming/sse-event";
import { requestIdHeaders } from "../http/request-id-headers";
import { admitBeforeQueueing } from "./background-admission";
import type { BackgroundRun } from "./background-runs";
import type { StoredResponseRecord } from "../store/types";
import type { ServeModelRequest } from "./compaction";
import type { ModelRequest, ProxyDeps } from "./types";

type Json = Record<string, unknown>;

const TERMINAL = new Set(["completed", "incomplete", "failed", "cancelled"]);
/** Final states in which the model call gave its answer: a cancel arriving after one changes nothing. */
const ANSWERED = new Set(["completed", "incomplete"]);

/**
 * The stored request's field that marks a background response this gateway runs itself (its
 * value: the creating request's id, for the log). The orphan sweep looks for it.
 */
export const GATEWAY_BACKGROUND = "gateway_background";

/** The error a run whose process stopped before it ended is settled with (OpenAI's shape). */
export const ABANDONED_RUN_ERROR = {
  code: "server_error",
  message: "The gateway instance that ran this background response stopped before it finished (it crashed or was killed); the response has no result. Create it again.",
} as const;

export async function serveInBackground(request: ModelRequest, deps: ProxyDeps, serve: ServeModelRequest): Promise<Response> {
  const { responses, background } = deps;
  if (request.body.store === false) {
    throw new GatewayError("invalid_request", 400, "Background mode requires 'store' to be true: a background response is polled from the store.", { param: "store" });
  }
  if (!responses?.storing || !background) {
    throw new GatewayError("invalid_request", 400, "Background mode needs stored responses, which this gateway does not keep (no database, or responses.store_retention_hours is 0).", { param: "background" });
  }
  // Refused now what the run would refuse (field types, an unknown model), as OpenAI does before queueing.
  const decoded = openaiResponsesCodec.decodeRequest(request.body);
  const route = deps.router.resolve(String(request.body.model), request.clientProtocol);
  // Over budget or rate: the foreground's 429 now, not a queued run that fails.
  const admitted = await admitBeforeQueueing(request, deps, route);
  if (admitted instanceof Response) return admitted;

  const id = makeId("resp_");
  const streamed = request.body.stream === true;
  const state = (status: "queued" | "in_progress") =>
    buildResponseObject({ id, createdAt: Math.floor(request.receivedAt / 1000), status, model: String(request.body.model), output: [], usage: null }, decoded) as unknown as Json;
  const storedRequest = {
    input: normaliseInputItems(request.body.input),
    instructions: request.body.instructions ?? null,
    previous_response_id: request.body.previous_response_id ?? null,
    [GATEWAY_BACKGROUND]: { request_id: request.requestId },
  };
  // Durable before the client learns the id: a poll must find it, and the final write must come after it.
  try {
    await responses.keep(ownerOf(request), state("in_progress"), storedRequest);
  } catch (error) {
    // Nothing queued: the admission made for the run is given back (the route writes the error's row).
    await admitted?.releaseUnused().catch(() => undefined);
    throw error;
  }
  const run = background.start(id, streamed);
  void runInBackground(admitted ? { ...request, preAdmission: admitted } : request, deps, serve, run, id, state("in_progress"), storedRequest);

  const headers = requestIdHeaders("openai-responses", request.requestId);
  if (!streamed) return new Response(JSON.stringify(state("queued")), { status: 200, headers: { "content-type": "application/json", ...headers } });
  return followRun(run, -1, request.signal, headers);
}

/** A streamed run's events after `after`, as an SSE answer; the client leaving stops only this answer. */
export function followRun(run: BackgroundRun, after: number, signal: AbortSignal, headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  const frames = run.follow(after, signal);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await frames.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel: () => void frames.return(undefined),
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers } });
}

async function runInBackground(request: ModelRequest, deps: ProxyDeps, serve: ServeModelRequest, run: BackgroundRun, id: string, inProgress: Json, storedRequest: Json): Promise<void> {
  const log = deps.logger.child({ requestId: request.requestId, responseId: id });
  let failure: { code: string; message: string } | undefined;
  /** The answer the client would have had in the foreground (a whole body; for a stream, its terminal response). */
  let answered: Json | undefined;
  const stopHeartbeat = startHeartbeat(deps, request, id, inProgress, storedRequest, log);
  try {
    // The run's own signal: the creating request may end (or its client leave) long before the answer.
    const answer = await serve({ ...request, responseId: id, signal: run.controller.signal }, deps);
    if (answer.status >= 400) failure = await errorOf(answer);
    else if (run.streamed) answered = await relayFrames(answer, run);
    else answered = (await answer.json()) as Json;
  } catch (error) {
    log.error({ err: error }, "background response failed inside the gateway");
    failure = { code: "server_error", message: "internal gateway error" };
  }
  stopHeartbeat();
  try {
    // The normal path stored the final response; what it did not settle is settled here. A
    // final state stays as it is: a cancel that arrives as the model call finishes must not
    // turn a completed response (whose row says 200, with its usage) into a cancelled one.
    const record = await deps.responses!.get(id, request.principal.userId);
    const stored = record?.response;
    if (run.cancelled && !ANSWERED.has(String(stored?.status)) && !ANSWERED.has(String(answered?.status))) {
      // The cancel aborted the model call: whatever failure that made is the cancel's. The record
      // and the stream's terminal event both say `cancelled`, as the cancel answers and GET shows.
      const cancelled = { ...(answered ?? stored ?? inProgress), id, background: true, status: "cancelled", error: null };
      await deps.responses!.keep(ownerOf(request), cancelled, record?.request ?? storedRequest);
      if (run.streamed) run.push(terminalFrame(run, cancelled));
    } else if (stored && TERMINAL.has(String(stored.status))) {
      // Settled by the normal path (or by a cancel from another replica): nothing to add.
    } else if (answered && TERMINAL.has(String(answered.status))) {
      // Answered but not stored by the normal path (a compaction's summary request is never stored).
      await deps.responses!.keep(ownerOf(request), { ...answered, id, background: true }, storedRequest);
    } else {
      const error = failure ?? { code: "server_error", message: "the background response ended without an answer" };
      await deps.responses!.keepUnlessSettled(ownerOf(request), { ...inProgress, status: "failed", error }, storedRequest);
      if (run.streamed) run.push(terminalFrame(run, { ...inProgress, status: "failed", error }));
    }
  } catch (error) {
    log.error({ err: error }, "storing the background response's final state failed");
  } finally {
    // Ended before its model call took the admission (refused earlier on the normal path).
    await request.preAdmission?.releaseUnused().catch((error: unknown) => log.error({ err: error }, "releasing a background response's budget reservation failed"));
    run.end();
  }
}

/**
 * Rewrite the running record every third of `orphanedAfterMs` while the run goes on, so the
 * sweep can tell it from one whose process is gone. Only while it is still running: a final
 * state written meanwhile (by the run's own normal path, or a cancel from another replica) ends
 * the heartbeat and is never overwritten. A failed write is retried at the next beat. Returns the
 * stop.
 */
function startHeartbeat(deps: ProxyDeps, request: ModelRequest, id: string, inProgress: Json, storedRequest: Json, log: { warn(details: object, message: string): void }): () => void {
  let writing = false;
  const beat = async () => {
    if (writing) return;
    writing = true;
    try {
      if (!(await deps.responses!.keepUnlessSettled(ownerOf(request), inProgress, storedRequest))) stop();
    } catch (error) {
      log.warn({ err: error }, "refreshing a running background response's stored record failed; trying again at the next beat");
    } finally {
      writing = false;
    }
  };
  const timer = setInterval(() => void beat(), deps.background!.polling.orphanedAfterMs / 3);
  timer.unref?.();
  const stop = () => clearInterval(timer);
  return stop;
}

/**
 * Settle `record`, a background response a gateway process ran and stopped writing before
 * `writtenBefore` (found by the sweep), as `failed` with ABANDONED_RUN_ERROR. Nothing when this
 * process is still running it, when it reached a final state meanwhile, or when its runner wrote
 * it again meanwhile (one conditional write). No ledger row: the row is the model call's, which
 * the stopped process made (and wrote, if it ended) or lost with it. Returns whether it was settled.
 */
export async function failAbandonedRun(deps: ProxyDeps, record: StoredResponseRecord, writtenBefore: Date): Promise<boolean> {
  const running = deps.background?.get(record.id);
  if (!deps.responses || (running && !running.finished)) return false;
  const failed = { ...record.response, status: "failed", error: ABANDONED_RUN_ERROR };
  const settled = await deps.responses.keepUnlessSettled({ userId: record.userId, model: record.model }, failed, record.request, writtenBefore);
  if (settled) {
    const marker = record.request[GATEWAY_BACKGROUND] as { request_id?: unknown } | undefined;
    deps.logger.warn({ responseId: record.id, requestId: typeof marker?.request_id === "string" ? marker.request_id : undefined, lastWrittenAt: record.createdAt.toISOString() }, "background response failed: the gateway process that ran it stopped before it finished");
  }
  return settled;
}

/**
 * The last event of a run's stream that ended without its answer (failed, or cancelled). OpenAI's
 * stream has no event of its own for a cancelled response (its event reference ends a response
 * with response.completed, .incomplete or .failed; `response.cancelled` exists only as a
 * webhook), so a cancelled run ends with response.failed carrying the response in status
 * `cancelled`: the SDKs' stream helpers take that object as the final response.
 */
function terminalFrame(run: BackgroundRun, response: Json): string {
  return encodeSseEvent({ event: "response.failed", data: JSON.stringify({ type: "response.failed", sequence_number: run.frames.length, response }) });
}

/** Relay the run's SSE answer into the run's frames, re-encoded event by event (keep-alive comments dropped); returns the last response object seen. */
async function relayFrames(answer: Response, run: BackgroundRun): Promise<Json | undefined> {
  const decoder = new SseDecoder();
  const reader = answer.body!.getReader();
  // A cancel leaves the answer as a client that hangs up does: the model call is aborted, its row
  // says client_closed, and no failed end is written into the run's stream or the store.
  run.abandonAnswer = () => void reader.cancel().catch(() => {});
  let last: Json | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    const events = done ? decoder.end() : decoder.push(value);
    for (const event of events) {
      if (event.data.includes('"response"')) last = responseIn(event.data) ?? last;
      run.push(encodeSseEvent(event.event === "response.created" ? createdAsQueued(event) : event));
    }
    if (done) return last;
  }
}

/**
 * A background stream opens with the response `queued`, as OpenAI's does (its background
 * `response.created` carries status queued; `response.in_progress` follows when the model starts).
 * The foreground encoder says in_progress, which made the first event contradict the answer a
 * non-streamed create gives for the same run.
 */
function createdAsQueued(event: SseEvent): SseEvent {
  try {
    const created = JSON.parse(event.data) as { response?: Json };
    if (!created.response) return event;
    return { ...event, data: JSON.stringify({ ...created, response: { ...created.response, status: "queued" } }) };
  } catch {
    return event;
  }
}

function responseIn(data: string): Json | undefined {
  try {
    const response = (JSON.parse(data) as { response?: unknown }).response;
    return typeof response === "object" && response !== null ? (response as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** The OpenAI error of a refused run, for the failed response object. */
async function errorOf(answer: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await answer.json()) as { error?: { code?: unknown; type?: unknown; message?: unknown } };
    const code = body.error?.code ?? body.error?.type;
    return { code: typeof code === "string" ? code : "server_error", message: typeof body.error?.message === "string" ? body.error.message : `the model call failed (HTTP ${answer.status})` };
  } catch {
    return { code: "server_error", message: `the model call failed (HTTP ${answer.status})` };
  }
}

function ownerOf(request: ModelRequest): ResponseOwner {
  return { userId: request.principal.userId, model: String(request.body.model) };
}

/** Cancel a background response this process runs; resolves once its cancelled state is stored. */
export async function cancelRun(run: BackgroundRun): Promise<void> {
  if (!run.finished) {
    run.cancelled = true;
    run.abandonAnswer?.();
    run.controller.abort();
  }
  await run.whenEnded();
}
