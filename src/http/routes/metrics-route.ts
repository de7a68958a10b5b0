import { Elysia } from "elysia";
import type { Authenticator } from "../../auth/types";
import { GatewayError, toGatewayError } from "../../errors/gateway-error";
import { renderErrorResponse } from "../../errors/render";
import { EXPOSITION_CONTENT_TYPE } from "../../metrics/exposition";
import type { GatewayMetrics } from "../../metrics/gateway-metrics";

/**
 * GET /metrics for Prometheus, on every listener serving `health`. The metrics are gateway-wide
 * (every user's traffic, models and cost), so when model endpoints require a key this needs one
 * with the `metrics` scope, which only admin roles have; a key made with that scope alone can
 * scrape and do nothing else (Prometheus's `authorization: { credentials: tok_… }`). Open with
 * auth off, or with `metrics.public = true` (a scrape network the operator trusts).
 */
export function metricsRoutes(metrics: GatewayMetrics, auth: Authenticator, open: boolean) {
  return new Elysia({ name: "metrics" }).get(
    "/metrics",
    async ({ request }) => {
      if (!open) {
        try {
          const result = await auth.authenticate(request.headers);
          if (!result.ok) throw new GatewayError(result.status === 401 ? "unauthorized" : "forbidden", result.status, result.message);
          if (!result.principal.scopes.includes("metrics")) throw new GatewayError("forbidden", 403, "this API key lacks the metrics scope (admin roles only: `gateway admin api-keys create --scopes metrics`)");
        } catch (error) {
          return renderErrorResponse("openai-chat", toGatewayError(error));
        }
      }
      return new Response(metrics.render(), { headers: { "content-type": EXPOSITION_CONTENT_TYPE } });
    },
    { detail: { tags: ["Gateway"], summary: "Prometheus metrics (text format 0.0.4); with auth on, a key with the metrics scope" } },
  );
}
