import type { UpstreamOperation } from "../providers/endpoints";

/**
 * S09, CC03: whether the request asks for something a provider's Chat Completions API cannot
 * give and its Responses API can, so that a provider serving both (OpenAI) takes it there:
 * - an Anthropic client's server web search tool (`web_search_20250305`, later
 *   `web_search_YYYYMMDD`): Claude Code's WebSearch request. On Chat it has no counterpart and is
 *   removed, and Claude Code says "Did 0 searches"; on Responses it is the hosted `web_search`.
 * - a Chat client's `web_search_options`: OpenAI's Chat API takes it only on its search models
 *   (kept on Chat, router.ts isOpenAIChatSearchModel) and refuses it with a 400 on the others;
 *   on Responses it is the hosted `web_search` too. Only the `openai` kind offers this way
 *   (router.ts offersResponsesWay): a compatible server may take the field on Chat.
 * Counting (count_tokens) calls no model and stays where it was.
 * Asked only for targets that have a Responses way (`viaResponses`), once per request.
 */
export function needsResponsesApi(operation: UpstreamOperation, body: Record<string, unknown>): boolean {
  if (operation === "anthropic") {
    const tools = body.tools;
    if (!Array.isArray(tools)) return false;
    for (const tool of tools) {
      const type = (tool as { type?: unknown } | null)?.type;
      if (typeof type === "string" && type.startsWith("web_search_")) return true;
    }
    return false;
  }
  if (operation === "openai-chat") {
    const options = body.web_search_options;
    return typeof options === "object" && options !== null && !Array.isArray(options);
  }
  return false;
}
