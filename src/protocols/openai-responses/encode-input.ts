import { createHash } from "node:crypto";
import { fileIdError } from "../../translate/file-id-error";
import type { ContentPart, DocumentPart, ImagePart, Message, TextPart, ToolResultPart } from "../../canonical/types";
import { documentBodyText, documentImages, documentNeedsLabel, documentPlaceholder, wrapDocumentText } from "../../canonical/document-text";
import { formatDataUrl } from "../media-url";
import { stripNamespace } from "./namespaced-names";
import { isGatewayReasoningBlob } from "./reasoning-blob";
import { isRecord } from "./values";
import type { ResponsesContentPart, ResponsesItem } from "./wire-types";

type Warn = (message: string, details?: Record<string, unknown>) => void;

/**
 * C05: whose file ids the client's uploads are. An OpenAI client's (Chat or Responses) are
 * OpenAI's and go as `file_id`; an Anthropic client's are Anthropic Files API ids, which no
 * Responses server can resolve: refused with a 400 that says so, as on Chat upstreams, rather than
 * sent on to fail there with an error about a file the client never uploaded to that provider.
 */
export type FileIds = "forward" | "refuse";

/** Responses `call_id` is limited to 64 characters (H03). */
const MAX_CALL_ID_LENGTH = 64;

/**
 * Canonical messages → Responses `input` items for a Responses-only upstream (A→R, O→R).
 * Tool results become `function_call_output` items ahead of the rest of their user turn
 * (M06); assistant turns become reasoning, message and function_call items in order;
 * reasoning is replayed only when it carries a real OpenAI `encrypted_content` (K06, K09).
 */
export function encodeResponsesInput(messages: Message[], warn: Warn, fileIds: FileIds = "forward"): ResponsesItem[] {
  const items: ResponsesItem[] = [];
  for (const message of messages) {
    if (message.role === "assistant") encodeAssistantTurn(message.content, items, warn);
    else encodeInputTurn(message.role, message.content, items, warn, fileIds);
  }
  return items;
}

function encodeInputTurn(role: "system" | "developer" | "user", content: ContentPart[], items: ResponsesItem[], warn: Warn, fileIds: FileIds): void {
  const parts: ResponsesContentPart[] = [];
  for (const part of content) {
    if (part.type === "tool_result") {
      items.push(encodeToolResult(part, fileIds));
      continue;
    }
    parts.push(...encodeInputPart(part, warn, fileIds));
  }
  if (parts.length > 0) items.push({ type: "message", role, content: parts });
}

function encodeInputPart(part: ContentPart, warn: Warn, fileIds: FileIds): ResponsesContentPart[] {
  switch (part.type) {
    case "text":
      return [{ type: "input_text", text: part.text }];
    case "image":
      return [encodeImage(part, fileIds)];
    case "document":
      return encodeDocument(part, fileIds);
    case "refusal":
      return [{ type: "input_text", text: part.text }];
    case "opaque":
      if (part.protocol === "openai-responses") return [part.value as ResponsesContentPart];
      warn("dropped a content block the Responses upstream cannot take", { protocol: part.protocol });
      return [];
    default:
      warn("dropped a content part out of place in an input turn", { type: part.type });
      return [];
  }
}

function encodeImage(part: ImagePart, fileIds: FileIds): ResponsesContentPart {
  const detail = part.detail ?? "auto";
  if (part.source.kind === "file") return { type: "input_image", file_id: checkFileId(part.source.fileId, fileIds), detail };
  const url = part.source.kind === "url" ? part.source.url : formatDataUrl(part.source.mediaType, part.source.data);
  return { type: "input_image", image_url: url, detail };
}

/**
 * C05: PDFs as `input_file` with a filename (OpenAI requires one with file_data), after a label
 * when the document has a context (a file part has no place for it); text and content-chunk
 * documents as text wrapped with their title and context, the chunks' images after it.
 */
function encodeDocument(part: DocumentPart, fileIds: FileIds): ResponsesContentPart[] {
  const body = documentBodyText(part);
  if (body !== undefined) return [{ type: "input_text", text: wrapDocumentText(part, body) }, ...documentImages(part).map((image) => encodeImage(image, fileIds))];
  const file = encodeDocumentFile(part, fileIds);
  return documentNeedsLabel(part) ? [{ type: "input_text", text: documentPlaceholder(part) }, file] : [file];
}

function encodeDocumentFile(part: DocumentPart, fileIds: FileIds): ResponsesContentPart {
  const source = part.source;
  if (source.kind === "text" || source.kind === "content") return { type: "input_text", text: wrapDocumentText(part, documentBodyText(part) ?? "") };
  if (source.kind === "file") return { type: "input_file", file_id: checkFileId(source.fileId, fileIds) };
  if (source.kind === "url") return { type: "input_file", file_url: source.url };
  return { type: "input_file", filename: part.filename ?? part.title ?? "document.pdf", file_data: formatDataUrl(source.mediaType, source.data) };
}

/** C05: a file id another provider issued cannot be resolved here (FileIds). */
function checkFileId(fileId: string, fileIds: FileIds): string {
  if (fileIds === "forward") return fileId;
  // Only an Anthropic client's ids are refused here (encode-request.ts).
  throw fileIdError("anthropic");
}

/** H05, H10: results keep their text (and images); an error result gets a marker the model can read. */
function encodeToolResult(part: ToolResultPart, fileIds: FileIds): ResponsesItem {
  const type = part.kind === "custom" ? "custom_tool_call_output" : "function_call_output";
  const hasMedia = part.content.some((entry) => entry.type !== "text");
  const marker = part.isError ? "Error: " : "";
  let output: string | ResponsesContentPart[];
  if (!hasMedia) {
    output = marker + part.content.map((entry) => (entry as TextPart).text).join("\n");
  } else {
    output = part.content.flatMap((entry) =>
      entry.type === "text" ? [{ type: "input_text", text: entry.text }] : entry.type === "image" ? [encodeImage(entry, fileIds)] : encodeDocument(entry, fileIds),
    );
    if (marker) output.unshift({ type: "input_text", text: "Error:" });
  }
  return { type, call_id: shortenCallId(part.toolCallId), output };
}

function encodeAssistantTurn(content: ContentPart[], items: ResponsesItem[], warn: Warn): void {
  let message: ResponsesContentPart[] | undefined;
  const flush = (): void => {
    if (message && message.length > 0) items.push({ type: "message", role: "assistant", content: message });
    message = undefined;
  };
  for (const part of content) {
    if (part.type === "text" || part.type === "refusal") {
      if (part.type === "text" && part.text === "") continue;
      message ??= [];
      message.push(part.type === "text" ? { type: "output_text", text: part.text, annotations: [] } : { type: "refusal", refusal: part.text });
      continue;
    }
    flush();
    if (part.type === "reasoning") {
      // K06/K09: only a real OpenAI blob can be replayed; Anthropic signatures and gateway
      // blobs mean nothing to OpenAI, and a reasoning item without its blob cannot be
      // resolved with store:false.
      if (part.encryptedContent && !isGatewayReasoningBlob(part.encryptedContent)) {
        items.push({
          type: "reasoning",
          ...(part.id ? { id: part.id } : {}),
          summary: (part.summary ?? []).map((text) => ({ type: "summary_text", text })),
          encrypted_content: part.encryptedContent,
        });
      }
    } else if (part.type === "tool_call") {
      const name = stripNamespace(part.namespace, part.name);
      const namespace = part.namespace ? { namespace: part.namespace } : {};
      items.push(
        part.kind === "custom"
          ? { type: "custom_tool_call", call_id: shortenCallId(part.id), name, input: part.arguments, ...namespace }
          : { type: "function_call", call_id: shortenCallId(part.id), name, arguments: part.arguments || "{}", ...namespace },
      );
    } else if (part.type === "opaque" && part.protocol === "openai-responses") {
      items.push(part.value as ResponsesItem);
    } else if (part.type === "opaque" && part.protocol === "anthropic" && isAnthropicWebSearchBlock(part.value)) {
      // S09: a search shown to an Anthropic client (ours, or Claude's own) is left out of the
      // history: Responses takes no search result as input, the page contents are encrypted
      // for Anthropic (or empty, when the gateway made them), and a search written out as text
      // invites the model to write searches instead of running them. The answer that used the
      // results stays, its text whole.
    } else {
      warn("dropped an assistant block the Responses upstream cannot take", { type: part.type });
    }
  }
  flush();
}

/** Anthropic's server web search blocks in an assistant turn (`server_tool_use` of web_search, `web_search_tool_result`). */
function isAnthropicWebSearchBlock(block: unknown): boolean {
  if (!isRecord(block)) return false;
  return block.type === "web_search_tool_result" || (block.type === "server_tool_use" && block.name === "web_search");
}

/** H03: ids over 64 characters are shortened deterministically, so calls and outputs still match. */
export function shortenCallId(id: string): string {
  if (id.length <= MAX_CALL_ID_LENGTH) return id;
  return `call_${createHash("sha256").update(id).digest("hex").slice(0, 40)}`;
}
