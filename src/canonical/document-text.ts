import type { DocumentPart, ImagePart, TextPart } from "./types";

/**
 * C05: a document for an upstream with no document fields of its own (OpenAI Chat and
 * Responses take files, not titled text). Its title and context, which Claude is shown beside
 * the document, become text the model reads: the body wrapped in a tag that carries them, and,
 * for a file sent as a file, a label where it is referred to.
 */

/** The readable body of a text or content-chunk document (chunks joined by blank lines); undefined for a file. */
export function documentBodyText(part: DocumentPart): string | undefined {
  const source = part.source;
  if (source.kind === "text") return source.text;
  if (source.kind === "content") return source.blocks.filter((block): block is TextPart => block.type === "text").map((block) => block.text).join("\n\n");
  return undefined;
}

/** The images among a content document's chunks, which go as images after its text. */
export function documentImages(part: DocumentPart): ImagePart[] {
  return part.source.kind === "content" ? part.source.blocks.filter((block): block is ImagePart => block.type === "image") : [];
}

/** `body` wrapped with the document's title and context; a document with neither stays bare text, as before. */
export function wrapDocumentText(part: DocumentPart, body: string): string {
  const attributes = documentAttributes(part);
  return attributes === "" ? body : `<document${attributes}>\n${body}\n</document>`;
}

/** What stands in the text for a document sent beside it (a PDF after a tool message). */
export function documentPlaceholder(part: DocumentPart): string {
  return `[document${documentAttributes(part)} attached below]`;
}

/** Whether the document carries anything only text can say (its context has no place in a file part). */
export function documentNeedsLabel(part: DocumentPart): boolean {
  return part.context !== undefined;
}

function documentAttributes(part: DocumentPart): string {
  const title = part.title ?? part.filename;
  return (title ? ` title="${escapeAttribute(title)}"` : "") + (part.context ? ` context="${escapeAttribute(part.context)}"` : "");
}

function escapeAttribute(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
}
