/**
 * The upstream side of a native OpenAI background run (native-background.ts): reading its state,
 * cancelling it and relaying its stream at the provider that holds it, with the key that created
 * it, through the gateway's upstream client; refusals come back with any echoed key removed.
 */
import { errorFromUpstreamStatus, GatewayError } from "../errors/gateway-error";
import { renderErrorResponse } from "../errors/render";
import { hideSecretValues, scrubSecrets } from "../log/logger";
import { upstreamHeaders, upstreamUrl } from "../providers/endpoints";
import type { ResponseOwner } from "../responses-store/service";
import { callUpstream, type UpstreamCall } from "../upstream/client";
import { keyFingerprint, type NativeBackground, type PendingRow } from "./native-background-state";
import type { ProxyDeps } from "./types";

export type Json = Record<string, unknown>;

/** A run this gateway follows: where it is, whose it is, and the stored request it is kept with (none: no durable record). */
export interface Followed {
  id: string;
  owner: ResponseOwner;
  marker: NativeBackground;
  storedRequest: Json | undefined;
}

/**
 * What reading a run at the upstream needs: where it is, the key that created it, and the model
 * names its answers carry (the upstream's, and the client's it is shown under). A followed run
 * has it; so does a run whose creating stream is still being relayed (not stored yet).
 */
export interface RunAtUpstream {
  id: string;
  marker: Pick<NativeBackground, "provider" | "key"> & { row: Pick<PendingRow, "modelServed" | "modelRequested"> };
}

/** An upstream answer with an error status, its body cleaned of any key it might echo. */
export class UpstreamRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly contentType: string,
  ) {
    super(`upstream answered HTTP ${status}`);
  }

  /**
   * The answer for the client: the upstream's own (OpenAI-shaped) error, as on POST /v1/responses.
   * Only a JSON body is relayed as written: a proxy's HTML page, plain text or an empty body would
   * reach an SDK that parses the error as JSON, so those become an OpenAI error, status kept (as
   * send-attempt.ts does for the foreground).
   */
  relay(requestId: string): Response {
    if (parseObject(this.body)) return new Response(this.body, { status: this.status, headers: { "content-type": this.contentType, "x-request-id": requestId } });
    const message = this.body.trim() === "" ? `upstream answered HTTP ${this.status}` : this.body.slice(0, 500);
    return renderErrorResponse("openai-responses", errorFromUpstreamStatus(this.status, message), requestId);
  }
}


/** The run's state from the upstream's GET /responses/{id}, as the client sees it. */
export function fetchState(deps: ProxyDeps, run: RunAtUpstream, search: string, signal: AbortSignal): Promise<Json> {
  return askJson(deps, run, "GET", `/${encodeURIComponent(run.id)}${search}`, signal);
}

export async function askJson(deps: ProxyDeps, run: RunAtUpstream, method: "GET" | "POST", path: string, signal: AbortSignal): Promise<Json> {
  const call = await askUpstream(deps, run, method, path, signal, false);
  if (call.status >= 400) throw await refusalOf(deps, run, call);
  const text = await call.readText();
  const state = parseObject(text);
  if (!state || typeof state.status !== "string") throw new GatewayError("upstream_error", 502, "the upstream answered a background response read that is not a response object");
  // The client asked for its own model name (an alias): the copy keeps showing it, as the creating answer did.
  if (state.model === run.marker.row.modelServed) state.model = run.marker.row.modelRequested;
  return state;
}

/** One call to the provider that holds the run, with the key that created it, through the gateway's upstream client. */
export async function askUpstream(deps: ProxyDeps, run: RunAtUpstream, method: "GET" | "POST", path: string, signal: AbortSignal, streamed: boolean): Promise<UpstreamCall> {
  const provider = deps.config.providers.find((candidate) => candidate.name === run.marker.provider);
  if (!provider) throw new GatewayError("upstream_unavailable", 503, `the provider '${run.marker.provider}' that holds this background response is no longer configured`);
  const key = (run.marker.key ? provider.apiKeys.find((candidate) => keyFingerprint(candidate) === run.marker.key) : undefined) ?? deps.keyRings.get(provider.name)?.next();
  const headers = upstreamHeaders(provider, "openai-responses", key, undefined, true);
  delete headers["content-type"];
  return callUpstream(`${upstreamUrl(provider, "openai-responses")}${path}`, { headers, body: "", method, streamed, provider: provider.name }, signal, deps.config.upstream);
}

export async function refusalOf(deps: ProxyDeps, run: RunAtUpstream, call: UpstreamCall): Promise<UpstreamRefusal> {
  const keys = deps.config.providers.find((candidate) => candidate.name === run.marker.provider)?.apiKeys ?? [];
  const text = scrubSecrets(hideSecretValues(await call.readText().catch(() => ""), keys));
  return new UpstreamRefusal(call.status, text, call.headers.get("content-type") ?? "application/json");
}

export function parseObject(text: string): Json | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

export function responseIn(data: string): Json | undefined {
  const parsed = parseObject(data);
  const response = parsed?.response;
  return typeof response === "object" && response !== null ? (response as Json) : undefined;
}
