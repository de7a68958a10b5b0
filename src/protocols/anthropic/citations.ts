import { isRecord } from "../wire-values";

/** Anthropic's citation kinds (Messages API `citations` on text blocks). */
const CITATION_TYPES = new Set(["char_location", "page_location", "content_block_location", "web_search_result_location", "search_result_location"]);

/** Whether an annotation is already an Anthropic citation (from an Anthropic answer, or translated by the gateway). */
export function isAnthropicCitation(annotation: unknown): annotation is Record<string, unknown> {
  return isRecord(annotation) && typeof annotation.type === "string" && CITATION_TYPES.has(annotation.type);
}

/**
 * A text part's citations for an Anthropic client: its Anthropic-shaped annotations. Other
 * protocols' annotations are translated before they get here (translate/web-search-results.ts)
 * or have no Anthropic shape and are left out.
 */
export function anthropicCitationsOf(annotations: readonly unknown[] | undefined): Record<string, unknown>[] {
  return (annotations ?? []).filter(isAnthropicCitation);
}
