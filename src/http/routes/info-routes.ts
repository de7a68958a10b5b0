import { Elysia } from "elysia";
import { authenticateModelCall, requireModelsScope } from "../../auth/authorize-model-call";
import type { Authenticator } from "../../auth/types";
import type { GatewayConfig } from "../../config/types";
import { toGatewayError } from "../../errors/gateway-error";
import { renderErrorResponse } from "../../errors/render";
import type { ModelRouter } from "../../routing/router";
import { gatewayVersion } from "../../version";

/** GET /health (and /livez, /readyz for orchestrators): status, version and work mode, never secrets or routes. */
export function healthRoutes(config: GatewayConfig, isDraining: () => boolean) {
  const health = () => ({ status: isDraining() ? "draining" : "ok", version: gatewayVersion, work_mode: config.workMode, time: new Date().toISOString() });
  return new Elysia({ name: "health" })
    .get("/health", health, { detail: { tags: ["Gateway"], summary: "Liveness, version and work mode" } })
    .get("/livez", () => ({ status: "ok" }), { detail: { tags: ["Gateway"], summary: "Liveness probe" } })
    .get(
      "/readyz",
      ({ set }) => {
        if (isDraining()) set.status = 503;
        return { status: isDraining() ? "draining" : "ready" };
      },
      { detail: { tags: ["Gateway"], summary: "Readiness probe (503 while draining)" } },
    );
}

/**
 * GET /v1/models: configured models, aliases and loopback, in the OpenAI list shape. Behind
 * the same door as the model endpoints (key and `models` scope when auth is on); a listing
 * spends no tokens, so it writes no ledger row.
 */
export function modelListRoutes(router: ModelRouter, auth: Authenticator) {
  const created = Math.floor(Date.now() / 1000);
  return new Elysia({ name: "models" }).get(
    "/v1/models",
    async ({ request }) => {
      try {
        requireModelsScope(await authenticateModelCall(auth, request.headers));
      } catch (error) {
        return renderErrorResponse("openai-chat", toGatewayError(error));
      }
      return Response.json({ object: "list", data: router.listModels().map((model) => ({ id: model.id, object: "model", created, owned_by: model.ownedBy })) });
    },
    { detail: { tags: ["OpenAI"], summary: "List the models this gateway routes" } },
  );
}
