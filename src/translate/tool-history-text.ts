import type { ContentPart, Message } from "../canonical/types";

/**
 * S14: an Anthropic-compatible host that requires `tools` whenever the history holds
 * `tool_use`/`tool_result` blocks (Anthropic did until Feb 2025; older clones still do) cannot
 * take a request whose tools the gateway removed (TC02). The calls and results stay in the
 * conversation as plain text instead, so the model still sees what was done and what came
 * back, and has nothing it could call (a dummy tool would need a tool_choice this host refuses).
 */
export function writeToolHistoryAsText(messages: Message[]): Message[] {
  return messages.map((message) => (message.content.some(isToolPart) ? { ...message, content: message.content.flatMap(toText) } : message));
}

function isToolPart(part: ContentPart): boolean {
  return part.type === "tool_call" || part.type === "tool_result";
}

function toText(part: ContentPart): ContentPart[] {
  if (part.type === "tool_call") return [{ type: "text", text: `[tool call ${part.id}: ${part.name}(${part.arguments})]` }];
  if (part.type !== "tool_result") return [part];
  const label = `[tool result ${part.toolCallId}${part.isError ? " (error)" : ""}]`;
  // Images and documents of a result stay as they are, after its label.
  const [first, ...others] = part.content;
  if (first?.type === "text") return [{ type: "text", text: `${label}\n${first.text}` }, ...others];
  return [{ type: "text", text: label }, ...part.content];
}
