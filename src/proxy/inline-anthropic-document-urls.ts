import { isRecord } from "../protocols/wire-values";
import type { FetchedFile } from "../upstream/fetch-file-url";
import { mediaTypeOf, type ReadFileUrl } from "./fetched-file-type";

/**
 * C05 for an Anthropic client (inline-file-urls.ts): its `document` blocks whose source is a
 * `url`, in a message's `content` and inside a `tool_result`'s `content`, read and given as a
 * `base64` source. A document without a title is titled with the URL's file name, which the Chat
 * encoder sends as the file part's `filename` (OpenAI wants one beside file_data).
 */
export async function inlineAnthropicDocumentUrls(body: Record<string, unknown>, read: ReadFileUrl): Promise<Record<string, unknown>> {
  const messages = body.messages as unknown[];
  const inlined = await Promise.all(
    messages.map(async (message, index) => {
      if (!holdsDocumentUrl(message)) return message;
      const where = `messages.${index}.content`;
      return { ...message, content: await inlineBlocks(message.content as unknown[], where, read) };
    }),
  );
  return { ...body, messages: inlined };
}

/** Whether an Anthropic body has such a document. */
export function holdsAnthropicDocumentUrl(body: Record<string, unknown>): boolean {
  const messages = body.messages;
  return Array.isArray(messages) && messages.some(holdsDocumentUrl);
}

function holdsDocumentUrl(message: unknown): message is Record<string, unknown> {
  return isRecord(message) && Array.isArray(message.content) && message.content.some((block) => isDocumentUrl(block) || (isToolResult(block) && block.content.some(isDocumentUrl)));
}

function isDocumentUrl(block: unknown): block is Record<string, unknown> & { source: { type: "url"; url: string } } {
  return isRecord(block) && block.type === "document" && isRecord(block.source) && block.source.type === "url" && typeof block.source.url === "string";
}

function isToolResult(block: unknown): block is Record<string, unknown> & { content: unknown[] } {
  return isRecord(block) && block.type === "tool_result" && Array.isArray(block.content);
}

function inlineBlocks(blocks: unknown[], where: string, read: ReadFileUrl): Promise<unknown[]> {
  return Promise.all(
    blocks.map(async (block, index) => {
      if (isDocumentUrl(block)) return inlineDocument(block, await read(block.source.url, `${where}.${index}.source.url`));
      if (isToolResult(block) && block.content.some(isDocumentUrl)) return { ...block, content: await inlineBlocks(block.content, `${where}.${index}.content`, read) };
      return block;
    }),
  );
}

function inlineDocument(block: Record<string, unknown>, file: FetchedFile): Record<string, unknown> {
  const title = typeof block.title === "string" && block.title !== "" ? block.title : file.filename;
  return { ...block, ...(title ? { title } : {}), source: { type: "base64", media_type: mediaTypeOf(file, title ?? "document.pdf"), data: file.data } };
}
