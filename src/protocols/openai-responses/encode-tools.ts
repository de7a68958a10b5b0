import type { Tool, ToolChoice } from "../../canonical/types";
import { stripNamespace } from "./namespaced-names";
import { encodeAnthropicWebSearch, encodeForcedWebSearchChoice } from "./web-search-tool";
import type { ResponsesTool } from "./wire-types";

type Warn = (message: string, details?: Record<string, unknown>) => void;
/** J03: a strict tool's schema as it goes upstream (the request encoder's; the echo of the client's tools has none). */
type FitStrict = (name: string, parameters: Record<string, unknown>, clientSchema: Record<string, unknown>) => { parameters: Record<string, unknown>; strict: boolean };

/**
 * Canonical tools → Responses `tools` (S01, S05, S10–S12, CC03).
 * - Function tools use the flat shape with `strict:false` unless strict was asked for: Responses
 *   treats tools as strict by default, and strict mode rejects most client schemas (S01, S04).
 *   A strict one goes through `fitStrict` when given (J03: rewritten, or strict off).
 * - Tools that carry a namespace are grouped back into `namespace` tools (S11).
 * - Responses built-ins pass through; an Anthropic web search becomes Responses `web_search`
 *   (S09 option b, web-search-tool.ts; `note` hears of the options it cannot carry); other
 *   foreign built-ins are dropped with a warning.
 */
export function encodeResponsesTools(tools: Tool[], warn: Warn, fitStrict?: FitStrict, note: Warn = warn): ResponsesTool[] {
  const result: ResponsesTool[] = [];
  const namespaces = new Map<string, ResponsesTool>();
  for (const tool of tools) {
    if (tool.kind === "builtin") {
      const builtin = encodeBuiltinTool(tool.protocol, tool.type, tool.value, note);
      if (builtin) result.push(builtin);
      else warn("dropped a built-in tool the Responses upstream does not have", { type: tool.type, protocol: tool.protocol });
      continue;
    }
    const leaf: ResponsesTool =
      tool.kind === "custom"
        ? {
            type: "custom",
            name: stripNamespace(tool.namespace, tool.name),
            ...(tool.description !== undefined ? { description: tool.description } : {}),
            ...(tool.format ? { format: tool.format } : {}),
          }
        : {
            type: "function",
            name: stripNamespace(tool.namespace, tool.name),
            ...(tool.description !== undefined ? { description: tool.description } : {}),
            ...(tool.strict === true && fitStrict
              ? fitStrict(tool.name, normalizeObjectSchema(tool.parameters), tool.parameters)
              : { parameters: normalizeObjectSchema(tool.parameters), strict: tool.strict ?? false }),
          };
    if (!tool.namespace) {
      result.push(leaf);
      continue;
    }
    let group = namespaces.get(tool.namespace);
    if (!group) {
      group = { type: "namespace", name: tool.namespace, tools: [] };
      namespaces.set(tool.namespace, group);
      result.push(group);
    }
    group.tools!.push(leaf);
  }
  return result;
}

function encodeBuiltinTool(protocol: string, type: string, value: Record<string, unknown>, note: Warn): ResponsesTool | undefined {
  if (protocol === "openai-responses") return { ...value, type };
  if (protocol === "anthropic" && type.startsWith("web_search")) return encodeAnthropicWebSearch(value, note);
  return undefined;
}

/** S05: an object schema needs `properties`; an empty schema becomes an empty object schema. */
export function normalizeObjectSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const normalized = { ...schema };
  if (normalized.type === undefined) normalized.type = "object";
  if (normalized.type === "object" && normalized.properties === undefined) normalized.properties = {};
  return normalized;
}

/**
 * Canonical tool choice → Responses (TC01). A choice that names a tool missing from the
 * encoded list (dropped built-in) is left out, as is any choice when no tool is left (R04).
 * One forcing an Anthropic web search forces the hosted search (S09, CC03).
 */
export function encodeResponsesToolChoice(choice: ToolChoice | undefined, tools: Tool[]): unknown {
  if (!choice) return undefined;
  if (tools.length === 0) return undefined;
  if (choice.type !== "tool") return choice.type;
  const forcedSearch = encodeForcedWebSearchChoice(choice, tools);
  if (forcedSearch !== undefined) return forcedSearch;
  const tool = tools.find((candidate) => candidate.kind !== "builtin" && candidate.name === choice.name);
  if (!tool || tool.kind === "builtin") return undefined;
  const name = stripNamespace(tool.namespace, tool.name);
  return tool.kind === "custom" ? { type: "custom", name } : { type: "function", name, ...(tool.namespace ? { namespace: tool.namespace } : {}) };
}
