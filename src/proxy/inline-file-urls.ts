import { GatewayError } from "../errors/gateway-error";
import { quoteClientValue } from "../protocols/wire-values";
import type { RouteTarget } from "../routing/router";
import { type FetchedFile, FileUrlError, type FileUrlLimits, fetchFileUrl } from "../upstream/fetch-file-url";
import { holdsAnthropicDocumentUrl, inlineAnthropicDocumentUrls } from "./inline-anthropic-document-urls";
import { holdsResponsesFileUrl, inlineResponsesFileUrls } from "./inline-responses-file-urls";
import type { ReadFileUrl } from "./fetched-file-type";
import type { ModelRequest } from "./types";

/** Files already read for this request, by URL: a failover's next target reuses them. */
export type FetchedFiles = Map<string, Promise<FetchedFile>>;

/**
 * C05: Chat Completions takes files inline only (`file.file_data` with a `filename`), so a file a
 * client names by URL (a Responses `input_file.file_url`, an Anthropic `document` with a `url`
 * source) is read by the gateway and inlined for a Chat upstream, instead of sending the model a
 * line with a URL it cannot open. A URL that cannot be read is the client's 400 naming the part
 * (Responses: `param: "input[0].content[1].file_url"`; Anthropic, which has no param, says
 * `messages.0.content.1.source.url` in the message). Other upstreams read URLs themselves
 * (Responses `file_url`, Anthropic's `url` source): callers ask `needsFileUrlsInlined` first.
 */
export async function inlineFileUrls(request: ModelRequest, limits: FileUrlLimits, fetched: FetchedFiles): Promise<ModelRequest> {
  const anthropic = request.clientProtocol === "anthropic";
  const refuse = (where: string, message: string) => new GatewayError("invalid_request", 400, anthropic ? `${where}: ${message}` : message, anthropic ? {} : { param: where });
  const read: ReadFileUrl = (url, where) => {
    // The operator turned reading client URLs off (gateway.file_url_max_mb = 0).
    if (limits.maxBytes === 0) {
      const inline = anthropic ? "send the document as a base64 source" : "send the file as file_data";
      return Promise.reject(refuse(where, `model '${String(request.body.model)}' takes files inline only, and this gateway reads no file URLs: ${inline}`));
    }
    let file = fetched.get(url);
    if (!file) fetched.set(url, (file = fetchFileUrl(url, limits, request.signal)));
    return file.catch((error: unknown) => {
      if (error instanceof FileUrlError) throw refuse(where, `could not read the file at ${quoteClientValue(url, 200)}: ${error.message}`);
      throw error;
    });
  };
  const body = anthropic ? await inlineAnthropicDocumentUrls(request.body, read) : await inlineResponsesFileUrls(request.body, read);
  return { ...request, body };
}

/**
 * Whether `request` names files by URL that `target` cannot read itself: checked first, without
 * a promise, because every request passes here and almost none has such a file.
 */
export function needsFileUrlsInlined(request: ModelRequest, target: RouteTarget): boolean {
  if (!target.translate || target.upstreamProtocol !== "openai-chat") return false;
  if (request.operation === "openai-responses") return holdsResponsesFileUrl(request.body);
  if (request.operation === "anthropic") return holdsAnthropicDocumentUrl(request.body);
  return false;
}
