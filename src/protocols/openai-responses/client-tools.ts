import type { CanonicalRequest, ToolCallPart } from "../../canonical/types";
import { stripNamespace } from "./namespaced-names";
import { isRecord } from "./values";

/** What the client declared about a tool, keyed by canonical (flat) name. */
export interface DeclaredTool {
  custom: boolean;
  namespace?: string;
  /** The client declared the `local_shell` built-in: a call by that name answers as a `local_shell_call` (R05). */
  localShell?: boolean;
}

export function indexDeclaredTools(request: CanonicalRequest | undefined): Map<string, DeclaredTool> {
  const index = new Map<string, DeclaredTool>();
  for (const tool of request?.tools ?? []) {
    if (tool.kind === "builtin") {
      // Upstreams without the built-in get a function of the same name (src/agents/tool-filter.ts).
      if (tool.protocol === "openai-responses" && tool.type === "local_shell" && !index.has("local_shell")) index.set("local_shell", { custom: false, localShell: true });
      continue;
    }
    index.set(tool.name, { custom: tool.kind === "custom", ...(tool.namespace ? { namespace: tool.namespace } : {}) });
  }
  return index;
}

/** A model's tool call as the Responses client must see it. */
export interface ClientToolCall {
  itemType: "function_call" | "custom_tool_call" | "local_shell_call";
  /** Child name without the namespace prefix (S11). */
  name: string;
  namespace?: string;
  /** JSON arguments (function_call) or raw input (custom_tool_call). */
  payload: string;
}

/**
 * Maps a canonical tool call back to the client's declaration:
 * - a custom tool the upstream only knew as a wrapped function `{input: string}` becomes a
 *   `custom_tool_call` with the raw input again (S10: Codex rejects apply_patch as a function_call);
 * - a flattened `<namespace>__<child>` name gets its namespace back (S11).
 */
export function resolveClientToolCall(
  call: Pick<ToolCallPart, "name" | "kind" | "namespace" | "arguments">,
  declared: Map<string, DeclaredTool>,
): ClientToolCall {
  const declaration = declared.get(call.name);
  if (declaration?.localShell && call.kind === "function") return { itemType: "local_shell_call", name: call.name, payload: call.arguments };
  const namespace = call.namespace ?? declaration?.namespace;
  const name = stripNamespace(namespace, call.name);
  const custom = call.kind === "custom" || declaration?.custom === true;
  if (!custom) return { itemType: "function_call", name, ...(namespace ? { namespace } : {}), payload: call.arguments };
  const payload = call.kind === "custom" ? call.arguments : unwrapCustomInput(call.arguments);
  return { itemType: "custom_tool_call", name, ...(namespace ? { namespace } : {}), payload };
}

/**
 * The `action` of a `local_shell_call` item from the function arguments the upstream model
 * wrote (`command` argv, `working_directory`, `timeout_ms`, `env`, `user`). `workdir` is
 * accepted for `working_directory`; unreadable arguments give an empty command, which the
 * client reports back to the model as a failed call.
 */
export function localShellAction(args: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    parsed = undefined;
  }
  const source = isRecord(parsed) ? parsed : {};
  const command = Array.isArray(source.command) ? source.command.filter((part): part is string => typeof part === "string") : [];
  const action: Record<string, unknown> = { type: "exec", command };
  const directory = source.working_directory ?? source.workdir;
  if (typeof directory === "string") action.working_directory = directory;
  if (typeof source.timeout_ms === "number") action.timeout_ms = source.timeout_ms;
  if (isRecord(source.env)) action.env = source.env;
  if (typeof source.user === "string") action.user = source.user;
  return action;
}

/**
 * The raw input inside a wrapped custom-tool call (S10): `{"input": "..."}`, or the only
 * string property when the model picked another key. Anything else is passed as is, so
 * the client at least sees what the model wrote.
 */
export function unwrapCustomInput(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (!isRecord(parsed)) return args;
    if (typeof parsed.input === "string") return parsed.input;
    const strings = Object.values(parsed).filter((value): value is string => typeof value === "string");
    return strings.length === 1 ? strings[0]! : args;
  } catch {
    return args;
  }
}
