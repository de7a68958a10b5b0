import type { CanonicalRequest, ContentPart } from "../canonical/types";
import type { TranslationContext } from "./types";

/**
 * C06: an Anthropic client that enables `citations` on a document gets Claude's answer with
 * `citations` on its text blocks (char, page or content-block locations in the document). OpenAI
 * models have no such setting and no such output: Chat has none for files, and Responses'
 * `file_citation` annotations come only from its hosted file search. The request still goes, with
 * the document (failing it would take the document from a user who mostly wants the answer), and
 * the answer comes without citations; this says so in the log (once per provider and model), so
 * an operator asking why a client shows none has the reason. README: "Citations on documents".
 */
export function warnUncitableDocuments(request: CanonicalRequest, ctx: TranslationContext): void {
  const asked = request.messages.some((message) => message.content.some(asksCitations));
  // A conversation carries its document on every turn: one warning per provider and model.
  if (asked) (ctx.notice ?? ctx.warn)("a document asks for citations, which this upstream cannot give: the answer comes without them", { upstream: ctx.upstreamProtocol, model: ctx.upstreamModel });
}

function asksCitations(part: ContentPart): boolean {
  if (part.type === "document") return part.citations === true;
  if (part.type === "tool_result") return part.content.some((item) => item.type === "document" && item.citations === true);
  return false;
}
