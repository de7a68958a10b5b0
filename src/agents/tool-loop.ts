import type { CanonicalRequest, ContentPart, Message, ToolCallPart, ToolResultPart } from "../canonical/types";
import { GatewayError } from "../errors/gateway-error";

/**
 * Duplicate tool-call detection across the history an agent replays (upstream-tokligence
 * §1.18, done properly): a call counts as a repeat only when the tool name, the arguments
 * (compared as JSON, so spacing and key order do not matter) AND the result are the same
 * as the previous call's. At `warnAt` repeats in a row the model gets a notice appended to
 * the latest user turn (the client's system prompt is never touched); at `stopAt` the
 * request fails with `tool_loop_detected` (400: Codex ends the turn instead of retrying, E06).
 *
 * Only the agent's current run counts: the history must end with tool results, and calls
 * before the last turn a person wrote (a user turn without tool results) are ignored, so a
 * conversation stopped for a loop can go on once the user says something.
 */
export interface ToolLoopOptions {
  /** On by default. */
  enabled?: boolean;
  warnAt?: number;
  stopAt?: number;
}

export interface ToolLoopVerdict {
  action: "none" | "warn" | "stop";
  /** How many identical calls end the history. */
  repeats: number;
  toolName?: string;
}

interface CompletedCall {
  call: ToolCallPart;
  result: ToolResultPart;
}

export function detectToolLoop(messages: Message[], options: ToolLoopOptions = {}): ToolLoopVerdict {
  if (options.enabled === false) return { action: "none", repeats: 0 };
  const stopAt = options.stopAt ?? 5;
  const warnAt = options.warnAt ?? 3;
  const calls = collectCalls(messages);
  const last = calls.at(-1);
  if (!last) return { action: "none", repeats: 0 };
  // Walk back from the latest call; keys are built only for the run (at most stopAt of them),
  // so long histories with large outputs cost next to nothing.
  const lastKey = callKey(last);
  let repeats = 1;
  for (let index = calls.length - 2; index >= 0 && repeats < stopAt && callKey(calls[index]!) === lastKey; index--) repeats++;
  const action = repeats >= stopAt ? "stop" : repeats >= warnAt ? "warn" : "none";
  return { action, repeats, toolName: last.call.name };
}

/** Applies the verdict: the request unchanged, the request with a notice, or a thrown GatewayError. */
export function guardToolLoop(request: CanonicalRequest, options: ToolLoopOptions = {}): CanonicalRequest {
  const verdict = detectToolLoop(request.messages, options);
  if (verdict.action === "none") return request;
  if (verdict.action === "stop") throw toolLoopError(verdict);
  const notice = toolLoopNotice(verdict);
  const messages = [...request.messages];
  const lastIndex = messages.length - 1;
  const lastMessage = messages[lastIndex];
  if (lastMessage?.role === "user") messages[lastIndex] = { ...lastMessage, content: [...lastMessage.content, { type: "text", text: notice }] };
  else messages.push({ role: "user", content: [{ type: "text", text: notice }] });
  return { ...request, messages };
}

/** The note the model gets at `warnAt` repeats. */
export function toolLoopNotice(verdict: ToolLoopVerdict): string {
  return (
    `[gateway notice] You have called ${verdict.toolName} ${verdict.repeats} times in a row with identical arguments and got the identical result. ` +
    "Calling it again will not change anything. Use a different approach or give your final answer."
  );
}

/** The error the caller gets at `stopAt` repeats (400, rendered in the caller's protocol). */
export function toolLoopError(verdict: ToolLoopVerdict): GatewayError {
  return new GatewayError(
    "tool_loop_detected",
    400,
    `tool loop detected: ${verdict.toolName} was called ${verdict.repeats} times in a row with the same arguments and got the same result each time, ` +
      "so the gateway stopped the loop (agents.tool_loop_stop_at). Send a new message to continue with a different approach.",
  );
}

/** Completed calls of the current agent run in history order, with their results. */
function collectCalls(messages: Message[]): CompletedCall[] {
  const last = messages.at(-1);
  if (!last || !hasToolResult(last)) return [];
  let start = messages.length - 1;
  while (start > 0 && !(messages[start - 1]!.role === "user" && !hasToolResult(messages[start - 1]!))) start--;
  const run = messages.slice(start);
  const results = new Map<string, ToolResultPart>();
  for (const message of run) for (const part of message.content) if (part.type === "tool_result") results.set(part.toolCallId, part);
  const calls: CompletedCall[] = [];
  for (const message of run) {
    if (message.role !== "assistant") continue;
    for (const part of message.content) {
      if (part.type !== "tool_call") continue;
      const result = results.get(part.id);
      if (result) calls.push({ call: part, result });
    }
  }
  return calls;
}

/** Name + canonical arguments + result: equal keys mean the same call got the same answer. */
function callKey({ call, result }: CompletedCall): string {
  return JSON.stringify([call.name, canonicalArguments(call.arguments), describeResult(result.content)]);
}

function hasToolResult(message: Message): boolean {
  return message.role === "user" && message.content.some((part) => part.type === "tool_result");
}

function canonicalArguments(args: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(args)));
  } catch {
    return args.trim();
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/**
 * The result as compared: volatile bookkeeping the client adds to every output is left out,
 * or no two runs would ever match (Codex's exec_command prefixes `Chunk ID: …` and
 * `Wall time: …` lines; its shell tool reports `duration_seconds`).
 */
function describeResult(content: ContentPart[]): string {
  return JSON.stringify(content.map((part) => (part.type === "text" ? withoutVolatileFields(part.text) : part)));
}

function withoutVolatileFields(text: string): string {
  return text
    .replace(/^(Chunk ID|Wall time):.*$/gm, "")
    .replace(/("duration_seconds"\s*:\s*)[0-9.eE+-]+/g, "$10");
}
