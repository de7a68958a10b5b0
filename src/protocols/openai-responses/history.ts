import type { CanonicalRequest, CanonicalResponse, Message } from "../../canonical/types";
import { GatewayError } from "../../errors/gateway-error";

/** What persistence keeps for one response id: canonical JSON only. */
export interface StoredExchange {
  /** The request as sent upstream: already expanded, so it holds the whole conversation so far. */
  request: CanonicalRequest;
  /** The canonical response that answered it. */
  response: CanonicalResponse;
}

/**
 * R02: a request with `previous_response_id` → the full conversation. The stored
 * request's messages, then the stored response as an assistant turn, then the new input.
 * Like OpenAI, `instructions` (the system prompt), tools and settings are those of the new
 * request: they are not inherited from the previous response. The result has no
 * `previousResponseId`, so encoders and a later store see one self-contained request.
 *
 * Because each stored request is already expanded, a chain of any length needs only the
 * newest link.
 */
export function expandConversation(previous: StoredExchange, next: CanonicalRequest): CanonicalRequest {
  const messages: Message[] = [...previous.request.messages];
  const answer = previous.response.content.filter((part) => part.type !== "opaque" || part.protocol === "openai-responses");
  if (answer.length > 0) appendTurn(messages, { role: "assistant", content: answer });
  for (const message of next.messages) appendTurn(messages, message);
  const expanded: CanonicalRequest = { ...next, messages };
  delete expanded.previousResponseId;
  return expanded;
}

/** Same-role neighbours merge (M09), so tool outputs in the new input join the right turn. */
function appendTurn(messages: Message[], message: Message): void {
  const last = messages[messages.length - 1];
  if (last && last.role === message.role && (message.role === "user" || message.role === "assistant")) {
    const results = message.content.filter((part) => part.type === "tool_result");
    const others = message.content.filter((part) => part.type !== "tool_result");
    const firstOther = last.content.findIndex((part) => part.type !== "tool_result");
    const merged = [...last.content];
    merged.splice(firstOther === -1 ? merged.length : firstOther, 0, ...results);
    messages[messages.length - 1] = { ...last, content: [...merged, ...others] };
    return;
  }
  messages.push({ ...message, content: [...message.content] });
}

/** R02: the error for an unknown or expired response id (never silently drop the field). */
export function previousResponseNotFound(id: string): GatewayError {
  return new GatewayError("invalid_request", 400, `Previous response with id '${id}' not found.`, {
    param: "previous_response_id",
    upstreamCode: "previous_response_not_found",
  });
}
