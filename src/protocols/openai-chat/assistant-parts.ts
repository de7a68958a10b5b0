import type { ContentPart } from "../../canonical/types";

type ToolCallPart = Extract<ContentPart, { type: "tool_call" }>;
type OpaquePart = Extract<ContentPart, { type: "opaque" }>;

/** An assistant turn's content as Chat carries it: text, reasoning_content and tool_calls apart. */
export interface AssistantParts<Call> {
  texts: string[];
  reasoning: string[];
  toolCalls: Call[];
}

/**
 * Splits canonical assistant content into Chat's three places. Used for the client-bound
 * completion and for the assistant turns replayed upstream, which differ only in how a tool
 * call is written (`encodeToolCall`) and in what happens to blocks Chat cannot hold (`onOpaque`).
 * Visible reasoning is kept; signatures and redacted data never leave as text (SC04).
 */
export function splitAssistantContent<Call>(
  content: ContentPart[],
  encodeToolCall: (part: ToolCallPart) => Call,
  onOpaque?: (part: OpaquePart) => void,
): AssistantParts<Call> {
  const parts: AssistantParts<Call> = { texts: [], reasoning: [], toolCalls: [] };
  for (const part of content) {
    if (part.type === "text" || part.type === "refusal") {
      if (part.text !== "") parts.texts.push(part.text);
    } else if (part.type === "reasoning") {
      if (part.text) parts.reasoning.push(part.text);
    } else if (part.type === "tool_call") {
      parts.toolCalls.push(encodeToolCall(part));
    } else if (part.type === "opaque") {
      onOpaque?.(part);
    }
  }
  return parts;
}
