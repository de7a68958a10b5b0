import { Elysia } from "elysia";
import type { Authenticator } from "../auth/types";
import type { GatewayConfig } from "../config/types";
import { GatewayError } from "../errors/gateway-error";
import { renderErrorResponse } from "../errors/render";
import type { ProxyDeps } from "../proxy/types";
import { corsHook } from "./cors";
import { openApiRoutes, responsesWebSocketOperation } from "./openapi-document";
import { protocolForPath, requestIdFor } from "./read-request";
import { anthropicModelListRoutes, healthRoutes, modelListRoutes } from "./routes/info-routes";
import { metricsRoutes } from "./routes/metrics-route";
import type { ModelDiscovery } from "./routes/model-catalogue";
import { anthropicRoutes, openaiCoreRoutes, openaiResponsesRoutes } from "./routes/model-routes";
import { responsesWebSocketRoutes } from "./routes/responses-websocket";
import { storedResponseRoutes } from "./routes/stored-responses";

/** Endpoint groups, named as in the original's multi-port configuration (§1.14). */
export type EndpointKey = "openai_core" | "openai_responses" | "anthropic" | "admin" | "health";

const endpointKeyAliases: Record<string, EndpointKey> = {
  openai: "openai_core",
  openai_core: "openai_core",
  "openai-chat": "openai_core",
  openai_default: "openai_core",
  responses: "openai_responses",
  openai_responses: "openai_responses",
  anthropic: "anthropic",
  admin: "admin",
  health: "health",
  status: "health",
};

/** Normalise configured endpoint keys; unknown keys are a start-up error (gemini_native is not served). */
export function normaliseEndpointKeys(keys: readonly string[], setting: string): EndpointKey[] {
  return keys.map((key) => {
    const normalised = endpointKeyAliases[key.trim().toLowerCase()];
    if (!normalised) throw new Error(`unknown endpoint key ${JSON.stringify(key)} in ${setting} (allowed: openai_core, openai_responses, anthropic, admin, health)`);
    return normalised;
  });
}

export interface AppDeps {
  config: GatewayConfig;
  proxy: ProxyDeps;
  auth: Authenticator;
  /** Admin and usage routes (mounted under the `admin` endpoint key). */
  adminRoutes?: Elysia<any>[];
  /** Providers' own model listings for GET /v1/models (absent: configured names only). */
  modelDiscovery?: ModelDiscovery;
  isDraining: () => boolean;
}

/** The Elysia app serving the given endpoint groups (all of them on the single-port facade). */
export function createApp(deps: AppDeps, endpoints: readonly EndpointKey[]) {
  const enabled = new Set(endpoints);
  // Built on first use, once every route below is registered: a known path asked with another
  // method is a 405 naming the allowed ones, not a 404 that reads as "no such endpoint".
  let methodsByPath: Map<string, string[]> | undefined;
  const methodsServing = (path: string): string[] => {
    methodsByPath ??= staticRouteMethods(app.routes);
    return methodsByPath.get(path) ?? [];
  };
  const routeDeps = { proxy: deps.proxy, auth: deps.auth };
  const app = new Elysia({
    name: "tokligence-gateway",
    // A Responses WebSocket message is a whole request body (Codex sends the full history on a
    // new connection): the same limit as a POST, where Bun's default would cut it at 16 MB.
    // Liveness is the gateway's own ping (responses-websocket/heartbeat.ts, at most every 60 s,
    // which also resets Bun's idle timer); Bun's 120 s idle timeout with its own pings stays as
    // the backstop, set here rather than left to a default.
    websocket: { maxPayloadLength: deps.config.server.bodyLimitBytes, idleTimeout: 120, sendPings: true },
  })
    .onError(({ code, error, request }) => {
      const path = new URL(request.url).pathname;
      const protocol = protocolForPath(path);
      // Refusals raised before a route runs carry a request id too (header, and Anthropic's body field).
      const { requestId } = requestIdFor(request.headers);
      if (code === "NOT_FOUND") {
        const allowed = methodsServing(path);
        if (allowed.length === 0 || request.method === "OPTIONS") return renderErrorResponse(protocol, new GatewayError("not_found", 404, `no route for ${request.method} ${path}`), requestId);
        const refusal = renderErrorResponse(protocol, new GatewayError("method_not_allowed", 405, `${request.method} is not allowed on ${path}; use ${allowed.join(" or ")}`), requestId);
        refusal.headers.set("allow", allowed.join(", "));
        return refusal;
      }
      if (code === "PARSE" || code === "VALIDATION") return renderErrorResponse(protocol, new GatewayError("invalid_request", 400, String((error as Error).message ?? error)), requestId);
      deps.proxy.logger.error({ err: error, path }, "unhandled error");
      return renderErrorResponse(protocol, new GatewayError("internal_error", 500, "internal gateway error"), requestId);
    })
    .use(openApiRoutes(enabled.has("openai_responses") ? { "/v1/responses": responsesWebSocketOperation } : {}));
  const cors = corsHook(deps.config.server.corsOrigins);
  if (cors) app.use(cors);
  if (enabled.has("health")) {
    const ledger = () => deps.proxy.ledger;
    app.use(healthRoutes(deps.config, deps.isDraining, () => ledger().failing?.() ?? false, () => ledger().spilledCount?.() ?? 0));
    // Disabled: not mounted, so /metrics is a 404 like any unknown path.
    if (deps.proxy.metrics) app.use(metricsRoutes(deps.proxy.metrics, deps.auth, !deps.auth.required || deps.config.metrics.public));
  }
  // One model listing per listener, in the shapes of the APIs it serves (OpenAI, Anthropic or both).
  if (enabled.has("openai_core") || enabled.has("anthropic")) {
    const shapes = { openai: enabled.has("openai_core"), anthropic: enabled.has("anthropic") };
    app.use(modelListRoutes(deps.proxy.router, deps.auth, shapes, deps.modelDiscovery));
    if (shapes.anthropic) app.use(anthropicModelListRoutes(deps.proxy.router, deps.auth, shapes, deps.modelDiscovery));
  }
  if (enabled.has("openai_core")) app.use(openaiCoreRoutes(routeDeps));
  if (enabled.has("openai_responses")) app.use(openaiResponsesRoutes(routeDeps)).use(responsesWebSocketRoutes(routeDeps, deps.isDraining)).use(storedResponseRoutes(routeDeps));
  if (enabled.has("anthropic")) app.use(anthropicRoutes(routeDeps));
  if (enabled.has("admin")) for (const routes of deps.adminRoutes ?? []) app.use(routes);
  return app;
}

/** Methods per literal route path (paths with parameters are left out: any id would match them). */
function staticRouteMethods(routes: readonly { method: string; path: string }[]): Map<string, string[]> {
  const methods = new Map<string, string[]>();
  for (const { method, path } of routes) {
    // "WS" is Elysia's name for a WebSocket upgrade route (GET with Upgrade), not an HTTP method.
    if (path.includes(":") || path.includes("*") || method === "OPTIONS" || method === "WS") continue;
    const list = methods.get(path) ?? [];
    if (!list.includes(method)) list.push(method);
    methods.set(path, list);
  }
  return methods;
}
