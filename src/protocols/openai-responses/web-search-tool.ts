import type { BuiltinTool, Tool, ToolChoice, WebSearchRequest } from "../../canonical/types";
import { encodeFlatLocation, readApproximateLocation } from "../web-search-location";
import type { ResponsesTool } from "./wire-types";

type Note = (message: string, details?: Record<string, unknown>) => void;

/** The `include` entry that makes a Responses upstream list the pages each web search read. */
export const WEB_SEARCH_SOURCES_INCLUDE = "web_search_call.action.sources";

/** Anthropic's server web search (`web_search_20250305` and later `web_search_YYYYMMDD` versions). */
export function isAnthropicWebSearch(tool: Tool): tool is BuiltinTool {
  return tool.kind === "builtin" && tool.protocol === "anthropic" && tool.type.startsWith("web_search");
}

/**
 * S09 option (b), CC03: Anthropic's server web search → the Responses hosted `web_search` tool,
 * so Claude Code's WebSearch searches on an OpenAI model instead of answering from memory.
 * - `allowed_domains` → `filters.allowed_domains` (subdomains included on both sides);
 * - `user_location` → the same approximate location (`city`, `region`, `country`, `timezone`);
 * - `blocked_domains` has no Responses equivalent: dropped, with a notice, since the search may
 *   then read the pages the client excluded;
 * - `max_uses` has none either: the model decides how often to search (no notice: it only caps).
 */
export function encodeAnthropicWebSearch(value: Record<string, unknown>, note: Note): ResponsesTool {
  const tool: ResponsesTool = { type: "web_search" };
  if (Array.isArray(value.allowed_domains) && value.allowed_domains.length > 0) tool.filters = { allowed_domains: value.allowed_domains };
  const location = readApproximateLocation(value.user_location);
  if (location) tool.user_location = encodeFlatLocation(location);
  if (Array.isArray(value.blocked_domains) && value.blocked_domains.length > 0) {
    note("web search: blocked_domains dropped, the Responses web_search tool has no such filter", { blocked_domains: value.blocked_domains });
  }
  return tool;
}

/** The name a client forces an Anthropic web search by (`tool_choice: {type:"tool", name}`). */
function webSearchName(tool: BuiltinTool): string {
  return typeof tool.value.name === "string" ? tool.value.name : "web_search";
}

/**
 * A tool_choice forcing the Anthropic web search (Claude Code's WebSearch request forces it)
 * → a forced search on the Responses upstream. The Responses API has no named choice for its
 * `web_search` tool (`{type:"web_search"}` is not among its hosted-tool choices), so: `required`
 * when the search is the only tool, else `allowed_tools` narrowed to it with mode `required`.
 * Undefined when the choice does not name a web search.
 */
export function encodeForcedWebSearchChoice(choice: ToolChoice, tools: Tool[]): unknown {
  if (choice.type !== "tool") return undefined;
  const search = tools.find((tool) => isAnthropicWebSearch(tool) && webSearchName(tool) === choice.name);
  if (!search) return undefined;
  if (tools.length === 1) return "required";
  return { type: "allowed_tools", mode: "required", tools: [{ type: "web_search" }] };
}

/**
 * S09: a Chat client's `web_search_options` → the hosted `web_search` tool, which takes the same
 * settings (`search_context_size`, the approximate `user_location`). Undefined when the client's
 * tools already hold a web search.
 */
export function encodeRequestedWebSearch(search: WebSearchRequest, tools: readonly ResponsesTool[]): ResponsesTool | undefined {
  if (tools.some((tool) => tool.type.startsWith("web_search"))) return undefined;
  const tool: ResponsesTool = { type: "web_search" };
  if (search.contextSize !== undefined) tool.search_context_size = search.contextSize;
  if (search.userLocation) tool.user_location = encodeFlatLocation(search.userLocation);
  return tool;
}
