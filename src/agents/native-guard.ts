import type { CanonicalRequest, Protocol } from "../canonical/types";
import type { AgentsConfig } from "../config/types";
import { detectToolLoop, toolLoopError, toolLoopNotice } from "./tool-loop";

type Body = Record<string, unknown>;
type Warn = (message: string, details?: Record<string, unknown>) => void;

/**
 * The loop guard for native passthrough (the client's body goes upstream as is). Only the
 * agent's current run is read: the history after the last turn a person wrote, decoded with
 * the client's own codec (so it is the same detection as for translated requests, and cheap
 * on long histories). Returns the body with a notice appended at `warnAt`, the same body
 * object when nothing is to be done, and throws `tool_loop_detected` at `stopAt`.
 * The client's body is not re-encoded: only the notice is added, in the client's own shape.
 */
export function guardNativeToolLoop(protocol: Protocol, body: Body, decode: (body: Body) => CanonicalRequest, config: AgentsConfig["toolLoop"], warn: Warn): Body {
  if (!config.enabled) return body;
  const tail = currentRun(protocol, body, config.stopAt);
  if (!tail) return body;
  let request: CanonicalRequest;
  try {
    request = decode(tail);
  } catch {
    // A body our decoder cannot read still goes upstream untouched (native means native).
    return body;
  }
  const verdict = detectToolLoop(request.messages, config);
  if (verdict.action === "none") return body;
  if (verdict.action === "stop") {
    warn("tool loop stopped", { tool: verdict.toolName, repeats: verdict.repeats });
    throw toolLoopError(verdict);
  }
  warn("tool loop: the model gets a notice", { tool: verdict.toolName, repeats: verdict.repeats });
  return appendNotice(protocol, body, toolLoopNotice(verdict));
}

/**
 * A minimal body holding only the end of the current run: the history since the last
 * person-written turn, and of that no more than the last `calls` tool-call items or turns
 * (detection never counts further back). Undefined when the history does not end with tool
 * results (then there is no loop to look at).
 */
function currentRun(protocol: Protocol, body: Body, calls: number): Body | undefined {
  if (protocol === "openai-responses") {
    const input = body.input;
    if (!Array.isArray(input) || !isToolOutputItem(input.at(-1))) return undefined;
    return { model: body.model, input: input.slice(runStart(input, isPersonItem, isCallItem, calls)) };
  }
  const messages = body.messages;
  if (!Array.isArray(messages)) return undefined;
  if (protocol === "openai-chat") {
    if (!isRecord(messages.at(-1)) || (messages.at(-1) as Body).role !== "tool") return undefined;
    const isPerson = (message: unknown) => isRecord(message) && message.role === "user";
    const isCall = (message: unknown) => isRecord(message) && message.role === "assistant" && Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    return { model: body.model, messages: messages.slice(runStart(messages, isPerson, isCall, calls)) };
  }
  if (!hasAnthropicToolResult(messages.at(-1))) return undefined;
  const isPerson = (message: unknown) => isRecord(message) && message.role === "user" && !hasAnthropicToolResult(message);
  const isCall = (message: unknown) =>
    isRecord(message) && message.role === "assistant" && Array.isArray(message.content) && message.content.some((block) => isRecord(block) && block.type === "tool_use");
  return { model: body.model, max_tokens: body.max_tokens ?? 1, messages: messages.slice(runStart(messages, isPerson, isCall, calls)) };
}

/** Index after the last person-written entry, or of the `calls`-th call entry from the end if that comes later. */
function runStart(entries: unknown[], isPerson: (entry: unknown) => boolean, isCall: (entry: unknown) => boolean, calls: number): number {
  let seen = 0;
  for (let index = entries.length - 1; index >= 0; index--) {
    if (isPerson(entries[index])) return index + 1;
    if (isCall(entries[index]) && ++seen >= calls) return index;
  }
  return 0;
}

function isCallItem(item: unknown): boolean {
  return isRecord(item) && (item.type === "function_call" || item.type === "custom_tool_call" || item.type === "local_shell_call");
}

function isToolOutputItem(item: unknown): boolean {
  return isRecord(item) && typeof item.type === "string" && item.type.endsWith("_call_output");
}

/** A Responses user message (typed or "easy"): a turn a person wrote. */
function isPersonItem(item: unknown): boolean {
  return isRecord(item) && (item.type === undefined || item.type === "message") && item.role === "user";
}

function hasAnthropicToolResult(message: unknown): boolean {
  if (!isRecord(message) || message.role !== "user" || !Array.isArray(message.content)) return false;
  return message.content.some((block) => isRecord(block) && block.type === "tool_result");
}

/** The notice as one more user turn (or text block), in the client's own wire shape. */
function appendNotice(protocol: Protocol, body: Body, notice: string): Body {
  if (protocol === "openai-responses") {
    const item = { type: "message", role: "user", content: [{ type: "input_text", text: notice }] };
    return { ...body, input: [...(body.input as unknown[]), item] };
  }
  const messages = body.messages as Body[];
  if (protocol === "openai-chat") return { ...body, messages: [...messages, { role: "user", content: notice }] };
  // Anthropic: the last turn is the user's tool results; the notice follows them in the same turn.
  const last = messages.at(-1)!;
  const content = [...(last.content as unknown[]), { type: "text", text: notice }];
  return { ...body, messages: [...messages.slice(0, -1), { ...last, content }] };
}

function isRecord(value: unknown): value is Body {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
