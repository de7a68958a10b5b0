/**
 * S09 A→R: Claude's server web search, run for a Responses client's hosted `web_search` tool
 * (web-search-tool.ts), as the `web_search_call` output items OpenAI answers with. Each
 * `server_tool_use` named `web_search` and its `web_search_tool_result` become one item:
 * `{type:"web_search_call", id:"ws_…", status, action:{type:"search", query, sources?}}`.
 * Codex prints "Searched: <query>" from it; without it a client never learns a search ran.
 * The pages' encrypted contents have no Responses field and stay behind (the answer's
 * url_citation annotations name the pages it used); `sources` only when the client asked for
 * them (`include: ["web_search_call.action.sources"]`), as at OpenAI.
 */
import type { ResponsesItem } from "./wire-types";

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The tool_use id of a Claude `server_tool_use` block running web search, else undefined. */
export function anthropicWebSearchCallId(block: unknown): string | undefined {
  if (!isRecord(block) || block.type !== "server_tool_use" || block.name !== "web_search" || typeof block.id !== "string") return undefined;
  return block.id;
}

/** What a Claude `web_search_tool_result` block says: which call it answers, whether it failed, the pages' URLs. */
export interface AnthropicWebSearchResult {
  toolUseId: string;
  failed: boolean;
  urls: string[];
}

export function readAnthropicWebSearchResult(block: unknown): AnthropicWebSearchResult | undefined {
  if (!isRecord(block) || block.type !== "web_search_tool_result" || typeof block.tool_use_id !== "string") return undefined;
  const pages = Array.isArray(block.content) ? block.content : undefined;
  const urls = (pages ?? []).flatMap((page) => (isRecord(page) && typeof page.url === "string" ? [page.url] : []));
  return { toolUseId: block.tool_use_id, failed: pages === undefined, urls };
}

/** The item id OpenAI's `ws_` style gives the call, kept stable from Claude's `srvtoolu_` id. */
export function webSearchItemId(toolUseId: string): string {
  return `ws_${toolUseId.replace(/^srvtoolu_/, "")}`;
}

/** The query in the call's input (an object, or its JSON text as streamed). */
export function webSearchQuery(input: unknown): string | undefined {
  let value = input;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return isRecord(value) && typeof value.query === "string" ? value.query : undefined;
}

/** The finished item; a call whose result never came counts as completed (the answer went on). */
export function webSearchCallItem(toolUseId: string, query: string | undefined, result: AnthropicWebSearchResult | undefined, withSources: boolean): ResponsesItem {
  const action: Json = { type: "search", ...(query !== undefined ? { query } : {}) };
  if (withSources && result) action.sources = result.urls.map((url) => ({ type: "url", url }));
  return { type: "web_search_call", id: webSearchItemId(toolUseId), status: result?.failed ? "failed" : "completed", action };
}
