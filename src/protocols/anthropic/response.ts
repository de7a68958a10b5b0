import { generateId } from "../../canonical/ids";
import type { CanonicalResponse, ContentPart } from "../../canonical/types";
import { emptyUsage, mergeUsage } from "../../canonical/usage";
import type { TranslationContext } from "../../translate/types";
import { encodeOpenAIReasoningSignature } from "./openai-reasoning-signature";
import { decodeBlock } from "./request-decode";
import { anthropicCitationsOf } from "./citations";
import { encodeToolInput } from "./tool-input";
import { decodeAnthropicStopReason, decodeAnthropicUsage, encodeAnthropicStopReason, encodeAnthropicUsage, serviceTierOf } from "./usage";
import type { AnthropicResponse } from "./wire-types";

/** Anthropic non-streaming reply → canonical (lenient: missing and null fields are normal). */
export function decodeAnthropicResponse(body: unknown): CanonicalResponse {
  const reply = (body && typeof body === "object" ? body : {}) as AnthropicResponse;
  const content = (Array.isArray(reply.content) ? reply.content : []).map((block) =>
    decodeBlock((block && typeof block === "object" ? block : {}) as Record<string, unknown>),
  );
  return {
    id: typeof reply.id === "string" ? reply.id : generateId("msg_"),
    model: typeof reply.model === "string" ? reply.model : "",
    content,
    stopReason: decodeAnthropicStopReason(reply.stop_reason),
    ...(typeof reply.stop_sequence === "string" ? { stopSequence: reply.stop_sequence } : {}),
    usage: mergeUsage(emptyUsage(), decodeAnthropicUsage(reply.usage)),
    ...serviceTierOf(reply.usage),
  };
}

/**
 * Canonical reply → Anthropic Message for the client: thinking first (K05), then text, then
 * tool_use (M13); no empty text blocks (N08); `stop_sequence` always present (N02); the
 * client's model name echoed (N06).
 */
export function encodeAnthropicResponse(response: CanonicalResponse, ctx: TranslationContext): Record<string, unknown> {
  const thinking: unknown[] = [];
  const rest: unknown[] = [];
  for (const part of response.content) {
    const block = encodeResponseBlock(part, ctx);
    if (!block) continue;
    const type = (block as { type: string }).type;
    (type === "thinking" || type === "redacted_thinking" ? thinking : rest).push(block);
  }
  return {
    id: response.id.startsWith("msg_") ? response.id : generateId("msg_"),
    type: "message",
    role: "assistant",
    model: ctx.clientModel,
    content: [...thinking, ...rest],
    stop_reason: encodeAnthropicStopReason(response.stopReason),
    stop_sequence: response.stopSequence ?? null,
    usage: encodeAnthropicUsage(response.usage, response.serviceTier),
  };
}

function encodeResponseBlock(part: ContentPart, ctx: TranslationContext): unknown {
  switch (part.type) {
    case "text": {
      if (part.text === "") return undefined;
      const citations = anthropicCitationsOf(part.annotations);
      return citations.length > 0 ? { type: "text", text: part.text, citations } : { type: "text", text: part.text };
    }
    case "refusal":
      // N09: Anthropic has no refusal field; the text goes into content.
      return part.text === "" ? undefined : { type: "text", text: part.text };
    case "reasoning": {
      if (part.redactedData) return { type: "redacted_thinking", data: part.redactedData };
      // A Responses upstream's summaries are its visible reasoning (the stream shows them as
      // thinking deltas, parts joined by a blank line), and its encrypted blob rides in the
      // signature so the next turn can replay it (openai-reasoning-signature.ts).
      const text = part.text ?? part.summary?.join("\n\n") ?? "";
      const signature = part.signature ?? (part.encryptedContent ? encodeOpenAIReasoningSignature({ encryptedContent: part.encryptedContent, ...(part.id ? { id: part.id } : {}) }) : "");
      // K05: never an empty unsigned thinking block. An unsigned one (from a Chat upstream)
      // carries an empty signature; the Anthropic encoder drops it on replay (K06).
      if (!text && !signature) return undefined;
      return { type: "thinking", thinking: text, signature };
    }
    case "tool_call":
      return { type: "tool_use", id: part.id, name: part.name, input: encodeToolInput(part.name, part.arguments, ctx) };
    case "opaque":
      return part.protocol === "anthropic" ? part.value : undefined;
    default:
      return undefined;
  }
}
