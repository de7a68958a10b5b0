import { CANCELLED_TOOL_RESULT } from "../../translate/cancelled-tool-call";
import type { TranslationContext } from "../../translate/types";
import type { ChatMessage } from "./wire-types";

/**
 * H11/M08 for Chat upstreams: an assistant message with `tool_calls` must be followed at once by
 * one `tool` message per call, and a `tool` message must answer a call of the assistant message
 * before it; OpenAI refuses anything else. A history translated from a Responses or Anthropic
 * client can break both (a Codex turn interrupted between a `function_call` and its output, a
 * trimmed history, a developer note between a call and its result), and one refused request
 * would break every later turn of the session. So, up to the next assistant message: the results
 * of its calls come first, in their order; a call without one gets a cancelled result; a result
 * that answers none of them is dropped (with a warning); other messages follow the results.
 */
export function pairToolMessages(messages: ChatMessage[], ctx: Pick<TranslationContext, "warn">): ChatMessage[] {
  const out: ChatMessage[] = [];
  const dropOrphan = (message: ChatMessage) => ctx.warn("dropped a tool result that answers no tool call", { toolCallId: message.tool_call_id });
  let index = 0;
  while (index < messages.length) {
    const message = messages[index++]!;
    if (message.role === "tool") {
      dropOrphan(message);
      continue;
    }
    out.push(message);
    const calls = message.role === "assistant" ? (message.tool_calls ?? []) : [];
    if (calls.length === 0) continue;
    let end = index;
    while (end < messages.length && messages[end]!.role !== "assistant") end++;
    const unanswered = new Set(calls.map((call) => call.id));
    const others: ChatMessage[] = [];
    for (const next of messages.slice(index, end)) {
      if (next.role !== "tool") others.push(next);
      else if (next.tool_call_id !== undefined && unanswered.delete(next.tool_call_id)) out.push(next);
      else dropOrphan(next);
    }
    for (const id of unanswered) out.push({ role: "tool", tool_call_id: id, content: CANCELLED_TOOL_RESULT });
    out.push(...others);
    index = end;
  }
  return out;
}
