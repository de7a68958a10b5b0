import { GatewayError } from "../errors/gateway-error";
import type { RouteTarget } from "../routing/router";
import type { UpstreamCall } from "../upstream/client";
import { type OpeningError, OpeningStreamEnded, type PrimedBody, primeStream, type StreamProtocol } from "./stream-opening";
import type { PreparedAttempt } from "./upstream-request";

/**
 * A streamed answer's opening, read inside the attempt (send-attempt.ts) so that an error the
 * stream opened with is handled as the HTTP error it stands for: a rate limit sets its key aside
 * and the same request goes again with the provider's next key, as a 429 answer does.
 */
export type StreamOpening = { body: PrimedBody } | { opening: OpeningError };

export async function openStream(call: UpstreamCall, attempt: PreparedAttempt, windowMs: number): Promise<StreamOpening> {
  refuseNonEventStream(call, attempt);
  try {
    return { body: await primeStream(call.readBody(), streamProtocolOf(attempt.target), (opening) => new OpenedWithError(opening), windowMs) };
  } catch (error) {
    if (error instanceof OpenedWithError) {
      // Its body is given back already; the connection goes too.
      call.abort(new GatewayError("upstream_error", error.opening.status, "upstream stream opened with an error"));
      return { opening: error.opening };
    }
    throw error instanceof OpeningStreamEnded ? new GatewayError("upstream_error", 502, error.message) : error;
  }
}

/** Carries an opening error out of primeStream to openStream, which answers it. */
class OpenedWithError extends Error {
  constructor(readonly opening: OpeningError) {
    super("upstream stream opened with an error");
  }
}

/**
 * A streamed request answered 200 with something other than an event stream (a JSON error body
 * behind a proxy, a server that ignored `stream`): read as SSE it would become an empty but
 * "successful" answer. Before the first byte, so the route may still fail over.
 */
function refuseNonEventStream(call: UpstreamCall, attempt: PreparedAttempt): void {
  if (attempt.target.provider === "loopback") return;
  const type = call.headers.get("content-type") ?? "";
  if (type === "" || type.includes("text/event-stream")) return;
  const error = new GatewayError("upstream_error", 502, `upstream answered a streamed request with ${type.split(";")[0]} instead of an event stream`);
  call.abort(error); // its body is never read: free the connection
  throw error;
}

/** Whose stream openings are read for errors (stream-opening.ts): not the gateway's own loopback answers. */
function streamProtocolOf(target: RouteTarget): StreamProtocol | undefined {
  if (target.provider === "loopback") return undefined;
  const protocol = target.upstreamProtocol;
  return protocol === "openai-chat" || protocol === "openai-responses" || protocol === "anthropic" ? protocol : undefined;
}
