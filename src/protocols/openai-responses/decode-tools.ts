import type { BuiltinTool, Tool, ToolChoice } from "../../canonical/types";
import { GatewayError } from "../../errors/gateway-error";
import { flattenNamespacedName } from "./namespaced-names";
import { isRecord, readArray, readBoolean, readString } from "./values";

/**
 * Responses `tools` → canonical tools (S01, S10, S11, S12).
 * - `function` (flat shape) → function tool;
 * - `custom` (freeform, e.g. Codex apply_patch with a lark grammar) → custom tool;
 * - `namespace` groups → their children flattened to `<namespace>__<child>` (S11);
 * - anything else (web_search, file_search, tool_search, local_shell, mcp, ...) → a
 *   canonical built-in that only a Responses upstream gets back; other encoders drop or
 *   map it (S12).
 */
export function decodeResponsesTools(tools: unknown): Tool[] {
  const result: Tool[] = [];
  for (const [index, raw] of readArray(tools).entries()) {
    if (!isRecord(raw)) throw new GatewayError("invalid_request", 400, `tools[${index}] must be an object`, { param: `tools[${index}]` });
    const type = readString(raw.type) ?? "function";
    if (type === "namespace") {
      const namespace = readString(raw.name);
      if (!namespace) throw new GatewayError("invalid_request", 400, `tools[${index}].name is required for a namespace`, { param: `tools[${index}].name` });
      for (const child of readArray(raw.tools)) {
        if (isRecord(child)) result.push(decodeLeafTool(child, index, namespace));
      }
      continue;
    }
    result.push(decodeLeafTool(raw, index, undefined));
  }
  return dedupeTools(result);
}

function decodeLeafTool(raw: Record<string, unknown>, index: number, namespace: string | undefined): Tool {
  const type = readString(raw.type) ?? "function";
  if (type === "function" || type === "custom") {
    const name = readString(raw.name);
    if (!name) throw new GatewayError("invalid_request", 400, `tools[${index}].name is required`, { param: `tools[${index}].name` });
    const description = readString(raw.description);
    const flatName = flattenNamespacedName(namespace, name);
    if (type === "custom") {
      return {
        kind: "custom",
        name: flatName,
        ...(description !== undefined ? { description } : {}),
        ...(isRecord(raw.format) ? { format: raw.format } : {}),
        ...(namespace ? { namespace } : {}),
      };
    }
    const strict = readBoolean(raw.strict);
    return {
      kind: "function",
      name: flatName,
      ...(description !== undefined ? { description } : {}),
      parameters: isRecord(raw.parameters) ? raw.parameters : { type: "object", properties: {} },
      ...(strict !== undefined ? { strict } : {}),
      ...(namespace ? { namespace } : {}),
    };
  }
  const builtin: BuiltinTool = { kind: "builtin", protocol: "openai-responses", type, value: raw };
  return builtin;
}

/** Keep the first of duplicate names (S13): upstreams reject "Tool names must be unique". */
function dedupeTools(tools: Tool[]): Tool[] {
  const seen = new Set<string>();
  return tools.filter((tool) => {
    if (tool.kind === "builtin") return true;
    if (seen.has(tool.name)) return false;
    seen.add(tool.name);
    return true;
  });
}

export interface DecodedToolChoice {
  toolChoice?: ToolChoice;
  /** Tools narrowed by `allowed_tools` (TC01). */
  tools: Tool[];
}

/**
 * Responses `tool_choice` → canonical (TC01). `allowed_tools` narrows the tool list and
 * keeps its mode; a hosted-tool choice (`{type:"web_search"}`...) becomes `auto`, because
 * forcing a built-in that another upstream does not have would fail (R04).
 */
export function decodeResponsesToolChoice(choice: unknown, tools: Tool[]): DecodedToolChoice {
  if (choice === undefined || choice === null) return { tools };
  if (choice === "auto" || choice === "none" || choice === "required") return { toolChoice: { type: choice }, tools };
  if (!isRecord(choice)) throw new GatewayError("invalid_request", 400, "tool_choice is invalid", { param: "tool_choice" });
  const type = readString(choice.type);
  if (type === "function" || type === "custom") {
    const name = readString(choice.name);
    if (!name) throw new GatewayError("invalid_request", 400, "tool_choice.name is required", { param: "tool_choice.name" });
    const namespace = readString(choice.namespace);
    return { toolChoice: { type: "tool", name: flattenNamespacedName(namespace, name) }, tools };
  }
  if (type === "allowed_tools") {
    const allowed = new Set<string>();
    const allowedBuiltinTypes = new Set<string>();
    for (const entry of readArray(choice.tools)) {
      if (!isRecord(entry)) continue;
      const name = readString(entry.name);
      if (name) allowed.add(flattenNamespacedName(readString(entry.namespace), name));
      else allowedBuiltinTypes.add(readString(entry.type) ?? "");
    }
    const narrowed = tools.filter((tool) => (tool.kind === "builtin" ? allowedBuiltinTypes.has(tool.type) : allowed.has(tool.name)));
    const mode = readString(choice.mode) === "required" ? "required" : "auto";
    return { toolChoice: { type: mode }, tools: narrowed };
  }
  return { toolChoice: { type: "auto" }, tools };
}
