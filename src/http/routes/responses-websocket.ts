/**
 * GET /v1/responses with `Upgrade: websocket`: the Responses API's WebSocket mode. Codex's
 * built-in OpenAI provider tries it first (and retries for seconds, printing errors, before it
 * falls back to HTTP when a gateway refuses the upgrade); the OpenAI SDKs open it with
 * `responses.connect()`. The handshake is authenticated like POST /v1/responses, and each
 * `response.create` then goes through that same endpoint (src/responses-websocket/session.ts).
 */
import { Elysia } from "elysia";
import { authenticateModelCall, requireModelsScope } from "../../auth/authorize-model-call";
import { GatewayError, toGatewayError } from "../../errors/gateway-error";
import { renderErrorResponse } from "../../errors/render";
import { ResponsesSocketSession } from "../../responses-websocket/session";
import { requestIdFor } from "../read-request";
import { type ModelRouteDeps, modelEndpoint } from "./model-routes";

/** Handshake headers that describe the upgrade, not the caller: never part of a turn's request. */
const upgradeOnlyHeaders = /^(upgrade|connection|sec-websocket-.*|content-length|transfer-encoding|host)$/i;

/** The headers each turn is served with: the caller's own (auth, tracing, Codex's), as JSON. */
function turnHeaders(handshake: Headers): Headers {
  const headers = new Headers();
  handshake.forEach((value, name) => {
    if (!upgradeOnlyHeaders.test(name)) headers.set(name, value);
  });
  headers.set("content-type", "application/json");
  return headers;
}

export function responsesWebSocketRoutes(deps: ModelRouteDeps, isDraining: () => boolean) {
  const serveHttp = modelEndpoint(deps, "/v1/responses", "openai-responses", "openai-responses");
  // Keyed by Bun's socket object, the same one in every callback of a connection.
  const sessions = new WeakMap<object, { session: ResponsesSocketSession; unsubscribe: () => void }>();
  const checked = new WeakSet<object>();
  return new Elysia({ name: "openai-responses-websocket" }).ws("/v1/responses", {
    // Elysia runs this hook twice per handshake (as the route's hook and again before the
    // upgrade); the key is checked once.
    async beforeHandle(context) {
      if (checked.has(context)) return;
      checked.add(context);
      const { request } = context;
      try {
        if (isDraining()) throw new GatewayError("gateway_shutdown", 503, "gateway shutting down");
        requireModelsScope(await authenticateModelCall(deps.auth, request.headers));
      } catch (error) {
        const refusal = toGatewayError(error);
        if (refusal.status >= 500) deps.proxy.logger.error({ err: refusal.cause ?? refusal, code: refusal.code }, `websocket handshake refused: ${refusal.message}`);
        return renderErrorResponse("openai-responses", refusal, requestIdFor(request.headers).requestId);
      }
    },
    open(ws) {
      const handshake = ws.data.request;
      const headers = turnHeaders(handshake.headers);
      const serveTurn = (body: string, signal: AbortSignal) => serveHttp({ request: new Request(handshake.url, { method: "POST", headers, body, signal }) });
      const session = new ResponsesSocketSession(serveTurn, { send: (frame) => ws.send(frame), close: (code, reason) => ws.close(code, reason) }, (error) =>
        deps.proxy.logger.error({ err: error }, "responses websocket turn failed"),
      );
      sessions.set(ws.raw, { session, unsubscribe: deps.proxy.drain.onDrain(() => session.drain()) });
    },
    message(ws, message) {
      sessions.get(ws.raw)?.session.receive(message);
    },
    close(ws) {
      const entry = sessions.get(ws.raw);
      entry?.session.clientClosed();
      entry?.unsubscribe();
    },
    detail: { tags: ["OpenAI"], summary: "Responses API WebSocket mode (response.create events; the same events as the SSE stream)" },
  });
}
