import { anthropicWebSearchCallId, readAnthropicWebSearchResult, webSearchCallItem, webSearchQuery } from "./anthropic-web-search-calls";
import { WEB_SEARCH_SOURCES_INCLUDE } from "./web-search-tool";
import type { CanonicalRequest, ContentPart, ReasoningPart, TextPart, ToolCallPart } from "../../canonical/types";
import { indexDeclaredTools, localShellAction, resolveClientToolCall, type DeclaredTool } from "./client-tools";
import { newGatewayReasoningId } from "./foreign-reasoning";
import { encodeResponsesAnnotations } from "../../translate/url-citations";
import { encodeResponsesLogprobs } from "./logprobs";
import type { ResolvedResponsesCodecOptions } from "./options";
import { wrapAnthropicReasoning } from "./reasoning-blob";
import type { ResponsesContentPart, ResponsesItem } from "./wire-types";

/** What the client asked for that shapes its output items. */
export interface OutputItemSettings {
  declaredTools: Map<string, DeclaredTool>;
  /** `reasoning.summary` requested (K10): reasoning text flows into summaries. */
  includeSummary: boolean;
  /** `include:["reasoning.encrypted_content"]` (SR06, K09). */
  includeEncrypted: boolean;
  /** `include:["message.output_text.logprobs"]` (P09): output_text parts carry `logprobs`, empty when the upstream gave none. */
  includeLogprobs: boolean;
  /** `include:["web_search_call.action.sources"]`: web_search_call items list the pages read (S09). */
  includeSearchSources: boolean;
  /** Told every replay blob, included or not (TranslationContext.keepReasoning). */
  keepReasoning?: (itemId: string, blob: string) => void;
  options: ResolvedResponsesCodecOptions;
}

/**
 * Reads the client's request. Without it (the caller did not pass `ctx.request`), the
 * encoder errs on the side of Codex: summaries and replay blobs are included.
 */
export function readOutputItemSettings(
  request: CanonicalRequest | undefined,
  options: ResolvedResponsesCodecOptions,
  keepReasoning?: (itemId: string, blob: string) => void,
): OutputItemSettings {
  const include = request && Array.isArray(request.extra.fields.include) ? (request.extra.fields.include as unknown[]) : [];
  return {
    declaredTools: indexDeclaredTools(request),
    includeSummary: request ? request.reasoning?.summary !== undefined : true,
    includeEncrypted: request ? include.includes("reasoning.encrypted_content") : true,
    includeLogprobs: request?.logprobs !== undefined,
    includeSearchSources: include.includes(WEB_SEARCH_SOURCES_INCLUDE),
    ...(keepReasoning ? { keepReasoning } : {}),
    options,
  };
}

/**
 * Canonical assistant content → Responses output items, in order (SR02): consecutive
 * text/refusal parts share one message item; reasoning, tool calls and same-protocol
 * opaque items stand alone. Foreign opaque parts are left out. `cutShort`: the token limit
 * stopped the output, so the last item is `incomplete` (markCutShort).
 */
export function encodeOutputItems(content: ContentPart[], settings: OutputItemSettings, cutShort = false): ResponsesItem[] {
  const items: ResponsesItem[] = [];
  let message: { id: string; parts: ResponsesContentPart[] } | undefined;
  const flushMessage = (): void => {
    if (message) items.push(buildMessageItem(message.id, message.parts, "completed"));
    message = undefined;
  };
  for (const part of content) {
    if (part.type === "text" || part.type === "refusal") {
      message ??= { id: settings.options.newId("msg_"), parts: [] };
      message.parts.push(part.type === "text" ? encodeOutputText(part, settings) : { type: "refusal", refusal: part.text });
      continue;
    }
    flushMessage();
    if (part.type === "reasoning") items.push(encodeReasoningItem(part, settings, newGatewayReasoningId(settings.options.newId)));
    else if (part.type === "tool_call") items.push(encodeToolCallItem(part, settings));
    else if (part.type === "opaque" && part.protocol === "openai-responses") items.push(part.value as ResponsesItem);
    else if (part.type === "opaque" && part.protocol === "anthropic") {
      // S09: Claude's server web search (its result block is read with the call, not on its own).
      const callId = anthropicWebSearchCallId(part.value);
      if (callId === undefined) continue;
      const value = part.value as { input?: unknown };
      const result = content.map((other) => (other.type === "opaque" && other.protocol === "anthropic" ? readAnthropicWebSearchResult(other.value) : undefined)).find((found) => found?.toolUseId === callId);
      items.push(webSearchCallItem(callId, webSearchQuery(value.input), result, settings.includeSearchSources));
    }
  }
  flushMessage();
  const last = items.length - 1;
  if (cutShort && last >= 0) items[last] = markCutShort(items[last]!);
  return items;
}

/** An `output_text` part, with its tokens' log probabilities when the client asked or the upstream gave them (P09). */
export function encodeOutputText(part: TextPart, settings: OutputItemSettings): ResponsesContentPart {
  // C06: Anthropic web citations as url_citation annotations; its other citation kinds never leak as they are.
  const encoded: ResponsesContentPart = { type: "output_text", text: part.text, annotations: encodeResponsesAnnotations(part) };
  if (part.logprobs || settings.includeLogprobs) encoded.logprobs = encodeResponsesLogprobs(part.logprobs ?? []);
  return encoded;
}

/** Item types whose `status` says whether the model finished writing them. */
const ITEMS_WITH_STATUS = new Set(["message", "function_call", "custom_tool_call", "local_shell_call", "reasoning"]);

/**
 * The item the token limit cut short, marked `incomplete` as OpenAI marks it (see
 * `cutByTokenLimit`). Reasoning items carry no status when whole (as at OpenAI) and get one
 * only here. Same-protocol opaque items (hosted tool calls) keep the upstream's own status.
 */
export function markCutShort(item: ResponsesItem): ResponsesItem {
  return typeof item.type === "string" && ITEMS_WITH_STATUS.has(item.type) ? { ...item, status: "incomplete" } : item;
}

export function buildMessageItem(id: string, content: ResponsesContentPart[], status: string): ResponsesItem {
  return { type: "message", id, status, role: "assistant", content };
}

/**
 * A reasoning item for the client (K09, K10, SR06). A real OpenAI blob is kept as is;
 * Anthropic thinking (signature or redacted data) and plain upstream reasoning text travel
 * in a gateway-tagged blob so the next request can rebuild them.
 */
export function encodeReasoningItem(part: ReasoningPart, settings: OutputItemSettings, fallbackId: string): ResponsesItem {
  const summaryTexts = part.summary ?? (settings.includeSummary && part.text ? [part.text] : []);
  const item: ResponsesItem = {
    type: "reasoning",
    id: part.id?.startsWith("rs_") ? part.id : fallbackId,
    summary: summaryTexts.map((text) => ({ type: "summary_text", text })),
  };
  const blob = reasoningBlob(part);
  if (blob) settings.keepReasoning?.(item.id as string, blob);
  if (blob && settings.includeEncrypted) item.encrypted_content = blob;
  return item;
}

export function reasoningBlob(part: ReasoningPart): string | undefined {
  if (part.encryptedContent) return part.encryptedContent;
  if (part.signature || part.redactedData || part.text) {
    return wrapAnthropicReasoning({ text: part.text, signature: part.signature, redactedData: part.redactedData });
  }
  return undefined;
}

/** A function_call, custom_tool_call or local_shell_call item (SR04, S10, S11, H04, R05). */
export function encodeToolCallItem(part: ToolCallPart, settings: OutputItemSettings, itemId?: string): ResponsesItem {
  const call = resolveClientToolCall(part, settings.declaredTools);
  if (call.itemType === "local_shell_call") {
    return { type: "local_shell_call", id: itemId ?? settings.options.newId("lsh_"), status: "completed", call_id: part.id, action: localShellAction(call.payload) };
  }
  if (call.itemType === "custom_tool_call") {
    return {
      type: "custom_tool_call",
      id: itemId ?? (part.itemId?.startsWith("ctc_") ? part.itemId : settings.options.newId("ctc_")),
      status: "completed",
      call_id: part.id,
      name: call.name,
      input: call.payload,
      ...(call.namespace ? { namespace: call.namespace } : {}),
    };
  }
  return {
    type: "function_call",
    id: itemId ?? (part.itemId?.startsWith("fc_") ? part.itemId : settings.options.newId("fc_")),
    status: "completed",
    call_id: part.id,
    name: call.name,
    arguments: call.payload,
    ...(call.namespace ? { namespace: call.namespace } : {}),
  };
}
