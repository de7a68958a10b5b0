import type { WebSearchRequest } from "../../canonical/types";
import type { TranslationContext } from "../../translate/types";
import { encodeFlatLocation } from "../web-search-location";
import type { AnthropicTool } from "./wire-types";

/** The name Anthropic's server web search goes by (and a tool_choice would force it by). */
const WEB_SEARCH_NAME = "web_search";

/**
 * S09: a Chat client's `web_search_options` → Anthropic's server web search tool
 * (`web_search_20250305`), which Claude runs itself; its results come back as
 * server_tool_use + web_search_tool_result blocks (left out for OpenAI clients) and
 * `web_search_result_location` citations (url_citation annotations, url-citations.ts).
 * `user_location` carries over; `search_context_size` has no Anthropic counterpart (noted).
 * Undefined when the client's own tools already use the name.
 */
export function anthropicWebSearchTool(search: WebSearchRequest, taken: readonly AnthropicTool[], ctx: TranslationContext): AnthropicTool | undefined {
  if (taken.some((tool) => tool.name === WEB_SEARCH_NAME)) {
    ctx.warn("web_search_options not sent: a tool of the client's is already named web_search");
    return undefined;
  }
  if (search.contextSize !== undefined) (ctx.notice ?? ctx.warn)("web search: search_context_size dropped, Anthropic's web search has no such setting", { search_context_size: search.contextSize });
  const tool: AnthropicTool & { user_location?: Record<string, unknown> } = { type: "web_search_20250305", name: WEB_SEARCH_NAME };
  if (search.userLocation) tool.user_location = encodeFlatLocation(search.userLocation);
  return tool;
}
