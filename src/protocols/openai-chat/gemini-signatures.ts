/**
 * K08: Gemini thought signatures on Chat Completions upstreams.
 *
 * Gemini 3 (and 2.5 with thinking) returns an opaque `thought_signature` with each step's first
 * function call, in the OpenAI-compatible API under `tool_calls[i].extra_content.google`, and
 * answers 400 "Function call is missing a thought_signature" when the next request replays that
 * call without it. Anthropic and Responses clients have no field that could carry it back, and
 * putting a signature of several hundred characters into the tool call id would break clients
 * and upstreams that cap ids at 64 characters (H03). So the gateway keeps the signatures it
 * receives, keyed by the tool call id the client saw, and puts them back when that call is
 * replayed to a Gemini model.
 *
 * Kept per provider and per client (TranslationContext.signatureOwner): the cache is process-wide
 * and a tool call id is no secret, so a client replaying an id another client was given would
 * otherwise have that client's signature (its encrypted reasoning) sent in its own request, or
 * one provider's signature would go to another provider serving a Gemini model.
 *
 * The cache is per process and bounded. A call whose signature it does not hold (another
 * replica served the turn, the gateway restarted, or the history came from another model) gets
 * the placeholder Google documents for histories it did not produce, on the first call of its
 * step only, so the request is accepted instead of failing with a 400.
 */
import type { TranslationContext } from "../../translate/types";
import type { ChatToolCall } from "./wire-types";

/** Google's documented placeholder for function calls whose signature is unknown. */
export const UNKNOWN_SIGNATURE_PLACEHOLDER = "skip_thought_signature_validator";

/** How many signatures the process keeps (oldest dropped first; ~1 KB each). */
const MAX_SIGNATURES = 10_000;

const signatures = new Map<string, string>();

/** Models that get signatures back: Gemini by name, whichever provider serves it. */
export function isGeminiModel(model: string): boolean {
  return /gemini/i.test(model);
}

/** The `thought_signature` an upstream tool call (or tool call delta) carries, if any. */
export function readThoughtSignature(call: unknown): string | undefined {
  const extra = (call as { extra_content?: { google?: { thought_signature?: unknown } } } | null)?.extra_content;
  const signature = extra?.google?.thought_signature;
  return typeof signature === "string" && signature !== "" ? signature : undefined;
}

/** Whose signatures a request may see: its provider's, given to its own client. */
export type SignatureScope = Pick<TranslationContext, "providerName" | "signatureOwner">;

function scopedId(scope: SignatureScope | undefined, toolCallId: string): string {
  return `${scope?.providerName ?? ""}\u0000${scope?.signatureOwner ?? ""}\u0000${toolCallId}`;
}

/** Keep `signature` for the tool call the client knows as `toolCallId`. */
export function rememberThoughtSignature(scope: SignatureScope | undefined, toolCallId: string, signature: string): void {
  const key = scopedId(scope, toolCallId);
  signatures.delete(key);
  signatures.set(key, signature);
  if (signatures.size > MAX_SIGNATURES) signatures.delete(signatures.keys().next().value!);
}

/** The signature kept for a tool call id, if this process saw it. */
export function recalledThoughtSignature(scope: SignatureScope | undefined, toolCallId: string): string | undefined {
  return signatures.get(scopedId(scope, toolCallId));
}

/**
 * One replayed assistant step's tool calls, bound for a Gemini model: each gets the signature
 * it came with; when none of them is known, the first gets the placeholder (Gemini validates the
 * first call of a step; parallel calls after it carry no signature of their own).
 */
export function attachThoughtSignatures(toolCalls: ChatToolCall[], scope: SignatureScope): void {
  let anyKnown = false;
  for (const call of toolCalls) {
    const signature = signatures.get(scopedId(scope, call.id));
    if (signature === undefined) continue;
    call.extra_content = { google: { thought_signature: signature } };
    anyKnown = true;
  }
  if (!anyKnown && toolCalls[0]) toolCalls[0].extra_content = { google: { thought_signature: UNKNOWN_SIGNATURE_PLACEHOLDER } };
}

/** Tests: start from an empty cache. */
export function forgetThoughtSignatures(): void {
  signatures.clear();
}
