import { Elysia } from "elysia";
import type { Protocol } from "../../canonical/types";
import type { Authenticator, Principal } from "../../auth/types";
import { anonymousPrincipal } from "../../auth/open-authenticator";
import { authenticateModelCall, RefusedKeyError, requireModelsScope } from "../../auth/authorize-model-call";
import { recordRejectedRequest } from "../../proxy/ledger-recorder";
import { toGatewayError } from "../../errors/gateway-error";
import { renderErrorResponse } from "../../errors/render";
import type { UpstreamOperation } from "../../providers/endpoints";
import { handleModelRequest } from "../../proxy/handle-request";
import { serveCompactEndpoint } from "../../proxy/compact-endpoint";
import { serveInputTokensEndpoint } from "../../proxy/input-tokens-endpoint";
import type { ModelRequest, ProxyDeps } from "../../proxy/types";
import { readJsonBody, requestIdFor } from "../read-request";

export interface ModelRouteDeps {
  proxy: ProxyDeps;
  auth: Authenticator;
}

type ServeModelRequest = (request: ModelRequest, deps: ProxyDeps) => Promise<Response>;

/** One model endpoint: authenticate, read the body, hand it to the proxy (or `serve`); errors in the caller's protocol. */
export function modelEndpoint(deps: ModelRouteDeps, endpoint: string, operation: UpstreamOperation, clientProtocol: Protocol, serve: ServeModelRequest = handleModelRequest) {
  // `echoPreviousResponseId`: set by the Responses WebSocket route only (ModelRequest says why).
  return async ({ request, echoPreviousResponseId }: { request: Request; echoPreviousResponseId?: string }): Promise<Response> => {
    const receivedAt = Date.now();
    const { requestId, clientRequestId } = requestIdFor(request.headers);
    let principal: Principal = anonymousPrincipal;
    let read: Record<string, unknown> | undefined;
    try {
      principal = await authenticateModelCall(deps.auth, request.headers);
      requireModelsScope(principal);
      const { body, rawBody } = await readJsonBody(request, deps.proxy.config.server.bodyLimitBytes, { requireModel: true });
      read = body;
      const url = request.url;
      const queryStart = url.indexOf("?");
      return await serve(
        { requestId, clientRequestId, endpoint, operation, clientProtocol, body, rawBody, headers: request.headers, query: queryStart >= 0 ? url.slice(queryStart) : "", signal: request.signal, principal, receivedAt, ...(echoPreviousResponseId ? { echoPreviousResponseId } : {}) },
        deps.proxy,
      );
    } catch (error) {
      // Rejected before the proxy saw it (auth, body), or refused by a Responses feature before
      // its model call (a background request with `store: false`, say): still one ledger row per
      // request, with the model and stream flag asked for once the body was read.
      const gatewayError = toGatewayError(error);
      if (error instanceof RefusedKeyError) principal = { ...anonymousPrincipal, ...error.refusedKey };
      // A client that hung up while sending its body (read-request.ts) is recorded as one that
      // left during the answer: 499 client_closed, not a failure of the gateway's.
      const errorCode = gatewayError.status === 499 ? "client_closed" : gatewayError.code;
      // A refusal of the gateway's own making (database away, a bug): the client sees a short
      // message, so the cause must reach the log or the operator has nothing to go on.
      if (gatewayError.status >= 500) deps.proxy.logger.error({ err: gatewayError.cause ?? gatewayError, requestId, code: gatewayError.code }, `request refused: ${gatewayError.message}`);
      await recordRejectedRequest(deps.proxy, { requestId, clientRequestId, endpoint, operation, clientProtocol, receivedAt, status: gatewayError.status, errorCode, principal, body: read });
      return renderErrorResponse(clientProtocol, gatewayError, requestId);
    }
  };
}

const hide = { hide: false } as const;

/** OpenAI core: chat completions and embeddings. */
export function openaiCoreRoutes(deps: ModelRouteDeps) {
  return new Elysia({ name: "openai-core" })
    .post("/v1/chat/completions", modelEndpoint(deps, "/v1/chat/completions", "openai-chat", "openai-chat"), {
      parse: "none",
      detail: { ...hide, tags: ["OpenAI"], summary: "Chat Completions (OpenAI wire format, streaming and not)" },
    })
    .post("/v1/embeddings", modelEndpoint(deps, "/v1/embeddings", "openai-embeddings", "openai-chat"), {
      parse: "none",
      detail: { tags: ["OpenAI"], summary: "Embeddings (OpenAI wire format)" },
    });
}

/** OpenAI Responses API. */
export function openaiResponsesRoutes(deps: ModelRouteDeps) {
  return new Elysia({ name: "openai-responses" })
    .post("/v1/responses", modelEndpoint(deps, "/v1/responses", "openai-responses", "openai-responses"), {
      parse: "none",
      detail: { tags: ["OpenAI"], summary: "Responses API (OpenAI wire format, streaming and not)" },
    })
    .post("/v1/responses/compact", modelEndpoint(deps, "/v1/responses/compact", "openai-responses-compact", "openai-responses", serveCompactEndpoint), {
      parse: "none",
      detail: { tags: ["OpenAI"], summary: "Compact a conversation (forwarded to OpenAI; other models summarise it through the gateway)" },
    })
    .post("/v1/responses/input_tokens", modelEndpoint(deps, "/v1/responses/input_tokens", "openai-responses-input-tokens", "openai-responses", serveInputTokensEndpoint), {
      parse: "none",
      detail: {
        tags: ["OpenAI"],
        summary: "Count a Responses request's input tokens (exact on OpenAI Responses and Anthropic upstreams, a tokenizer estimate for Chat-only ones)",
        description: [
          "The body is a Responses create request (model, input, instructions, tools, text, reasoning, previous_response_id, ...); the answer is",
          '`{"object":"response.input_tokens","input_tokens":N}`. OpenAI Responses models: forwarded to the provider\'s /responses/input_tokens.',
          "Claude models: translated as POST /v1/responses would be and counted by Anthropic's /v1/messages/count_tokens.",
          "Chat-only models: the gateway estimates the Chat request it would send (o200k_base tokenizer).",
          "A previous_response_id this gateway stored is counted with its whole conversation. Nothing is stored; one ledger row without usage.",
        ].join(" "),
        responses: {
          "200": {
            description: "The count",
            content: { "application/json": { schema: { type: "object", required: ["object", "input_tokens"], properties: { object: { type: "string", enum: ["response.input_tokens"] }, input_tokens: { type: "integer", minimum: 0 } } } } },
          },
          "400": { description: "Invalid body (OpenAI error shape)" },
          "404": { description: "model_not_found: no route serves the model (OpenAI error shape)" },
        },
      },
    });
}

/** Anthropic Messages on both paths Claude Code and the SDKs use. */
export function anthropicRoutes(deps: ModelRouteDeps) {
  const app = new Elysia({ name: "anthropic" });
  for (const prefix of ["/v1", "/anthropic/v1"]) {
    app.post(`${prefix}/messages`, modelEndpoint(deps, `${prefix}/messages`, "anthropic", "anthropic"), {
      parse: "none",
      detail: { tags: ["Anthropic"], summary: "Messages (Anthropic wire format, streaming and not)" },
    });
    app.post(`${prefix}/messages/count_tokens`, modelEndpoint(deps, `${prefix}/messages/count_tokens`, "anthropic-count-tokens", "anthropic"), {
      parse: "none",
      detail: { tags: ["Anthropic"], summary: "Count input tokens (exact on Anthropic upstreams, a tokenizer estimate elsewhere)" },
    });
  }
  return app;
}
