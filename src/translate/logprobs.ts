import type { Protocol } from "../canonical/types";

/**
 * P09: token log probabilities. Anthropic has none, so a Chat or Responses client sent to Claude
 * gets `logprobs: null` (Chat) or an empty list (Responses). Chat apps do not care; evaluation
 * tooling that reads them would compute nonsense from nothing, so `gateway.unsupported_logprobs`
 * lets the operator refuse such requests instead (then a route's next provider may serve them).
 */
/** The parameter of a client body that asks for log probabilities, if one does. */
export function logprobsParam(protocol: Protocol, body: Record<string, unknown>): string | undefined {
  if (protocol === "openai-chat" && body.logprobs === true) return "logprobs";
  if (protocol === "openai-responses" && Array.isArray(body.include) && body.include.includes("message.output_text.logprobs")) return "include";
  if (protocol !== "anthropic" && typeof body.top_logprobs === "number" && body.top_logprobs > 0) return "top_logprobs";
  return undefined;
}
