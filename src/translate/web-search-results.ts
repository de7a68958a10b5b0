/**
 * S09 option (b), CC03: a Responses upstream's web searches, shown to an Anthropic client as
 * Anthropic's server web search shows them. Each `web_search_call` item becomes a
 * `server_tool_use` block (name `web_search`, input `{query}`) and a `web_search_tool_result`
 * block listing the pages it read (`include: ["web_search_call.action.sources"]`, asked for by
 * the request encoder); Claude Code counts "Did N searches" from these blocks. The answer's
 * `url_citation` annotations become `web_search_result_location` citations with the cited span
 * as `cited_text`, and `usage.server_tool_use.web_search_requests` counts the searches.
 * OpenAI gives no encrypted page content or index: those fields stay empty, which Claude Code
 * only displays (they are left out when a later turn goes to a Responses upstream: protocols/openai-responses/encode-input.ts).
 */
import { generateId } from "../canonical/ids";
import type { CanonicalEvent, CanonicalResponse, ContentPart } from "../canonical/types";
import { isRecord } from "../protocols/wire-values";

/** A Responses `web_search_call` item, as the Responses decoders pass it on (opaque). */
function isWebSearchCall(protocol: string, value: unknown): value is Record<string, unknown> {
  return protocol === "openai-responses" && isRecord(value) && value.type === "web_search_call";
}

/**
 * `srvtoolu_…` from the item id (`ws_…`), so a stream and its collected answer agree; a fresh one
 * for an item without id (ids must stay unique across a conversation, H02).
 */
function serverToolUseId(item: Record<string, unknown>): string {
  return typeof item.id === "string" && item.id !== "" ? `srvtoolu_${item.id.replace(/^ws_/, "")}` : generateId("srvtoolu_");
}

/** What was searched: the query, or for a page opened or searched within, its URL. */
function queryOf(action: Record<string, unknown>): string {
  if (typeof action.query === "string") return action.query;
  if (Array.isArray(action.queries) && typeof action.queries[0] === "string") return action.queries[0];
  return typeof action.url === "string" ? action.url : "";
}

/** The two Anthropic blocks one search stands for: the call (input given whole) and its results. */
export function anthropicWebSearchBlocks(item: Record<string, unknown>): { call: Record<string, unknown>; query: string; result: Record<string, unknown> } {
  const id = serverToolUseId(item);
  const action = isRecord(item.action) ? item.action : {};
  const query = queryOf(action);
  const sources = Array.isArray(action.sources) ? action.sources.filter(isRecord) : [];
  const pages = sources
    .filter((source) => typeof source.url === "string")
    // Responses sources carry no title; the URL stands in so the client has something to show.
    .map((source) => ({ type: "web_search_result", url: source.url, title: typeof source.title === "string" ? source.title : source.url, encrypted_content: "", page_age: null }));
  const content = item.status === "failed" ? { type: "web_search_tool_result_error", error_code: "unavailable" } : pages;
  return {
    call: { type: "server_tool_use", id, name: "web_search", input: { query } },
    query,
    result: { type: "web_search_tool_result", tool_use_id: id, content },
  };
}

/** A Responses `url_citation` → Anthropic's `web_search_result_location`, citing its span of `text`. */
export function anthropicWebCitation(annotation: unknown, text: string): unknown {
  if (!isRecord(annotation) || annotation.type !== "url_citation" || typeof annotation.url !== "string") return annotation;
  const start = typeof annotation.start_index === "number" ? annotation.start_index : 0;
  const end = typeof annotation.end_index === "number" ? annotation.end_index : text.length;
  return {
    type: "web_search_result_location",
    url: annotation.url,
    title: typeof annotation.title === "string" ? annotation.title : annotation.url,
    cited_text: text.slice(start, end),
    encrypted_index: "",
  };
}

/** Non-streamed: search items → Anthropic blocks, citations translated, searches counted in usage. */
export function mapWebSearchResults(response: CanonicalResponse): CanonicalResponse {
  let searches = 0;
  let changed = false;
  const content = response.content.flatMap((part): ContentPart[] => {
    if (part.type === "text" && part.annotations?.length) {
      changed = true;
      return [{ ...part, annotations: part.annotations.map((annotation) => anthropicWebCitation(annotation, part.text)) }];
    }
    if (part.type !== "opaque" || !isWebSearchCall(part.protocol, part.value)) return [part];
    changed = true;
    searches++;
    const blocks = anthropicWebSearchBlocks(part.value);
    return [
      { type: "opaque", protocol: "anthropic", value: blocks.call },
      { type: "opaque", protocol: "anthropic", value: blocks.result },
    ];
  });
  if (!changed) return response;
  return { ...response, content, usage: searches > 0 ? { ...response.usage, webSearchRequests: searches } : response.usage };
}

/**
 * Streamed: the search item arrives whole (an opaque block at `output_item.done`), and becomes
 * the call block, its input as one `input_json_delta` as Anthropic streams it (Claude Code
 * reads a server tool's input from the deltas), then the result block under the same canonical
 * index. Citations are held to the end of their text block, when the text they index is whole.
 */
export function createWebSearchResultMapper(): (event: CanonicalEvent) => CanonicalEvent[] {
  let searches = 0;
  const texts = new Map<number, string[]>();
  const citations = new Map<number, unknown[]>();
  const flush = (index: number): CanonicalEvent[] => {
    const held = citations.get(index) ?? [];
    const text = texts.get(index)?.join("") ?? "";
    citations.delete(index);
    texts.delete(index);
    return held.map((annotation) => ({ type: "text_annotation", index, annotation: anthropicWebCitation(annotation, text) }));
  };
  return (event) => {
    switch (event.type) {
      case "block_start": {
        const block = event.block;
        if (block.type === "text") texts.set(event.index, []);
        if (block.type !== "opaque" || !isWebSearchCall(block.protocol, block.value)) return [event];
        searches++;
        const blocks = anthropicWebSearchBlocks(block.value);
        const index = event.index;
        return [
          { type: "block_start", index, block: { type: "opaque", protocol: "anthropic", value: { ...blocks.call, input: {} } } },
          { type: "tool_args_delta", index, fragment: JSON.stringify({ query: blocks.query }) },
          { type: "block_stop", index },
          // The upstream's own block_stop for this index closes the result.
          { type: "block_start", index, block: { type: "opaque", protocol: "anthropic", value: blocks.result } },
          { type: "usage", usage: { webSearchRequests: searches } },
        ];
      }
      case "text_delta":
        texts.get(event.index)?.push(event.text);
        return [event];
      case "text_annotation":
        citations.set(event.index, [...(citations.get(event.index) ?? []), event.annotation]);
        return [];
      case "block_stop":
        return [...flush(event.index), event];
      case "finish":
      case "message_stop":
        return [...[...citations.keys()].flatMap(flush), event];
      default:
        return [event];
    }
  };
}
