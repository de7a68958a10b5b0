import { isClaudeCodeAttributionText } from "../../canonical/claude-code";
import { wrappedCustomToolArguments } from "../../canonical/custom-tool-wrap";
import { documentBodyText, documentImages, documentNeedsLabel, documentPlaceholder, wrapDocumentText } from "../../canonical/document-text";
import type { ContentPart, DocumentPart, ImagePart, Message, TextPart, ToolResultPart } from "../../canonical/types";
import { fileIdError } from "../../translate/file-id-error";
import type { TranslationContext } from "../../translate/types";
import { upstreamTakesCustomTools } from "./custom-tools";
import type { ChatContentPart, ChatMessage, ChatToolCall } from "./wire-types";
import { splitAssistantContent } from "./assistant-parts";
import { attachThoughtSignatures, isGeminiModel } from "./gemini-signatures";
import { isMistralModel, mistralToolCallId } from "./mistral-ids";
import { orderForMistral } from "./mistral-role-order";
import { readAudioInput } from "../audio-input";
import { chatDialectOf } from "../../providers/chat-dialect";
import { unwrapReasoningDetails } from "../../canonical/reasoning-details-blob";
import { pairToolMessages } from "./tool-message-pairing";

/**
 * Canonical system prompt and conversation → Chat `messages`. Cache hints are dropped
 * (OpenAI caches prefixes by itself, CC04) and so is Claude Code's per-request attribution
 * block (M02), so the prompt prefix stays byte-stable.
 */

/** Content of a tool message whose result was empty; some servers reject empty tool content (C04). */
const EMPTY_TOOL_RESULT = "(no output)";

export function encodeChatMessages(system: TextPart[], messages: Message[], ctx: TranslationContext): ChatMessage[] {
  const out = pairToolMessages(encodeConversation(system, messages, ctx), ctx);
  if (!isMistralModel(ctx.upstreamModel)) return out;
  // H03: Mistral takes only its own id format; calls and results are renamed alike.
  for (const message of out) {
    for (const call of message.tool_calls ?? []) call.id = mistralToolCallId(call.id);
    if (message.tool_call_id !== undefined) message.tool_call_id = mistralToolCallId(message.tool_call_id);
  }
  return orderForMistral(out);
}

function encodeConversation(system: TextPart[], messages: Message[], ctx: TranslationContext): ChatMessage[] {
  const out: ChatMessage[] = [];
  const systemText = joinSystem(system);
  // M01: the system blocks become one leading system message, joined with a blank line.
  if (systemText !== "") out.push({ role: "system", content: systemText });
  for (const message of messages) {
    if (message.role === "system" || message.role === "developer") {
      // M03: mid-conversation system messages stay in place as system messages.
      const text = joinSystem(message.content.filter((p): p is TextPart => p.type === "text"));
      if (text !== "") out.push({ role: "system", content: text });
    } else if (message.role === "assistant") {
      const assistant = encodeAssistant(message.content, ctx);
      if (assistant) out.push(assistant);
    } else out.push(...encodeUser(message.content, ctx));
  }
  return out;
}

function joinSystem(parts: TextPart[]): string {
  return parts
    .filter((p) => p.text.trim() !== "" && !isClaudeCodeAttributionText(p.text))
    .map((p) => p.text)
    .join("\n\n");
}

/**
 * M06/C03: one user turn → one `tool` message per tool_result, in order, immediately after the
 * assistant's tool_calls; then one user message with the remaining content plus any images the
 * tool results held (tool messages may only carry text).
 */
function encodeUser(content: ContentPart[], ctx: TranslationContext): ChatMessage[] {
  const out: ChatMessage[] = [];
  const followUp: ChatContentPart[] = [];
  for (const part of content) {
    if (part.type !== "tool_result") continue;
    const { text, media } = encodeToolResult(part, ctx);
    out.push({ role: "tool", tool_call_id: part.toolCallId, content: text });
    if (media.length > 0) followUp.push({ type: "text", text: `Attachments from tool result ${part.toolCallId}:` }, ...media);
  }
  const rest = content.flatMap((part) => (part.type === "tool_result" ? [] : encodeUserPart(part, ctx)));
  const parts = [...followUp, ...rest];
  if (parts.length === 0) return out;
  // A plain text turn goes as a string: the widest-supported form.
  const onlyText = parts.every((p) => p.type === "text");
  out.push({ role: "user", content: onlyText ? parts.map((p) => (p as { text: string }).text).join("\n\n") : parts });
  return out;
}

function encodeToolResult(part: ToolResultPart, ctx: TranslationContext): { text: string; media: ChatContentPart[] } {
  const texts: string[] = [];
  const media: ChatContentPart[] = [];
  for (const item of part.content) {
    if (item.type === "text") texts.push(item.text);
    else if (item.type === "image") {
      media.push(encodeImage(item, ctx));
      texts.push("[image attached below]");
    } else {
      // C05: a document's text stays in the tool message with its title and context; a file
      // goes after it, and a label with them stands in its place.
      const body = documentBodyText(item);
      if (body !== undefined) {
        texts.push(wrapDocumentText(item, body));
        for (const image of documentImages(item)) {
          media.push(encodeImage(image, ctx));
          texts.push("[image attached below]");
        }
      } else {
        const file = encodeDocumentFile(item, ctx);
        if (file.type === "text") texts.push(String(file.text));
        else {
          texts.push(documentPlaceholder(item));
          media.push(file);
        }
      }
    }
  }
  // C04: text blocks joined with newlines, never JSON-encoded.
  let text = texts.filter((t) => t !== "").join("\n");
  if (text === "") text = EMPTY_TOOL_RESULT;
  // H05: OpenAI has no error flag; a leading marker tells the model the tool failed.
  if (part.isError) text = `Error: ${text}`;
  return { text, media };
}

function encodeUserPart(part: ContentPart, ctx: TranslationContext): ChatContentPart[] {
  switch (part.type) {
    case "text":
      return part.text === "" ? [] : [{ type: "text", text: part.text }];
    case "refusal":
      return [{ type: "text", text: part.text }];
    case "image":
      return [encodeImage(part, ctx)];
    case "document":
      return encodeDocument(part, ctx);
    case "opaque": {
      // A Responses client's audio part has Chat's own shape (C07).
      const audio = readAudioInput(part);
      if (audio) return [{ type: "input_audio", input_audio: audio.input_audio }];
      ctx.warn("dropped a content block the Chat upstream cannot take", { protocol: part.protocol });
      return [];
    }
    default:
      return [];
  }
}

function encodeImage(part: ImagePart, ctx: TranslationContext): ChatContentPart {
  const source = part.source;
  if (source.kind === "file") throw fileIdError(ctx.clientProtocol);
  // C01: build the data URL exactly.
  const url = source.kind === "base64" ? `data:${source.mediaType};base64,${source.data}` : source.url;
  return { type: "image_url", image_url: { url, ...(part.detail ? { detail: part.detail } : {}) } };
}

/**
 * C05: a text or content-chunk document becomes text wrapped with its title and context (the
 * chunks' images after it); a file goes as a file part, after a label when it has a context,
 * which a file part has no place for.
 */
function encodeDocument(part: DocumentPart, ctx: TranslationContext): ChatContentPart[] {
  const body = documentBodyText(part);
  if (body !== undefined) return [{ type: "text", text: wrapDocumentText(part, body) }, ...documentImages(part).map((image) => encodeImage(image, ctx))];
  const file = encodeDocumentFile(part, ctx);
  return documentNeedsLabel(part) && file.type === "file" ? [{ type: "text", text: documentPlaceholder(part) }, file] : [file];
}

/** A document without readable text: a PDF as a file part, a URL not read by the gateway as a text reference. */
function encodeDocumentFile(part: DocumentPart, ctx: TranslationContext): ChatContentPart {
  const source = part.source;
  const title = part.title ?? part.filename;
  switch (source.kind) {
    case "text":
    case "content":
      return { type: "text", text: wrapDocumentText(part, documentBodyText(part) ?? "") };
    case "base64":
      // C05: OpenAI requires a filename with file_data.
      return { type: "file", file: { file_data: `data:${source.mediaType || "application/pdf"};base64,${source.data}`, filename: part.filename ?? part.title ?? "document.pdf" } };
    case "url":
      // Requests have their URL documents read and inlined before translation (inline-file-urls.ts);
      // one that still comes here is named by its URL, for want of anything better.
      ctx.warn("document URL passed as a text reference: Chat Completions cannot fetch documents");
      return { type: "text", text: `Document${title ? ` "${title}"` : ""}${part.context ? ` (${part.context})` : ""}: ${source.url}` };
    case "file":
      throw fileIdError(ctx.clientProtocol);
  }
}

/** M13/M12/H08/K07: one assistant message with text, reasoning_content and tool_calls. */
function encodeAssistant(content: ContentPart[], ctx: TranslationContext): ChatMessage | undefined {
  const { texts, reasoning, toolCalls } = splitAssistantContent<ChatToolCall>(
    content,
    (part) =>
      part.kind === "custom"
        ? upstreamTakesCustomTools(ctx)
          ? { id: part.id, type: "custom", custom: { name: part.name, input: part.arguments } }
          // S10: the upstream saw the tool wrapped as a function, so the replay is wrapped too.
          : { id: part.id, type: "function", function: { name: part.name, arguments: wrappedCustomToolArguments(part.arguments) } }
        // H08: empty input is "{}", never "" or "null".
        : { id: part.id, type: "function", function: { name: part.name, arguments: part.arguments.trim() === "" ? "{}" : part.arguments } },
    (part) => ctx.warn("dropped an assistant block the Chat upstream cannot take", { protocol: part.protocol }),
  );
  if (texts.length === 0 && toolCalls.length === 0) return undefined;
  const message: ChatMessage = { role: "assistant", content: texts.length > 0 ? texts.join("\n\n") : null };
  const dialect = chatDialectOf(ctx);
  if (toolCalls.length > 0) {
    message.tool_calls = toolCalls;
    // K08: Gemini wants each step's thought signature back (other servers may reject the field);
    // through OpenRouter the signatures travel in reasoning_details instead.
    if (isGeminiModel(ctx.upstreamModel) && dialect.reasoningField !== "reasoning_details") attachThoughtSignatures(toolCalls, ctx);
  }
  if (dialect.reasoningField === "reasoning_details") {
    // OpenRouter: the entries it sent with this turn, as it sent them (reasoning-details-blob.ts).
    const details = content.flatMap((part) => (part.type === "reasoning" && part.encryptedContent ? (unwrapReasoningDetails(part.encryptedContent) ?? []) : []));
    if (details.length > 0) message.reasoning_details = details;
    return message;
  }
  // K07: reasoning models that think in tool loops (DeepSeek) need their reasoning back on
  // tool-call turns, in the field their server reads; OpenAI has no such field (chat-dialect.ts).
  if (dialect.reasoningField !== "none" && (toolCalls.length > 0 || dialect.reasoningOnEveryTurn)) {
    if (reasoning.length > 0) message[dialect.reasoningField] = reasoning.join("\n\n");
    // A turn without reasoning (the model answered without thinking, or another model wrote the
    // history) still carries the field, empty, where the server demands it.
    else if (dialect.reasoningOnEveryTurn) message[dialect.reasoningField] = "";
  }
  return message;
}

