import type { ChatMessage } from "./wire-types";

/**
 * M06 on Mistral models: Mistral's message validator (mistral-common, so wherever the model runs:
 * Mistral's API, vLLM, NIM) allows only an assistant or another tool message after a tool
 * message, and refuses the request otherwise: 400 "Unexpected role 'user' after role 'tool'".
 * Claude Code's tool-result turns regularly carry text beside the results (system reminders, a
 * note the user typed while the tool ran), which Chat needs as a user message after them, so
 * every such turn failed.
 *
 * Text after tool results joins the last tool message: Anthropic sent it in the same user turn as
 * the results, so the model reads it where the client put it, and nothing is invented. A
 * follow-up with images (tool messages hold text only) gets a short assistant turn before it.
 */
export const MISTRAL_TOOL_BRIDGE = "Tool results received.";

export function orderForMistral(messages: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const message of messages) {
    const previous = out[out.length - 1];
    if (message.role !== "user" || previous?.role !== "tool") {
      out.push(message);
      continue;
    }
    if (typeof message.content === "string") {
      previous.content = `${typeof previous.content === "string" ? previous.content : ""}\n\n${message.content}`;
      continue;
    }
    out.push({ role: "assistant", content: MISTRAL_TOOL_BRIDGE }, message);
  }
  return out;
}
