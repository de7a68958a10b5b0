import type { CanonicalRequest, Protocol, Tool } from "../canonical/types";

/**
 * Tool filtering where a target provably cannot use a tool (upstream-tokligence §1.19,
 * done properly). Unlike the original, nothing is removed because "models misuse it"
 * (apply_patch and update_plan are translated, S10), and the client's system prompt is
 * never rewritten. Removed are only:
 * - provider built-ins of another protocol that the upstream protocol has no mapping for
 *   (S09, S12), so the request does not fail with an unknown tool type;
 * - tools the operator listed for this target in configuration (`deny`).
 * A tool_choice naming a removed tool is relaxed to `auto`, and dropped with the last tool (R04).
 */
export interface ToolFilterOptions {
  upstreamProtocol: Protocol;
  /** Tool names the configuration says this target must not get. */
  deny?: string[];
}

export interface ToolFilterResult {
  request: CanonicalRequest;
  removed: string[];
}

/** Built-ins that have a translation into another upstream protocol. */
function isUsableBuiltin(tool: Extract<Tool, { kind: "builtin" }>, upstream: Protocol): boolean {
  if (tool.protocol === upstream) return true;
  const webSearch = tool.type.startsWith("web_search");
  if (upstream === "anthropic") return tool.protocol === "openai-responses" && webSearch;
  if (upstream === "openai-responses") return tool.protocol === "anthropic" && webSearch;
  return false;
}

export function filterUnusableTools(request: CanonicalRequest, options: ToolFilterOptions): ToolFilterResult {
  const deny = new Set(options.deny ?? []);
  const removed: string[] = [];
  const tools = request.tools.filter((tool) => {
    const keep = tool.kind === "builtin" ? isUsableBuiltin(tool, options.upstreamProtocol) : !deny.has(tool.name);
    if (!keep) removed.push(tool.kind === "builtin" ? tool.type : tool.name);
    return keep;
  });
  if (removed.length === 0) return { request, removed };
  const result: CanonicalRequest = { ...request, tools };
  const choice = request.toolChoice;
  if (tools.length === 0) {
    delete result.toolChoice;
    delete result.parallelToolCalls;
  } else if (choice?.type === "tool" && !tools.some((tool) => tool.kind !== "builtin" && tool.name === choice.name)) {
    result.toolChoice = { type: "auto" };
  }
  return { request: result, removed };
}
