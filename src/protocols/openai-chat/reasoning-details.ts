import { unwrapReasoningDetails } from "../../canonical/reasoning-details-blob";
import type { ReasoningPart } from "../../canonical/types";
import { asRecord } from "../wire-values";

/**
 * Replayable reasoning for Chat clients (K06, K09 seen from Chat). Chat has only
 * `reasoning_content`, plain text, so Claude's signed thinking (and redacted thinking) and a
 * Responses model's encrypted reasoning were lost between turns: the next turn of a tool loop
 * reached Claude without its thinking, which Anthropic requires while thinking is on, and ran
 * with thinking off. OpenRouter's `reasoning_details` array carries exactly these
 * (`reasoning.text` with a `signature`, `reasoning.encrypted` with `data`, a `format` naming
 * whose they are); clients that replay the assistant message as they got it hand it back.
 * LiteLLM's `thinking_blocks` (Anthropic blocks as they are) are read too.
 */

const ANTHROPIC_FORMAT = "anthropic-claude-v1";
const OPENAI_RESPONSES_FORMAT = "openai-responses-v1";

export type ReasoningDetail = Record<string, unknown>;

/** The entries for the signed or encrypted reasoning of an answer; [] when there is none. */
export function encodeReasoningDetails(parts: ReasoningPart[]): ReasoningDetail[] {
  const details: ReasoningDetail[] = [];
  for (const part of parts) {
    const index = details.length;
    if (part.redactedData) details.push({ type: "reasoning.encrypted", data: part.redactedData, format: ANTHROPIC_FORMAT, index });
    else if (part.signature) details.push({ type: "reasoning.text", text: part.text ?? "", signature: part.signature, format: ANTHROPIC_FORMAT, index });
    else if (part.encryptedContent) {
      // A Chat upstream's own entries (OpenRouter's, translation mode) go back as they came.
      const original = unwrapReasoningDetails(part.encryptedContent);
      if (original) details.push(...original);
      else details.push({ type: "reasoning.encrypted", data: part.encryptedContent, format: OPENAI_RESPONSES_FORMAT, index, ...(part.id ? { id: part.id } : {}) });
    }
  }
  return details;
}

/**
 * K10: the entries a client that is not shown the model's reasoning still gets: the encrypted
 * and redacted ones, which reveal nothing and keep such a turn replayable. Signed thinking
 * (`reasoning.text`) and summaries carry the reasoning in the clear and are left out; a tool
 * loop on Claude then continues with thinking off (K06), as for any history without it.
 */
export function withoutReadableReasoning(details: ReasoningDetail[]): ReasoningDetail[] {
  return details.filter((detail) => detail.type === "reasoning.encrypted");
}

/**
 * A replayed assistant message's `reasoning_details` or `thinking_blocks` → reasoning parts,
 * or undefined when it has neither (its `reasoning_content` is then the reasoning, unsigned).
 * Entries of another provider's format (Gemini's, say) cannot be replayed here and are left out.
 */
export function decodeReasoningDetails(message: Record<string, unknown>): ReasoningPart[] | undefined {
  if (Array.isArray(message.reasoning_details)) {
    const parts = message.reasoning_details.map(asRecord).flatMap((detail) => (detail ? decodeDetail(detail) : []));
    if (parts.length > 0) return parts;
  }
  if (Array.isArray(message.thinking_blocks)) {
    const parts = message.thinking_blocks.map(asRecord).flatMap((block): ReasoningPart[] => {
      if (block?.type === "redacted_thinking" && typeof block.data === "string") return [{ type: "reasoning", redactedData: block.data }];
      if (block?.type === "thinking" && typeof block.signature === "string" && block.signature !== "") {
        return [{ type: "reasoning", text: typeof block.thinking === "string" ? block.thinking : "", signature: block.signature }];
      }
      return [];
    });
    if (parts.length > 0) return parts;
  }
  return undefined;
}

function decodeDetail(detail: Record<string, unknown>): ReasoningPart[] {
  const format = typeof detail.format === "string" ? detail.format : undefined;
  if (detail.type === "reasoning.text" && typeof detail.signature === "string" && detail.signature !== "" && (format === undefined || format === ANTHROPIC_FORMAT)) {
    return [{ type: "reasoning", text: typeof detail.text === "string" ? detail.text : "", signature: detail.signature }];
  }
  if (detail.type === "reasoning.encrypted" && typeof detail.data === "string" && detail.data !== "") {
    if (format === undefined || format === ANTHROPIC_FORMAT) return [{ type: "reasoning", redactedData: detail.data }];
    if (format === OPENAI_RESPONSES_FORMAT) return [{ type: "reasoning", encryptedContent: detail.data, ...(typeof detail.id === "string" ? { id: detail.id } : {}) }];
  }
  return [];
}
