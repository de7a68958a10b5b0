import { GatewayError } from "../errors/gateway-error";
import { isRecord, quoteClientValue } from "../protocols/wire-values";
import type { RouteTarget } from "../routing/router";
import { type FetchedFile, FileUrlError, type FileUrlLimits, fetchFileUrl } from "../upstream/fetch-file-url";
import type { ModelRequest } from "./types";

/** Files already read for this request, by URL: a failover's next target reuses them. */
export type FetchedFiles = Map<string, Promise<FetchedFile>>;

/**
 * C05: a Responses client's `input_file` given by `file_url` has no Chat Completions form (Chat
 * takes files inline only, `file.file_data` with a `filename`), so for a Chat upstream the gateway
 * reads the file itself and inlines it as `file_data`, instead of sending the model a line with
 * the URL it cannot open. A URL that cannot be read is the client's 400 naming the part
 * (`input[0].content[1].file_url`). Other upstreams read URLs themselves (Responses `file_url`,
 * Anthropic's `url` document source): callers ask `needsFileUrlsInlined` first.
 */
export async function inlineFileUrls(request: ModelRequest, limits: FileUrlLimits, fetched: FetchedFiles): Promise<ModelRequest> {
  const input = request.body.input as unknown[];
  const read = (url: string, where: string): Promise<FetchedFile> => {
    // The operator turned reading client URLs off (gateway.file_url_max_mb = 0).
    if (limits.maxBytes === 0) return Promise.reject(new GatewayError("invalid_request", 400, `model '${String(request.body.model)}' takes files inline only, and this gateway reads no file URLs: send the file as file_data`, { param: where }));
    let file = fetched.get(url);
    if (!file) fetched.set(url, (file = fetchFileUrl(url, limits, request.signal)));
    return file.catch((error: unknown) => {
      if (error instanceof FileUrlError) throw new GatewayError("invalid_request", 400, `could not read the file at ${quoteClientValue(url, 200)}: ${error.message}`, { param: where });
      throw error;
    });
  };
  const items = await Promise.all(input.map(async (item, index) => (holdsFileUrl(item) ? inlineItem(item as Record<string, unknown>, `input[${index}]`, read) : item)));
  return { ...request, body: { ...request.body, input: items } };
}

/**
 * Whether `request` names files by URL that `target` cannot read itself: checked first, without
 * a promise, because every request passes here and almost none has such a file.
 */
export function needsFileUrlsInlined(request: ModelRequest, target: RouteTarget): boolean {
  if (request.operation !== "openai-responses" || !target.translate || target.upstreamProtocol !== "openai-chat") return false;
  const input = request.body.input;
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

async function inlineItem(item: Record<string, unknown>, where: string, read: (url: string, where: string) => Promise<FetchedFile>): Promise<Record<string, unknown>> {
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
  const mediaType = file.mediaType && file.mediaType !== "application/octet-stream" ? file.mediaType : mediaTypeOf(filename);
  return { ...rest, filename, file_data: `data:${mediaType};base64,${file.data}` };
}

/** A type from the file name when the server named none usable; PDF, what Chat file inputs mostly are, otherwise. */
function mediaTypeOf(filename: string): string {
  const extension = filename.toLowerCase().split(".").at(-1);
  if (extension === "txt") return "text/plain";
  if (extension === "md") return "text/markdown";
  if (extension === "csv") return "text/csv";
  if (extension === "json") return "application/json";
  return "application/pdf";
}
