/**
 * WebSocket mode's connection-local continuation. Over a Responses WebSocket a client (Codex)
 * sends each later turn as `previous_response_id` plus only the new input items, also with
 * `store: false`, and relies on the connection keeping the previous response in memory. So the
 * session remembers the last response's full item list (its input followed by its output) and
 * turns such a request back into the complete one before it takes the ordinary HTTP path, where
 * every upstream (Anthropic, Chat, native Responses) can serve it. A `previous_response_id` the
 * connection does not hold is left alone: the HTTP path resolves it from the response store or
 * at OpenAI, or refuses it.
 */

type Json = Record<string, unknown>;

/** The most recent completed response on one connection. */
export interface ContinuationState {
  responseId: string;
  /** Its input, previous turns included, then its output items: what the next turn continues. */
  items: unknown[];
}

/** The Responses `input` as a list of items (a bare string is one user message). */
export function inputItems(input: unknown): unknown[] {
  if (input === undefined || input === null) return [];
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  return Array.isArray(input) ? input : [input];
}

/**
 * The request with the connection's last response spliced in when it continues that response:
 * `previous_response_id` removed and `input` made complete. Returns the request unchanged otherwise.
 */
export function expandContinuation(request: Json, last: ContinuationState | undefined): Json {
  if (!last || request.previous_response_id !== last.responseId) return request;
  const { previous_response_id: _continued, ...rest } = request;
  return { ...rest, input: [...last.items, ...inputItems(request.input)] };
}

/**
 * What the next turn can continue once `response` (the final response object) has finished.
 * Nothing when the request continued a response the connection did not hold: its full history
 * is known only to the store that resolved it, which then resolves the next turn too.
 */
export function continuationAfter(request: Json, response: Json): ContinuationState | undefined {
  if (typeof response.id !== "string" || typeof request.previous_response_id === "string") return undefined;
  const output = Array.isArray(response.output) ? response.output : [];
  return { responseId: response.id, items: [...inputItems(request.input), ...output] };
}
