import { isRecord } from "../protocols/wire-values";
import type { FetchedFile } from "../upstream/fetch-file-url";
import { mediaTypeOf, type ReadFileUrl } from "./fetched-file-type";

/**
 * C05 for a Responses client (inline-file-urls.ts): its `input_file` parts given by `file_url`,
 * in messages' `content` and tool outputs' `output`, read and given as `file_data`.
 */
export async function inlineResponsesFileUrls(body: Record<string, unknown>, read: ReadFileUrl): Promise<Record<string, unknown>> {
  const input = body.input as unknown[];
  const items = await Promise.all(input.map(async (item, index) => (holdsFileUrl(item) ? inlineItem(item as Record<string, unknown>, `input[${index}]`, read) : item)));
  return { ...body, input: items };
}

/** Whether a Responses body has such a part. */
export function holdsResponsesFileUrl(body: Record<string, unknown>): boolean {
  const input = body.input;
  return Array.isArray(input) && input.some(holdsFileUrl);
}

/** Where an item keeps its parts: a message's `content`, a tool output's `output`. */
const PART_LISTS = ["content", "output"] as const;

function holdsFileUrl(item: unknown): boolean {
  return isRecord(item) && PART_LISTS.some((key) => Array.isArray(item[key]) && (item[key] as unknown[]).some(isFileUrlPart));
}

/** An `input_file` whose only source is a URL (file_data or file_id win when also given, as the decoder reads them). */
function isFileUrlPart(part: unknown): part is Record<string, unknown> & { file_url: string } {
  return isRecord(part) && part.type === "input_file" && typeof part.file_url === "string" && part.file_data === undefined && part.file_id === undefined;
}

async function inlineItem(item: Record<string, unknown>, where: string, read: ReadFileUrl): Promise<Record<string, unknown>> {
  const copy = { ...item };
  for (const key of PART_LISTS) {
    const parts = item[key];
    if (!Array.isArray(parts)) continue;
    copy[key] = await Promise.all(parts.map(async (part, index) => (isFileUrlPart(part) ? inlinePart(part, await read(part.file_url, `${where}.${key}[${index}].file_url`)) : part)));
  }
  return copy;
}

/** The part with its file inline; OpenAI wants a filename beside file_data, so one is always given. */
function inlinePart(part: Record<string, unknown>, file: FetchedFile): Record<string, unknown> {
  const { file_url: _url, ...rest } = part;
  const filename = typeof part.filename === "string" ? part.filename : (file.filename ?? "document.pdf");
  return { ...rest, filename, file_data: `data:${mediaTypeOf(file, filename)};base64,${file.data}` };
}
