import type { Tool, ToolChoice } from "../../canonical/types";
import type { TranslationContext } from "../../translate/types";
import { asRecord } from "../wire-values";

/**
 * Legacy function calling: Chat Completions before `tools` (deprecated, still accepted by OpenAI
 * and still sent by older SDKs and apps). A request declares `functions` and picks with
 * `function_call`; the history holds assistant `function_call {name, arguments}` and
 * `role:"function"` results; the answer carries `message.function_call` (one call, no id) and
 * finish_reason "function_call". The hub knows only tools, so this maps the legacy shape onto
 * them on the way in and back on the way out, for any upstream.
 */

/** `functions[i]` → the function tool `tools[i].function` would be. */
export function decodeLegacyFunctions(functions: unknown): Tool[] {
  if (!Array.isArray(functions)) return [];
  return functions.map((raw) => {
    const fn = asRecord(raw) ?? {};
    return {
      kind: "function",
      name: String(fn.name ?? ""),
      ...(typeof fn.description === "string" ? { description: fn.description } : {}),
      parameters: asRecord(fn.parameters) ?? { type: "object", properties: {} },
    };
  });
}

/** `function_call`: "none", "auto" or `{name}`, as `tool_choice` "none", "auto" or a named function. */
export function decodeLegacyFunctionCall(choice: unknown): ToolChoice | undefined {
  if (choice === "none") return { type: "none" };
  if (choice === "auto") return { type: "auto" };
  const name = asRecord(choice)?.name;
  return typeof name === "string" ? { type: "tool", name } : undefined;
}

/**
 * Ids for legacy calls and results, which have none: message index → id. A call's id is derived
 * from its message's position (`call_legacy_<index>`), so it is the same on every turn as the
 * history grows; the first `role:"function"` message after it answers it (whatever its name:
 * its content is the result either way). A result with no call before it gets an id of its own
 * and is handled like any orphan result.
 */
export function assignLegacyCallIds(messages: unknown[]): Map<number, string> {
  const ids = new Map<number, string>();
  let pending: string | undefined;
  messages.forEach((raw, index) => {
    const message = asRecord(raw);
    if (message?.role === "assistant") {
      // A newer assistant turn ends the wait: an unanswered call was abandoned.
      pending = asRecord(message.function_call) ? legacyCallId(index) : undefined;
      if (pending) ids.set(index, pending);
    } else if (message?.role === "function") {
      ids.set(index, pending ?? legacyCallId(index));
      pending = undefined;
    }
  });
  return ids;
}

function legacyCallId(index: number): string {
  return `call_legacy_${index}`;
}

/** Whether the client asked in the legacy shape (functions, no tools), so it is answered in it. */
export function usesLegacyFunctions(clientBody: Record<string, unknown> | undefined): boolean {
  const declared = (field: unknown) => Array.isArray(field) && field.length > 0;
  return declared(clientBody?.functions) && !declared(clientBody?.tools);
}

/** Chat finish_reason for a legacy client: "function_call" where a tools client gets "tool_calls". */
export function encodeLegacyFinishReason(finishReason: string): string {
  return finishReason === "tool_calls" ? "function_call" : finishReason;
}

/**
 * The one call a legacy answer can hold. The upstream was asked for one call at a time
 * (parallel calls off); should it make more anyway, the rest are dropped with a log line.
 */
export function pickLegacyCall<Call>(calls: Call[], ctx: TranslationContext): Call | undefined {
  if (calls.length > 1) ctx.warn("dropped tool calls a legacy function_call answer cannot hold", { dropped: calls.length - 1 });
  return calls[0];
}
