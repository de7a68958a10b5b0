/**
 * OpenAI reasoning carried through an Anthropic client (A→R; K09 seen from the other side).
 * A Responses upstream is called statelessly (`store:false`), so its reasoning can only be
 * replayed from the `encrypted_content` blob it returned; without it the model loses its own
 * reasoning between the steps of a tool loop. An Anthropic client keeps exactly one opaque
 * string per thinking block, the `signature`, and replays it verbatim (Claude Code does), so
 * the blob travels there under a gateway tag, with the reasoning item's id (an `rs_…` id has
 * no dot). On the way back the tagged signature becomes the blob again; it is never sent to
 * Anthropic as a signature, which Anthropic would refuse (K06: the block is dropped there).
 */

const TAG = "tgwoai1.";

export interface OpenAIReasoningReference {
  /** The Responses `encrypted_content`. */
  encryptedContent: string;
  /** The reasoning item id (`rs_…`), when the upstream gave one. */
  id?: string;
}

export function encodeOpenAIReasoningSignature(reference: OpenAIReasoningReference): string {
  return `${TAG}${reference.id ?? ""}.${reference.encryptedContent}`;
}

/** The blob behind a gateway-tagged signature, or undefined for a real Anthropic signature. */
export function decodeOpenAIReasoningSignature(signature: string): OpenAIReasoningReference | undefined {
  if (!signature.startsWith(TAG)) return undefined;
  const rest = signature.slice(TAG.length);
  const dot = rest.indexOf(".");
  if (dot === -1 || dot === rest.length - 1) return undefined;
  const id = rest.slice(0, dot);
  return { encryptedContent: rest.slice(dot + 1), ...(id ? { id } : {}) };
}
