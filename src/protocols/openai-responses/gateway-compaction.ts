/**
 * Compaction items for models OpenAI does not serve. Codex's built-in provider compacts a long
 * conversation by sending it with a `compaction_trigger` item at the end and expects exactly one
 * `compaction` output item back, an opaque blob it then sends in place of the history it covers
 * ("remote compaction v2"). OpenAI writes that blob itself; a Claude or Chat model cannot. So for
 * them the gateway asks the routed model for a hand-over summary (src/proxy/compaction.ts) and
 * returns it in a compaction item of its own, marked by a prefix. When such an item is replayed
 * it becomes a user message holding the summary, for every upstream (OpenAI could not read it).
 * The blob is base64, not encrypted: it holds only what the model wrote for the client.
 */
import { isRecord } from "./values";

const GATEWAY_COMPACTION_PREFIX = "tgwcmp1.";

/** The instruction appended to the conversation to be summarised. */
export const COMPACTION_INSTRUCTION = [
  "Context checkpoint: this conversation is about to be replaced by your summary, which is all that another model continuing the work will see of it.",
  "Write a hand-over summary: the user's goal and constraints, what has been done and decided so far (files, commands and their results, key facts found), what is in progress, and the next steps.",
  "Keep names, paths, identifiers and numbers exact. Do not call tools; answer with the summary only.",
].join("\n");

/** How a replayed summary is introduced to the model that continues. */
const SUMMARY_PREFIX = "Summary of the conversation so far (the earlier turns were compacted into it):\n\n";

export function encodeCompactionBlob(summary: string): string {
  return GATEWAY_COMPACTION_PREFIX + Buffer.from(summary, "utf8").toString("base64url");
}

/** The summary held by a gateway compaction blob; undefined for OpenAI's own (encrypted) ones. */
export function decodeCompactionBlob(blob: unknown): string | undefined {
  if (typeof blob !== "string" || !blob.startsWith(GATEWAY_COMPACTION_PREFIX)) return undefined;
  return Buffer.from(blob.slice(GATEWAY_COMPACTION_PREFIX.length), "base64url").toString("utf8");
}

/** Whether the Responses `input` asks for a compaction (its last item is a compaction_trigger). */
export function asksForCompaction(input: unknown): boolean {
  return Array.isArray(input) && isRecord(input.at(-1)) && (input.at(-1) as Record<string, unknown>).type === "compaction_trigger";
}

/** The summary a gateway compaction item stands for, as the user message the next model reads. */
export function compactionSummaryMessage(summary: string): Record<string, unknown> {
  return { type: "message", role: "user", content: [{ type: "input_text", text: SUMMARY_PREFIX + summary }] };
}

/** A Responses `input` with gateway compaction items replaced by their summaries; the same value when it holds none. */
export function withGatewayCompactionsExpanded(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  let changed = false;
  const expanded = input.map((item) => {
    const summary = isRecord(item) && item.type === "compaction" ? decodeCompactionBlob(item.encrypted_content) : undefined;
    if (summary === undefined) return item;
    changed = true;
    return compactionSummaryMessage(summary);
  });
  return changed ? expanded : input;
}
