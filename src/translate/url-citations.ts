/**
 * C06: web citations carried across to OpenAI clients. Anthropic's web search answers cite
 * each text block with `web_search_result_location` entries (url, title, the cited text);
 * OpenAI's only fitting shape is the `url_citation` annotation, with indexes into the text.
 * An Anthropic citation covers its whole text block, so the span is the block's. Other
 * Anthropic citation kinds (document char/page/block locations, search_result locations)
 * have no OpenAI counterpart and are left out; their text stays. Streams reach the same
 * functions: the stream encoders gather a block's citations (canonical `text_annotation`) and
 * encode them when it closes, its length known.
 */
import type { ContentPart, TextPart } from "../canonical/types";
import { isAnthropicCitation } from "../protocols/anthropic/citations";
import { isRecord } from "../protocols/wire-values";

/** One cited web page and the span of text citing it (UTF-16 indexes, as JavaScript counts). */
export interface UrlCitation {
  url: string;
  title: string;
  start: number;
  end: number;
}

/** The web citations of one text part, relative to its own text; each URL once. */
export function urlCitationsOf(part: TextPart): UrlCitation[] {
  return urlCitationsIn(part.annotations ?? [], part.text.length);
}

/** The web citations among a text's annotations, given only the text's length (all a span needs). */
function urlCitationsIn(annotations: readonly unknown[], textLength: number): UrlCitation[] {
  const out: UrlCitation[] = [];
  const seen = new Set<string>();
  for (const raw of annotations) {
    if (!isRecord(raw)) continue;
    let citation: UrlCitation | undefined;
    if (raw.type === "web_search_result_location" && typeof raw.url === "string") {
      citation = { url: raw.url, title: typeof raw.title === "string" ? raw.title : "", start: 0, end: textLength };
    } else if (raw.type === "url_citation" && typeof raw.url === "string") {
      // A Responses upstream's own annotation (flat): its indexes already point into this text.
      citation = { url: raw.url, title: typeof raw.title === "string" ? raw.title : "", start: Number(raw.start_index ?? 0), end: Number(raw.end_index ?? textLength) };
    }
    if (!citation) continue;
    const key = `${citation.url}\u0000${citation.start}\u0000${citation.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(citation);
  }
  return out;
}

/**
 * A text part's annotations for a Responses `output_text`: Anthropic web citations as flat
 * `url_citation`s, Responses-native annotations (a Responses upstream's, translation mode) as
 * they came, other Anthropic citations left out.
 */
export function encodeResponsesAnnotations(part: TextPart): unknown[] {
  // Anthropic's citation kinds are never forwarded to OpenAI clients as they are.
  const kept = (part.annotations ?? []).filter((raw) => !isAnthropicCitation(raw));
  const converted = urlCitationsOf({ ...part, annotations: (part.annotations ?? []).filter((raw) => isRecord(raw) && raw.type === "web_search_result_location") });
  return [...kept, ...converted.map((c) => ({ type: "url_citation", start_index: c.start, end_index: c.end, url: c.url, title: c.title }))];
}

/**
 * A Chat message's `annotations`: the web citations of its text parts, their spans moved to
 * where each part lands in `content`, which joins text and refusal parts without separator
 * (assistant-parts.ts).
 */
export function encodeChatAnnotations(content: readonly ContentPart[]): unknown[] {
  const out: unknown[] = [];
  let offset = 0;
  for (const part of content) {
    if (part.type !== "text" && part.type !== "refusal") continue;
    if (part.type === "text") out.push(...encodeChatTextAnnotations(part.annotations ?? [], part.text.length, offset));
    offset += part.text.length;
  }
  return out;
}

/**
 * One text's Chat `url_citation`s, their spans moved by `offset` (where the text starts in the
 * message's `content`). The stream encoder calls it as each text block closes, so a streamed
 * answer gets the very annotations the whole message would.
 */
export function encodeChatTextAnnotations(annotations: readonly unknown[], textLength: number, offset: number): unknown[] {
  return urlCitationsIn(annotations, textLength).map((c) => ({ type: "url_citation", url_citation: { start_index: offset + c.start, end_index: offset + c.end, url: c.url, title: c.title } }));
}
