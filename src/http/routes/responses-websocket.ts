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
import { SocketHeartbeat } from "../../responses-websocket/heartbeat";
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

/** Bun's socket behind an Elysia callback's argument, whichever of the two it was given. */
function bunSocketOf(ws: object): object {
  return (ws as { raw?: object }).raw ?? ws;
}

export function responsesWebSocketRoutes(deps: ModelRouteDeps, isDraining: () => boolean) {
  const serveHttp = modelEndpoint(deps, "/v1/responses", "openai-responses", "openai-responses");
  // Keyed by Bun's socket object, the same one in every callback of a connection.
  const sessions = new WeakMap<object, { session: ResponsesSocketSession; heartbeat: SocketHeartbeat; unsubscribe: () => void }>();
  const checked = new WeakSet<object>();
  return new Elysia({ name: "openai-responses-websocket" }).ws("/v1/responses", {
    // Elysia runs this hook twice per handshake (as the route's hook and again before the
    // upgrade); the key is checked once. An arrow function: written as a method, Elysia's static
    // analysis failed on the compiled binary's code and printed its source to stdout.
    beforeHandle: async (context) => {
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
      const serveTurn = (body: string, signal: AbortSignal, echoPreviousResponseId?: string) =>
        serveHttp({ request: new Request(handshake.url, { method: "POST", headers, body, signal }), echoPreviousResponseId });
      const session = new ResponsesSocketSession(serveTurn, { send: (frame) => ws.send(frame), close: (code, reason) => ws.close(code, reason) }, (error) =>
        deps.proxy.logger.error({ err: error }, "responses websocket turn failed"),
      );
      const heartbeat = new SocketHeartbeat({ ping: () => void ws.raw.ping(), terminate: () => ws.raw.terminate() }, deps.proxy.config.server.websocketPingIntervalMs, () =>
        deps.proxy.logger.warn({ busy: session.busy }, "responses websocket peer stopped answering pings; closing it"),
      );
      sessions.set(ws.raw, { session, heartbeat, unsubscribe: deps.proxy.drain.onDrain(() => session.drain()) });
    },
    message(ws, message) {
      const entry = sessions.get(ws.raw);
      entry?.heartbeat.heard();
      entry?.session.receive(message);
    },
    // Elysia hands these two Bun's own socket, not its wrapper (whose `raw` the others key by).
    ping(ws) {
      sessions.get(bunSocketOf(ws))?.heartbeat.heard();
    },
    pong(ws) {
      sessions.get(bunSocketOf(ws))?.heartbeat.heard();
    },
    close(ws) {
      const entry = sessions.get(ws.raw);
      entry?.heartbeat.stop();
      entry?.session.clientClosed();
      entry?.unsubscribe();
    },
    detail: { tags: ["OpenAI"], summary: "Responses API WebSocket mode (response.create events; the same events as the SSE stream)" },
  });
}
