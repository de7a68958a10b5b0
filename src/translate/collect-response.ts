import type { CanonicalEvent, CanonicalResponse, ContentPart, ReasoningPart, StopReason, TokenLogprob, ToolCallPart } from "../canonical/types";
import { emptyUsage, mergeUsage } from "../canonical/usage";
import { GatewayError } from "../errors/gateway-error";
import { convertEventToError } from "./error-event";

/**
 * A whole stream of canonical events → the one response it describes (SC06: a non-streaming
 * client served from a streamed upstream call). Blocks keep their opening order; tool arguments
 * and texts are joined; usage merges field by field as in a stream. A stream that carried an
 * error, or ended before its finish, is not an answer: it throws, so the client gets an error
 * in its own protocol rather than half a reply presented as whole.
 */
export function collectResponse(events: readonly CanonicalEvent[]): CanonicalResponse {
  let id = "";
  let model = "";
  let serviceTier: string | undefined;
  let usage = emptyUsage();
  let stopReason: StopReason | undefined;
  let stopSequence: string | undefined;
  const blocks = new Map<number, ContentPart>();
  const texts = new Map<number, string[]>();
  /** Log probabilities of text blocks whose deltas carried them. */
  const logprobs = new Map<number, TokenLogprob[]>();
  /** Citations of text blocks (C06), in the order they came. */
  const annotations = new Map<number, unknown[]>();

  const append = (index: number, text: string) => {
    const pieces = texts.get(index);
    if (pieces) pieces.push(text);
    else texts.set(index, [text]);
  };

  for (const event of events) {
    switch (event.type) {
      case "message_start":
        id = event.id;
        model = event.model;
        if (event.serviceTier) serviceTier = event.serviceTier;
        if (event.usage) usage = mergeUsage(usage, event.usage);
        break;
      case "block_start": {
        const block = event.block;
        if (block.type === "text") blocks.set(event.index, { type: "text", text: "" });
        else if (block.type === "reasoning") blocks.set(event.index, { type: "reasoning", ...(block.id ? { id: block.id } : {}) });
        else if (block.type === "tool_call") {
          blocks.set(event.index, { type: "tool_call", id: block.id, name: block.name, kind: block.kind, arguments: "", ...(block.namespace ? { namespace: block.namespace } : {}) });
        } else blocks.set(event.index, { type: "opaque", protocol: block.protocol, value: block.value });
        break;
      }
      case "text_delta":
        append(event.index, event.text);
        if (event.logprobs) logprobs.set(event.index, [...(logprobs.get(event.index) ?? []), ...event.logprobs]);
        break;
      case "text_annotation":
        annotations.set(event.index, [...(annotations.get(event.index) ?? []), event.annotation]);
        break;
      case "reasoning_delta": {
        const part = blocks.get(event.index);
        if (part?.type !== "reasoning") break;
        // Summary pieces (Responses) and thinking text (Anthropic, Chat) are kept apart.
        if (event.summary) part.summary = [...(part.summary ?? []), event.text];
        else append(event.index, event.text);
        break;
      }
      case "reasoning_signature": {
        const part = blocks.get(event.index) as ReasoningPart | undefined;
        if (part?.type !== "reasoning") break;
        if (event.signature !== undefined) part.signature = event.signature;
        if (event.encryptedContent !== undefined) part.encryptedContent = event.encryptedContent;
        if (event.redactedData !== undefined) part.redactedData = event.redactedData;
        break;
      }
      case "tool_args_delta":
        append(event.index, event.fragment);
        break;
      case "finish":
        stopReason = event.stopReason;
        stopSequence = event.stopSequence;
        break;
      case "usage":
        usage = mergeUsage(usage, event.usage);
        if (event.serviceTier) serviceTier = event.serviceTier;
        break;
      case "error":
        throw convertEventToError(event);
      default:
        break;
    }
  }
  if (stopReason === undefined) throw new GatewayError("upstream_stream_broken", 502, "the upstream stream ended before its final event");

  const content: ContentPart[] = [];
  for (const [index, part] of [...blocks.entries()].sort(([a], [b]) => a - b)) {
    const joined = texts.get(index)?.join("");
    if (part.type === "text") {
      const tokens = logprobs.get(index);
      const cited = annotations.get(index);
      if (joined) content.push({ type: "text", text: joined, ...(cited ? { annotations: cited } : {}), ...(tokens ? { logprobs: tokens } : {}) });
    } else if (part.type === "reasoning") {
      if (joined !== undefined) part.text = joined;
      content.push(part);
    } else if (part.type === "tool_call") {
      (part as ToolCallPart).arguments = joined ?? "";
      content.push(part);
    } else content.push(withStreamedInput(part, joined));
  }
  return { id, model, content, stopReason, ...(stopSequence !== undefined ? { stopSequence } : {}), usage, ...(serviceTier ? { serviceTier } : {}) };
}

/**
 * An opaque block whose input was streamed (Claude's `server_tool_use`: `input: {}` at its start,
 * then `input_json_delta`s) gets the whole input, as a non-streamed answer has it.
 */
function withStreamedInput(part: ContentPart, joined: string | undefined): ContentPart {
  if (part.type !== "opaque" || !joined || typeof part.value !== "object" || part.value === null) return part;
  try {
    return { ...part, value: { ...(part.value as Record<string, unknown>), input: JSON.parse(joined) } };
  } catch {
    return part;
  }
}
