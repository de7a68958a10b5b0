/**
 * GET /v1/responses/{id}, GET /v1/responses/{id}/input_items and DELETE /v1/responses/{id}:
 * the stored Responses API objects (src/responses-store), in OpenAI's shapes. Authenticated
 * like POST /v1/responses; a caller only ever sees responses created under its own user,
 * anything else is 404 exactly like an id that never existed. A database that cannot be reached
 * is a retryable 503 `database_unavailable` (as on the admin and usage APIs), not a 500.
 * A streamed foreground response this process relays is read from memory until it is stored
 * (`status: "in_progress"`, live-responses.ts): GET and input_items answer it; `?stream=true` and
 * cancel give the 400s of a stored non-background response; DELETE finds nothing stored yet (404).
 */
import { Elysia } from "elysia";
import { authenticateModelCall, requireModelsScope } from "../../auth/authorize-model-call";
import type { Authenticator } from "../../auth/types";
import { GatewayError } from "../../errors/gateway-error";
import { renderErrorResponse } from "../../errors/render";
import type { ProxyDeps } from "../../proxy/types";
import { readStoredRequest } from "../../responses-store/record";
import { paginateItems, parseListQuery, withListingIds } from "../../responses-store/items";
import { storeFailureAnswer } from "../../store/database-unreachable";
import type { StoredResponseRecord } from "../../store/types";
import { requestIdFor } from "../read-request";
import { cancelNativeBackground, nativeBackgroundRecord, readCreatingNativeBackground, refreshNativeBackground, streamNativeBackground } from "../../proxy/native-background-routes";
import { cancelResponse, resumeStream, stopLocalRun } from "./background-responses";

interface StoredResponseRouteDeps {
  proxy: ProxyDeps;
  auth: Authenticator;
}

/** A handler's answer: a JSON body, or a whole Response (a resumed event stream). */
type Handler = (record: StoredResponseRecord, request: Request, userId: number | null, requestId: string) => Promise<unknown>;

/**
 * What a route does with an id not stored yet whose creating stream this process relays (a
 * streamed background response on a native OpenAI route, stored when that stream ends): read it
 * at the upstream (native-background-routes.ts readCreatingNativeBackground). Before, such an id
 * was a 404 until the stream ended, so neither a GET from elsewhere nor the creating client,
 * resuming right after losing its stream, found it.
 */
type CreatingHandler = (request: Request) => "get" | "stream" | "cancel";

function notFound(id: string): GatewayError {
  return new GatewayError("not_found", 404, `Response with id '${id}' not found.`, { param: "response_id" });
}

export function storedResponseRoutes(deps: StoredResponseRouteDeps) {
  const answer = (handler: Handler, creating?: CreatingHandler) => async ({ request, params }: { request: Request; params: { id: string } }): Promise<Response> => {
    const { requestId } = requestIdFor(request.headers);
    try {
      const principal = await authenticateModelCall(deps.auth, request.headers);
      requireModelsScope(principal);
      const userId = principal.userId;
      // A streamed response this process relays and has not stored yet answers as in_progress
      // (live-responses.ts). Looked at first: it leaves only once its record is stored, so a GET
      // racing the end of the stream finds one or the other, never neither.
      const record = deps.proxy.responses?.liveRecord(params.id, userId) ?? (await deps.proxy.responses?.get(params.id, userId));
      let body: unknown;
      if (record) body = await handler(record, request, userId, requestId);
      else {
        const live = creating && deps.proxy.background?.creatingRun(params.id, userId);
        if (!creating || !live) throw notFound(params.id);
        body = await readCreatingNativeBackground(deps.proxy, live, creating(request), new URL(request.url).search, request.signal, requestId);
      }
      if (body instanceof Response) return body;
      return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json", "x-request-id": requestId } });
    } catch (error) {
      const answer = storeFailureAnswer(error);
      // The gateway's own 5xx (its database away, a bug): the client gets a short message, the cause goes to the log once.
      if (answer.status >= 500) deps.proxy.logger.error({ err: answer.cause ?? error, requestId, code: answer.code }, `stored responses API error: ${answer.message}`);
      return renderErrorResponse("openai-responses", answer, requestId);
    }
  };
  const detail = (summary: string) => ({ detail: { tags: ["OpenAI"], summary } });

  return new Elysia({ name: "stored-responses" })
    .get(
      "/v1/responses/:id",
      answer(async (record, request, _userId, requestId) => {
        const url = new URL(request.url);
        const query = url.searchParams;
        // A background response OpenAI runs: its state (or event stream) comes from the upstream until it ends.
        const native = nativeBackgroundRecord(record);
        if (query.get("stream") === "true") {
          return native ? streamNativeBackground(deps.proxy, record, native, url.search, request.signal, requestId) : resumeStream(deps.proxy, record, query.get("starting_after"), request.signal, requestId);
        }
        return native ? refreshNativeBackground(deps.proxy, record, native, url.search, request.signal, requestId) : record.response;
      }, (request) => (new URL(request.url).searchParams.get("stream") === "true" ? "stream" : "get")),
      detail("A stored response (created with `store` not false); `?stream=true&starting_after=N` resumes a background stream"),
    )
    .post(
      "/v1/responses/:id/cancel",
      answer(async (record, request, userId, requestId) => {
        const native = nativeBackgroundRecord(record);
        return native ? cancelNativeBackground(deps.proxy, record, native, request.signal, requestId) : cancelResponse(deps.proxy, record, userId);
      }, () => "cancel"),
      detail("Cancel a background response"),
    )
    .get(
      "/v1/responses/:id/input_items",
      answer(async (record, request) => {
        const query = parseListQuery(new URL(request.url).searchParams);
        return paginateItems(withListingIds(record.id, readStoredRequest(record.request).input), query);
      }),
      detail("The input items of a stored response (OpenAI list: order, limit, after)"),
    )
    .delete(
      "/v1/responses/:id",
      answer(async (record, request, userId, requestId) => {
        // A background run of this process is stopped first: nobody can read its answer any more.
        // (A run elsewhere goes on; its record stays deleted: the repository keeps a tombstone.)
        await stopLocalRun(deps.proxy, record.id);
        await cancelNativeRunOf(record, request.signal, requestId);
        // Gone between the read and the delete (another replica, expiry): the same 404.
        if (!(await deps.proxy.responses!.delete(record.id, userId))) throw notFound(record.id);
        return { id: record.id, object: "response", deleted: true };
      }),
      detail("Delete a stored response"),
    );

  /**
   * A background run OpenAI is still working on is cancelled there before its copy is deleted:
   * nobody can read its answer any more, so it would only go on billing. The cancel settles the
   * ledger row as any cancel does. A cancel that fails is logged; the delete goes ahead.
   */
  async function cancelNativeRunOf(record: StoredResponseRecord, signal: AbortSignal, requestId: string): Promise<void> {
    const native = nativeBackgroundRecord(record);
    if (!native) return;
    try {
      const outcome = await cancelNativeBackground(deps.proxy, record, native, signal, requestId);
      if (outcome instanceof Response) deps.proxy.logger.warn({ requestId, responseId: record.id, status: outcome.status }, "the upstream refused to cancel a deleted background response; it may run on there");
    } catch (error) {
      deps.proxy.logger.warn({ requestId, responseId: record.id, err: error }, "cancelling a deleted background response at the upstream failed; it may run on there");
    }
  }
}
