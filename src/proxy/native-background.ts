/**
 * `background: true` on POST /v1/responses for a model routed to a native OpenAI Responses
 * provider. The request goes to the upstream as sent (OpenAI queues the run and keeps it, under
 * its own id), and the gateway follows the run:
 * - The answer (queued, or a stream the client may leave) is relayed as it comes; the ledger row
 *   of the creating call is held back, and the stored copy carries what following needs
 *   (provider, a key fingerprint, the row so far: native-background-state.ts).
 * - The gateway polls the upstream's GET /responses/{id} (BackgroundRuns.polling) until the run
 *   ends, keeping the stored copy current; then it writes the row with the final usage and
 *   stores the final response, in that order, so a process that stops between the two leaves a
 *   run that a later look settles again (the row's key is the creating request's id, which the
 *   ledger writes once: one row, even when two replicas settle the same run).
 * - GET /v1/responses/{id} of a run not ended asks the upstream for its state (and resumes
 *   following in this process); `?stream=true` relays the upstream's event stream; cancel
 *   forwards to the upstream's cancel (native-background-routes.ts; the calls themselves are in
 *   native-background-upstream.ts).
 * A stopping gateway stops following; the runs stay pending in the store, and a GET, a cancel,
 * or the sweep of any replica (sweepOrphanedBackground) settles them later.
 */
import { GatewayError } from "../errors/gateway-error";
import type { LedgerEntry } from "../ledger/types";
import type { ResponseExchange } from "../responses-store/exchange";
import type { ResponseOwner, ResponseStore } from "../responses-store/service";
import { SseDecoder } from "../streaming/sse-decoder";
import type { StoredResponseRecord } from "../store/types";
import { failAbandonedRun, GATEWAY_BACKGROUND } from "./background";
import type { ServeModelRequest } from "./compaction";
import { abandonedRow, finalRow, heldLimitsOf, isSettledStatus, keyFingerprint, type NativeBackground, nativeBackgroundOf, nextPollDelayMs, pendingRowOf } from "./native-background-state";
import { fetchState, type Followed, type Json, parseObject, responseIn, UpstreamRefusal } from "./native-background-upstream";
import { HeldRow, KeyWitness } from "./native-background-creation";
import type { ModelRequest, ProxyDeps } from "./types";



// ---------------------------------------------------------------------------------------------
// Creating: POST /v1/responses with background: true on a native OpenAI Responses route.

/**
 * Serve the request on the normal path with the ledger row held back, then decide: a run that
 * has not ended is stored with its follow state and followed; anything else (an error, a run
 * that ended within the answer, a stream the client read to its end) writes the row it made.
 */
export async function serveNativeBackground(request: ModelRequest, deps: ProxyDeps, serve: ServeModelRequest): Promise<Response> {
  const row = new HeldRow(deps);
  const keys = new KeyWitness(deps.keyRings);
  let exchange: ResponseExchange | undefined;
  const responses: ResponseStore | undefined = deps.responses && { ...deps.responses, begin: async (begun) => (exchange = await deps.responses!.begin(begun)) };
  // A budget reservation stays held with the row: settled with it, or kept until the run ends.
  const answer = await serve(request, { ...deps, ledger: row, keyRings: keys.rings, responses, holdAdmission: (admission) => (row.admission = admission) });
  const streamed = (answer.headers.get("content-type") ?? "").includes("text/event-stream");
  if (!streamed) {
    const entry = await row.entry;
    if (answer.status >= 400) {
      await row.write(entry);
      return answer;
    }
    const text = await answer.text();
    const state = parseObject(text);
    await adopt(deps, request, row, entry, keys, exchange, state, state === undefined || isSettledStatus(state.status));
    return new Response(text, { status: answer.status, headers: answer.headers });
  }
  // A stream: relayed untouched, watched for the response object it carries, until it ends or its client leaves.
  const decoder = new SseDecoder();
  let latest: Json | undefined;
  let creating: string | undefined;
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const reader = answer.body!.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          markEnded();
          controller.close();
          return;
        }
        for (const event of decoder.push(value)) if (event.data.includes('"response"')) latest = responseIn(event.data) ?? latest;
        if (creating === undefined && typeof latest?.id === "string") creating = noteCreating(deps, request, keys, latest.id);
        controller.enqueue(value);
      } catch (error) {
        markEnded();
        controller.error(error);
      }
    },
    cancel(reason) {
      markEnded();
      return reader.cancel(reason);
    },
  });
  void Promise.all([row.entry, ended])
    .then(([entry]) => adopt(deps, request, row, entry, keys, exchange, latest, streamReachedEnd(entry)))
    .catch((error: unknown) => deps.logger.error({ err: error, requestId: request.requestId }, "following a background response failed to start"))
    .finally(() => creating && deps.background?.doneCreating(creating));
  return new Response(body, { status: answer.status, headers: answer.headers });
}

/**
 * The creating stream named its run: until the stream ends and the run is stored (adopt), a GET
 * or a resumed stream of that id (another connection, or the same client after losing this
 * one) is read at the upstream, which already has it, instead of a 404. Returns the id, or ""
 * when the run will not be stored (nothing to read back) or the serving provider is unknown.
 */
function noteCreating(deps: ProxyDeps, request: ModelRequest, keys: KeyWitness, id: string): string {
  const provider = keys.lastProvider;
  if (!deps.background || !deps.responses?.storing || request.body.store === false || !provider) return "";
  const modelRequested = String(request.body.model);
  const target = deps.router.resolve(modelRequested, "openai-responses").targets.find((candidate) => candidate.providerName === provider);
  const key = keys.used(provider);
  deps.background.noteCreating({ id, userId: request.principal.userId, marker: { provider, key: key ? keyFingerprint(key) : null, row: { modelServed: target?.upstreamModel ?? null, modelRequested } } });
  return id;
}

/**
 * Whether a relayed stream reached its terminal event (the normal path's row then says so: 200
 * with no error, or `upstream_error` for `response.failed`); a client that left, or a stream
 * cut short, leaves a run the upstream goes on with.
 */
function streamReachedEnd(entry: LedgerEntry): boolean {
  return entry.status === 200 && (entry.errorCode === null || entry.errorCode === "upstream_error");
}

/** After the answer: write the held row, or store the run's follow state and follow it. */
async function adopt(deps: ProxyDeps, request: ModelRequest, row: HeldRow, entry: LedgerEntry, keys: KeyWitness, exchange: ResponseExchange | undefined, state: Json | undefined, ended: boolean): Promise<void> {
  const id = typeof state?.id === "string" ? state.id : undefined;
  if (!id || !state || !entry.provider) {
    await row.write(entry);
    return;
  }
  const key = keys.used(entry.provider);
  const marker: NativeBackground = { provider: entry.provider, key: key ? keyFingerprint(key) : null, stream: request.body.stream === true, row: pendingRowOf(entry) };
  const owner = { userId: request.principal.userId, model: String(request.body.model) };
  if (ended || isSettledStatus(state.status) || !deps.background) {
    await row.write(entry);
    // Ended within its answer: the row is written. The copy the normal path stored still learns
    // where the run is, so `?stream=true` can replay the upstream's events.
    if (marker.stream) await markEnded(deps, id, owner, { ...marker, rowWritten: true });
    return;
  }
  try {
    // The run goes on at the upstream: its budget reservation is held until it ends (as long as
    // it may be followed), and settled then with the final row's cost, wherever that is written.
    const held = await row.handOver(entry, entry.startedAt.getTime() + deps.background.polling.limitMs);
    if (held?.budget) marker.budget = held.budget;
    if (held?.tpmSubjects) marker.tpmSubjects = held.tpmSubjects;
    let storedRequest: Json | undefined;
    const record = deps.responses?.storing ? exchange?.recordOf(state) : undefined;
    if (record) {
      storedRequest = { ...record.request, native_background: marker };
      try {
        await deps.responses!.keepUnlessSettled(owner, record.response, storedRequest);
      } catch (error) {
        // Not durable: followed from memory only, and on a stop its row is written as it stands.
        deps.logger.error({ err: error, requestId: request.requestId, responseId: id }, "storing a background response's follow state failed; following it from memory");
        storedRequest = undefined;
      }
    }
    // A gateway already stopping follows nothing: a stored run waits for a later look; one kept nowhere gets its row as it stands.
    if (!startFollowing(deps, { id, owner, marker, storedRequest }) && !storedRequest) await writeRow(deps, abandonedRow(marker.row, Date.now(), 200, "gateway_shutdown"), marker, id);
  } finally {
    // The row now belongs to the stored run (or the follower): a stop no longer waits for it here.
    row.release();
  }
}

async function markEnded(deps: ProxyDeps, id: string, owner: ResponseOwner, marker: NativeBackground): Promise<void> {
  try {
    const record = deps.responses?.storing ? await deps.responses.get(id, owner.userId) : null;
    if (record && isSettledStatus(record.response.status)) await deps.responses!.keep(owner, record.response, { ...record.request, native_background: marker });
  } catch (error) {
    deps.logger.warn({ err: error, responseId: id }, "noting where a streamed background response runs failed; resuming its stream will not work");
  }
}

// ---------------------------------------------------------------------------------------------
// Following.

export function followedOf(record: StoredResponseRecord, marker: NativeBackground): Followed {
  return { id: record.id, owner: { userId: record.userId, model: record.model }, marker, storedRequest: record.request };
}

/** Follow `run` in this process (once per id); nothing when the gateway keeps no background runs or is stopping. */
export function startFollowing(deps: ProxyDeps, run: Followed): boolean {
  return deps.background?.follow(run.id, (signal) => followRun(deps, run, signal)) ?? false;
}

async function followRun(deps: ProxyDeps, run: Followed, signal: AbortSignal): Promise<void> {
  const { firstDelayMs, maxDelayMs, limitMs, orphanedAfterMs } = deps.background!.polling;
  // Written at least this often while running, so a sweep can tell a followed run from an orphan.
  const heartbeatMs = orphanedAfterMs / 3;
  const log = deps.logger.child({ responseId: run.id, requestId: run.marker.row.requestId });
  const giveUpAt = Date.parse(run.marker.row.startedAt) + limitMs;
  let delay = firstDelayMs;
  let written = { status: "", at: Date.now() };
  let settled = false;
  try {
    for (;;) {
      await sleep(delay, signal);
      if (signal.aborted) return;
      delay = nextPollDelayMs(delay, maxDelayMs);
      if (run.storedRequest) {
        const record = await deps.responses!.get(run.id, run.owner.userId).catch(() => undefined);
        // Deleted by its owner (or expired): the run's row is still owed, so it is followed from memory.
        if (record === null) run.storedRequest = undefined;
        else if (record && isSettledStatus(record.response.status)) return void (settled = true); // settled elsewhere
        else if (record) {
          run.storedRequest = record.request;
          run.marker = nativeBackgroundOf(record.request) ?? run.marker;
        }
      }
      let state: Json;
      try {
        state = await fetchState(deps, run, "", signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof UpstreamRefusal && error.status === 404) {
          log.warn("the upstream no longer knows this background response; its row is written with the creation's estimate");
          await settleLost(deps, run);
          return void (settled = true);
        }
        log.warn({ status: error instanceof UpstreamRefusal ? error.status : undefined, code: error instanceof GatewayError ? error.code : undefined }, "polling a background response at the upstream failed; trying again");
        continue;
      }
      if (isSettledStatus(state.status)) {
        await settle(deps, run, state);
        return void (settled = true);
      }
      if (Date.now() > giveUpAt) {
        log.warn({ limitMs }, "stopped following a background response past the follow limit; its row is written with the creation's estimate");
        await settleTimedOut(deps, run, state);
        return void (settled = true);
      }
      if (run.storedRequest && (state.status !== written.status || Date.now() - written.at >= heartbeatMs)) {
        const kept = await deps.responses!.keepUnlessSettled(run.owner, state, run.storedRequest).catch(() => true);
        if (!kept) return void (settled = true); // settled elsewhere meanwhile
        written = { status: String(state.status), at: Date.now() };
      }
    }
  } catch (error) {
    log.error({ err: error }, "following a background response failed; a later GET or the sweep resumes it");
  } finally {
    // A run with no durable record cannot be resumed by anyone: its row is written as it stands.
    if (!settled && !run.storedRequest && !run.marker.rowWritten) await writeRow(deps, abandonedRow(run.marker.row, Date.now(), 200, "gateway_shutdown"), run.marker, run.id).catch(() => undefined);
  }
}

/** The run ended in `response`: the row with its final usage first, then the stored copy (a stop between the two leaves it to be settled again, and the ledger keeps one row per id). */
export async function settle(deps: ProxyDeps, run: Followed, response: Json): Promise<void> {
  const settleHere = async () => {
    if (!run.marker.rowWritten) await writeRow(deps, finalRow(run.marker.row, response, Date.now()), run.marker, run.id);
    if (run.storedRequest) await deps.responses!.keep(run.owner, response, { ...run.storedRequest, native_background: { ...run.marker, rowWritten: true } });
  };
  await (deps.background ? deps.background.settleOnce(run.id, settleHere) : settleHere());
}

/** The upstream no longer has the run: its row from the estimate, and the copy failed with why. */
export async function settleLost(deps: ProxyDeps, run: Followed, stored?: Json): Promise<Json> {
  const error = { code: "upstream_not_found", message: "The upstream provider no longer has this background response; its final state is unknown." };
  let failed: Json = { id: run.id, object: "response", status: "failed", error, background: true };
  const settleHere = async () => {
    if (!run.marker.rowWritten) await writeRow(deps, abandonedRow(run.marker.row, Date.now(), 502, "upstream_not_found"), run.marker, run.id);
    if (!run.storedRequest) return;
    const current = stored ?? (await deps.responses!.get(run.id, run.owner.userId))?.response;
    failed = { ...current, ...failed };
    await deps.responses!.keep(run.owner, failed, { ...run.storedRequest, native_background: { ...run.marker, rowWritten: true } });
  };
  await (deps.background ? deps.background.settleOnce(run.id, settleHere) : settleHere());
  return failed;
}

/** Past the follow limit: the row from the estimate now; the copy stays as the upstream last showed it, and a later look still updates it. */
async function settleTimedOut(deps: ProxyDeps, run: Followed, state: Json): Promise<void> {
  await writeRow(deps, abandonedRow(run.marker.row, Date.now(), 504, "upstream_timeout"), run.marker, run.id);
  run.marker = { ...run.marker, rowWritten: true };
  if (run.storedRequest) await deps.responses!.keepUnlessSettled(run.owner, state, { ...run.storedRequest, native_background: run.marker });
}

/**
 * Write the run's row, then settle the limits the run holds (if any): its final tokens enter this
 * replica's TPM windows, and its cost is charged to its budget reservation (if no replica did already).
 */
async function writeRow(deps: ProxyDeps, entry: LedgerEntry, marker: NativeBackground, responseId: string): Promise<void> {
  deps.drain.rowStarted();
  try {
    await deps.ledger.record(entry);
    logSettled(deps, entry, responseId);
    const held = heldLimitsOf(marker);
    if (held && deps.limits) {
      await deps.limits.settleHeld(held, entry).catch((error: unknown) => deps.logger.error({ requestId: entry.requestId, err: error }, "budget settlement failed"));
    }
  } finally {
    deps.drain.rowSettled();
  }
}

/**
 * The creating POST's request line showed the `queued` answer's estimate; this line is the run's
 * row as written, so the log agrees with the ledger. Same ids as that line (the id the client
 * saw, and the ledger's key when the client chose its own), and only ids, names and numbers.
 */
function logSettled(deps: ProxyDeps, entry: LedgerEntry, responseId: string): void {
  const requestId = entry.clientRequestId ?? entry.requestId;
  deps.logger.info(
    {
      requestId,
      ...(requestId === entry.requestId ? {} : { ledgerRequestId: entry.requestId }),
      responseId,
      route: entry.endpoint,
      model: entry.modelRequested,
      servedModel: entry.modelServed,
      provider: entry.provider,
      status: entry.status,
      ...(entry.errorCode === null ? {} : { errorCode: entry.errorCode }),
      latencyMs: entry.latencyMs,
      inputTokens: entry.usage.inputTokens,
      outputTokens: entry.usage.outputTokens,
      usageEstimated: entry.usageEstimated,
    },
    "background response settled",
  );
}

/**
 * The orphan sweep: running background records not written for `orphanedAfterMs`, left by a
 * process that stopped. Runs at OpenAI it was following are followed here from now on (several
 * replicas may take the same one; the row is still one). Runs it ran itself cannot go on
 * anywhere: they are settled `failed` (background.ts failAbandonedRun), once, whoever sweeps first.
 */
export async function sweepOrphanedBackground(deps: ProxyDeps): Promise<{ followed: number; failed: number }> {
  const counts = { followed: 0, failed: 0 };
  if (!deps.responses?.storing || !deps.background) return counts;
  const writtenBefore = new Date(Date.now() - deps.background.polling.orphanedAfterMs);
  const records = await deps.responses.orphanedBackground(writtenBefore);
  for (const record of records) {
    const marker = nativeBackgroundOf(record.request);
    if (marker) {
      if (deps.background.isFollowing(record.id)) continue;
      startFollowing(deps, followedOf(record, marker));
      counts.followed++;
    } else if (record.request[GATEWAY_BACKGROUND] !== undefined) {
      // One record's write failing (the database away for a moment) leaves it to the next sweep.
      const failed = await failAbandonedRun(deps, record, writtenBefore).catch((error: unknown) => {
        deps.logger.warn({ err: error, responseId: record.id }, "settling a background response whose gateway process stopped failed; the next sweep tries again");
        return false;
      });
      if (failed) counts.failed++;
    }
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The stored-response routes for a native background response.

/** Whether `record` is a native background response (its marker), for the GET, stream and cancel routes. */
/** Wait `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
