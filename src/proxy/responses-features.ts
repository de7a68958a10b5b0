/**
 * Responses API features served around the normal request path when the routed model is not
 * OpenAI's own: background mode (background.ts), Codex's compaction trigger (compaction.ts) and
 * server-side compaction (context-management.ts). An OpenAI Responses route gets these requests
 * as sent; a background one is then followed at the upstream (native-background.ts). The ordinary request pays one check: `asksForResponsesFeature`.
 */
import { asksForCompaction } from "../protocols/openai-responses/gateway-compaction";
import { routedToOpenAIResponses, type ServeModelRequest, serveGatewayCompaction } from "./compaction";
import { serveInBackground } from "./background";
import { serveNativeBackground } from "./native-background";
import { serveWithContextManagement } from "./context-management";
import type { ModelRequest, ProxyDeps } from "./types";

/** Whether a request may need one of these features (cheap: reads three fields, resolves nothing). */
export function asksForResponsesFeature(request: ModelRequest): boolean {
  if (request.operation !== "openai-responses") return false;
  const body = request.body;
  return body.background === true || body.context_management != null || asksForCompaction(body.input);
}

/** Serve the request through the feature it asks for; `serve` is the normal path. */
export function serveResponsesFeature(request: ModelRequest, deps: ProxyDeps, serve: ServeModelRequest): Promise<Response> {
  // OpenAI runs a background response itself; the gateway follows it there for its ledger row and stored copy.
  if (routedToOpenAIResponses(request, deps)) return request.body.background === true ? serveNativeBackground(request, deps, serve) : serve(request, deps);
  // A background run comes back through here with its id set, for the features below.
  if (request.body.background === true && request.responseId === undefined) return serveInBackground(request, deps, (run) => serveResponsesFeature(run, deps, serve));
  if (!asksForCompaction(request.body.input) && request.body.context_management == null) return serve(request, deps);
  if (asksForCompaction(request.body.input)) return serveGatewayCompaction(request, deps, serve);
  return serveWithContextManagement(request, deps, serve);
}
