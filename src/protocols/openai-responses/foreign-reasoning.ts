/**
 * Reasoning items a native OpenAI Responses model cannot take (K06 and K09 seen from OpenAI's
 * side). A conversation held by a Responses client may have been answered by Claude or a Chat
 * model through this gateway: its reasoning items carry Claude's signed thinking in a gateway
 * blob, or no blob at all under an id this gateway made up. OpenAI can neither decrypt the one
 * nor find the other, and refuses the whole request. They mean nothing to an OpenAI model, so
 * they are left out before such a history goes to it; OpenAI's own reasoning items are kept.
 */
import { isGatewayReasoningBlob } from "./reasoning-blob";
import { isRecord } from "./values";

/**
 * Ids of the reasoning items this gateway writes (for Claude thinking and Chat reasoning, which
 * come without one): a recognisable prefix, so a replayed item without its blob is known as
 * ours. OpenAI's own ids (`rs_` and hex) never start with it.
 */
const GATEWAY_REASONING_ID_PREFIX = "rs_tgw";

export function newGatewayReasoningId(newId: (prefix: string) => string): string {
  return newId(GATEWAY_REASONING_ID_PREFIX);
}

/** A reasoning item that did not come from OpenAI: a gateway blob, or no blob and a gateway id. */
export function isForeignReasoningItem(item: unknown): boolean {
  if (!isRecord(item) || item.type !== "reasoning") return false;
  const blob = item.encrypted_content;
  if (typeof blob === "string" && blob !== "") return isGatewayReasoningBlob(blob);
  return typeof item.id === "string" && item.id.startsWith(GATEWAY_REASONING_ID_PREFIX);
}

/** A Responses `input` without foreign reasoning items; the same value when there were none. */
export function withoutForeignReasoning(input: unknown): unknown {
  if (!Array.isArray(input) || !input.some(isForeignReasoningItem)) return input;
  return input.filter((item) => !isForeignReasoningItem(item));
}
