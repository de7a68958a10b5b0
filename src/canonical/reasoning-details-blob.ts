/**
 * OpenRouter's `reasoning_details` carried through clients that cannot hold them (K06, K09).
 *
 * OpenRouter returns a model's reasoning as structured entries (`reasoning.text` with Anthropic's
 * signature, `reasoning.encrypted` holding Gemini's thought signature or OpenAI's encrypted
 * reasoning, `reasoning.summary`) and needs them back, as sent, on the assistant turn they
 * belong to: without them Gemini 3 refuses the next tool-loop turn ("Function call is missing a
 * thought_signature") and Claude loses its thinking. Claude Code keeps one opaque string per
 * thinking block (its signature) and Codex one per reasoning item (`encrypted_content`), so the
 * entries travel as one tagged blob in the reasoning's `encryptedContent`, which both already
 * carry and replay (openai-reasoning-signature.ts, reasoning-blob.ts). Only a Chat upstream of
 * the openrouter dialect gets them back; every other upstream leaves the blob out.
 */

const TAG = "tgwrd1.";

export type ReasoningDetailEntry = Record<string, unknown>;

export function wrapReasoningDetails(details: readonly ReasoningDetailEntry[]): string {
  return TAG + Buffer.from(JSON.stringify(details), "utf8").toString("base64url");
}

/** The entries inside a blob this module wrote; undefined for any other blob. */
export function unwrapReasoningDetails(blob: string): ReasoningDetailEntry[] | undefined {
  if (!blob.startsWith(TAG)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(blob.slice(TAG.length), "base64url").toString("utf8"));
    return Array.isArray(parsed) ? parsed.filter((entry): entry is ReasoningDetailEntry => typeof entry === "object" && entry !== null) : undefined;
  } catch {
    return undefined;
  }
}

export function isReasoningDetailsBlob(blob: string): boolean {
  return blob.startsWith(TAG);
}

/**
 * Streamed entries merged as OpenRouter sends them: pieces of one entry share its `index`; text
 * and summaries arrive in pieces, the signature or data once. Entries without an index stand alone.
 */
export function mergeReasoningDetails(into: ReasoningDetailEntry[], pieces: readonly unknown[]): void {
  for (const raw of pieces) {
    if (typeof raw !== "object" || raw === null) continue;
    const piece = raw as ReasoningDetailEntry;
    const existing = typeof piece.index === "number" ? into.find((entry) => entry.index === piece.index) : undefined;
    if (!existing) {
      into.push({ ...piece });
      continue;
    }
    for (const [key, value] of Object.entries(piece)) {
      if ((key === "text" || key === "summary") && typeof value === "string" && typeof existing[key] === "string") existing[key] = `${existing[key] as string}${value}`;
      else if (value !== null && value !== undefined) existing[key] = value;
    }
  }
}
