/**
 * The gateway-tagged `encrypted_content` that carries Anthropic thinking through a
 * Responses client (K09, SR06). Codex replays reasoning items verbatim with
 * `store:false`; when the blob carries our tag we rebuild the Anthropic thinking block
 * byte for byte (K06), and when it does not, it is a real OpenAI blob that only an OpenAI
 * Responses upstream can use.
 *
 * The thinking text travels inside the blob too: the summary shown to the user may be
 * empty (summaries not requested, K10) or edited by the client, but Anthropic needs the
 * exact text with its signature.
 */

import { isReasoningDetailsBlob } from "../../canonical/reasoning-details-blob";

const TAG = "tgw1.";

export interface AnthropicReasoning {
  /** Thinking text as Anthropic produced it. */
  text?: string;
  /** Anthropic thinking signature. */
  signature?: string;
  /** Anthropic redacted_thinking data. */
  redactedData?: string;
}

export function wrapAnthropicReasoning(reasoning: AnthropicReasoning): string {
  const payload = JSON.stringify({ t: reasoning.text, s: reasoning.signature, r: reasoning.redactedData });
  return TAG + Buffer.from(payload, "utf8").toString("base64url");
}

/** The Anthropic reasoning inside a gateway blob, or undefined for a foreign (OpenAI) blob. */
export function unwrapAnthropicReasoning(blob: string): AnthropicReasoning | undefined {
  if (!blob.startsWith(TAG)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(blob.slice(TAG.length), "base64url").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const record = parsed as Record<string, unknown>;
    const result: AnthropicReasoning = {};
    if (typeof record.t === "string") result.text = record.t;
    if (typeof record.s === "string") result.signature = record.s;
    if (typeof record.r === "string") result.redactedData = record.r;
    return result;
  } catch {
    return undefined;
  }
}

/** A blob this gateway wrote (Claude's thinking, or OpenRouter's reasoning_details): never OpenAI's. */
export function isGatewayReasoningBlob(blob: string): boolean {
  return blob.startsWith(TAG) || isReasoningDetailsBlob(blob);
}
