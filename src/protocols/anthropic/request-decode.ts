import type {
  CacheHint,
  CanonicalRequest,
  ContentDocumentSource,
  ContentPart,
  DocumentPart,
  ImagePart,
  MediaSource,
  Message,
  ReasoningConfig,
  TextDocumentSource,
  TextPart,
  Tool,
  ToolChoice,
  ToolResultPart,
} from "../../canonical/types";
import { asRecord, readNumber as numberField, invalidRequest as invalid } from "../wire-values";
import { decodeOpenAIReasoningSignature } from "./openai-reasoning-signature";
import { checkAnthropicRequest } from "./request-checks";

/**
 * Anthropic Messages request body → canonical request. Validates the envelope and the types
 * of the fields it reads (request-checks.ts, house rule 2) and keeps every field it does not
 * understand in `extra` so an Anthropic upstream gets it back.
 */

/** Fields read here; everything else goes to `extra` (P12: context_management, container, …). */
const KNOWN_FIELDS = new Set([
  "model", "max_tokens", "system", "messages", "tools", "tool_choice", "thinking", "output_config",
  "temperature", "top_p", "top_k", "stop_sequences", "stream", "metadata", "service_tier", "output_format",
]);

export function decodeAnthropicRequest(body: Record<string, unknown>): CanonicalRequest {
  if (typeof body.model !== "string" || body.model === "") throw invalid("model: a model name is required", "model");
  checkAnthropicRequest(body);
  const outputConfig = asRecord(body.output_config);
  const toolChoice = asRecord(body.tool_choice);
  const metadata = asRecord(body.metadata);
  const extraFields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!KNOWN_FIELDS.has(key)) extraFields[key] = value;
  // J01: `output_format` is the structured-outputs beta's name for `output_config.format`
  // (deprecated, still accepted by Anthropic and sent by the beta-era SDKs): read either, so the
  // schema is never dropped on the way to another protocol (an Anthropic upstream gets it back
  // as `output_config.format`).
  const format = asRecord(outputConfig?.format) ?? asRecord(body.output_format);
  return {
    model: body.model,
    system: decodeSystem(body.system),
    messages: body.messages.map((message, i) => decodeMessage(message, i)),
    tools: Array.isArray(body.tools) ? body.tools.map(decodeTool) : [],
    toolChoice: toolChoice ? decodeToolChoice(toolChoice) : undefined,
    // TC03: the flag lives inside tool_choice on Anthropic.
    parallelToolCalls: toolChoice?.disable_parallel_tool_use === true ? false : undefined,
    maxTokens: numberField(body.max_tokens),
    temperature: numberField(body.temperature),
    topP: numberField(body.top_p),
    topK: numberField(body.top_k),
    stop: Array.isArray(body.stop_sequences) ? body.stop_sequences.filter((s): s is string => typeof s === "string") : undefined,
    stream: body.stream === true,
    reasoning: decodeAnthropicReasoning(body),
    responseFormat:
      format?.type === "json_schema" && asRecord(format.schema)
        ? { type: "json_schema", schema: asRecord(format.schema)! }
        : undefined,
    user: typeof metadata?.user_id === "string" ? metadata.user_id : undefined,
    serviceTier: typeof body.service_tier === "string" ? body.service_tier : undefined,
    extra: { protocol: "anthropic", fields: extraFields },
  };
}

function decodeSystem(system: unknown): TextPart[] {
  if (typeof system === "string") return system === "" ? [] : [{ type: "text", text: system }];
  if (!Array.isArray(system)) return [];
  // M01: the block-array form (what Claude Code always sends); cache_control kept as a hint.
  return system
    .map(asRecord)
    .filter((b): b is Record<string, unknown> => b?.type === "text" && typeof b.text === "string")
    .map((b) => withCache({ type: "text", text: b.text as string }, b));
}

function decodeMessage(raw: unknown, index: number): Message {
  const message = asRecord(raw);
  const role = message?.role;
  // M03: Claude Code puts `role:"system"` reminders inside messages; keep them in place.
  if (role !== "user" && role !== "assistant" && role !== "system") {
    throw invalid(`messages.${index}.role: expected user, assistant or system`, `messages.${index}.role`);
  }
  const content = message!.content;
  if (typeof content === "string") return { role, content: content === "" ? [] : [{ type: "text", text: content }] };
  if (!Array.isArray(content)) throw invalid(`messages.${index}.content: expected a string or an array`, `messages.${index}.content`);
  return { role, content: content.map((block) => decodeBlock(asRecord(block) ?? {})) };
}

/** One content block; unknown types become opaque parts for an Anthropic upstream. */
export function decodeBlock(block: Record<string, unknown>): ContentPart {
  switch (block.type) {
    case "text":
      return withCache(
        { type: "text", text: String(block.text ?? ""), ...(Array.isArray(block.citations) ? { annotations: block.citations } : {}) },
        block,
      );
    case "image":
      return decodeImage(block);
    case "document":
      return decodeDocument(block);
    case "tool_use":
      return withCache(
        { type: "tool_call", id: String(block.id ?? ""), name: String(block.name ?? ""), arguments: JSON.stringify(block.input ?? {}), kind: "function" },
        block,
      );
    case "tool_result":
      return decodeToolResult(block);
    case "thinking": {
      const text = String(block.thinking ?? "");
      // A Responses upstream's reasoning, replayed: its blob again, never an Anthropic signature.
      const openai = typeof block.signature === "string" ? decodeOpenAIReasoningSignature(block.signature) : undefined;
      if (openai) return { type: "reasoning", text, encryptedContent: openai.encryptedContent, ...(openai.id ? { id: openai.id } : {}) };
      return { type: "reasoning", text, ...(typeof block.signature === "string" ? { signature: block.signature } : {}) };
    }
    case "redacted_thinking":
      return { type: "reasoning", redactedData: String(block.data ?? "") };
    default:
      return { type: "opaque", protocol: "anthropic", value: block };
  }
}

function decodeToolResult(block: Record<string, unknown>): ToolResultPart {
  const raw = block.content;
  let content: ToolResultPart["content"] = [];
  if (typeof raw === "string") content = raw === "" ? [] : [{ type: "text", text: raw }];
  else if (Array.isArray(raw)) {
    content = raw.flatMap((item) => {
      const part = decodeBlock(asRecord(item) ?? {});
      // C04: search_result and other blocks inside a tool result keep their text where they have one.
      if (part.type === "text" || part.type === "image" || part.type === "document") return [part];
      const text = textOfOtherBlock(asRecord(item) ?? {});
      return text ? [{ type: "text" as const, text }] : [];
    });
  }
  return withCache(
    { type: "tool_result", toolCallId: String(block.tool_use_id ?? ""), content, ...(block.is_error === true ? { isError: true } : {}) },
    block,
  );
}

/**
 * The readable text of a block the other side has no type for: its own `text`, or (a
 * `search_result`) its title and source above the text blocks of its `content`.
 */
function textOfOtherBlock(block: Record<string, unknown>): string {
  if (typeof block.text === "string") return block.text;
  const inner = Array.isArray(block.content) ? block.content.map((item) => asRecord(item)?.text).filter((text): text is string => typeof text === "string") : [];
  if (inner.length === 0) return "";
  const heading = [block.title, block.source].filter((value): value is string => typeof value === "string" && value !== "");
  return [...heading, ...inner].join("\n\n");
}

function decodeSource(source: Record<string, unknown> | undefined): MediaSource | TextDocumentSource {
  switch (source?.type) {
    case "base64":
      return { kind: "base64", mediaType: String(source.media_type ?? ""), data: String(source.data ?? "") };
    case "url":
      return { kind: "url", url: String(source.url ?? "") };
    case "file":
      return { kind: "file", fileId: String(source.file_id ?? "") };
    case "text":
      return { kind: "text", text: String(source.data ?? ""), mediaType: typeof source.media_type === "string" ? source.media_type : undefined };
    default:
      throw invalid(`unsupported content source type ${JSON.stringify(source?.type)}`);
  }
}

function decodeImage(block: Record<string, unknown>): ImagePart {
  if (asRecord(block.source)?.type === "content") throw invalid("image.source: content sources are only valid for documents");
  const source = decodeSource(asRecord(block.source));
  if (source.kind === "text") throw invalid("image.source: text sources are only valid for documents");
  return withCache({ type: "image", source }, block);
}

function decodeDocument(block: Record<string, unknown>): DocumentPart {
  const source = asRecord(block.source);
  const part: DocumentPart = { type: "document", source: source?.type === "content" ? decodeContentSource(source.content) : decodeSource(source) };
  if (typeof block.title === "string") part.title = block.title;
  if (typeof block.context === "string" && block.context !== "") part.context = block.context;
  const citations = asRecord(block.citations);
  if (typeof citations?.enabled === "boolean") part.citations = citations.enabled;
  return withCache(part, block);
}

/** C05: a `content` source's chunks (a string is one text chunk); the checks let only text and images in. */
function decodeContentSource(content: unknown): ContentDocumentSource {
  if (typeof content === "string") return { kind: "content", blocks: content === "" ? [] : [{ type: "text", text: content }] };
  const blocks = (Array.isArray(content) ? content : []).map((item) => decodeBlock(asRecord(item) ?? {}));
  return { kind: "content", blocks: blocks.filter((block): block is TextPart | ImagePart => block.type === "text" || block.type === "image") };
}

function decodeTool(raw: unknown): Tool {
  const tool = asRecord(raw) ?? {};
  const type = tool.type;
  // S09: versioned types (web_search_20250305, bash_…) are Anthropic server/built-in tools.
  if (typeof type === "string" && type !== "custom") {
    return { kind: "builtin", protocol: "anthropic", type, value: tool };
  }
  return withCache(
    {
      kind: "function",
      name: String(tool.name ?? ""),
      ...(typeof tool.description === "string" ? { description: tool.description } : {}),
      parameters: asRecord(tool.input_schema) ?? { type: "object", properties: {} },
      ...(typeof tool.strict === "boolean" ? { strict: tool.strict } : {}),
    },
    tool,
  );
}

/** TC01 table, Anthropic column. */
function decodeToolChoice(choice: Record<string, unknown>): ToolChoice | undefined {
  switch (choice.type) {
    case "auto":
      return { type: "auto" };
    case "any":
      return { type: "required" };
    case "none":
      return { type: "none" };
    case "tool":
      return { type: "tool", name: String(choice.name ?? "") };
    default:
      return undefined;
  }
}

/**
 * K01: `thinking` enabled + budget, adaptive (+ `output_config.effort`), or disabled. Also read
 * alone, for budget reservations (codec.ts `decodeReasoning`).
 */
export function decodeAnthropicReasoning(body: Record<string, unknown>): ReasoningConfig | undefined {
  const thinking = asRecord(body.thinking);
  const effort = asRecord(body.output_config)?.effort;
  const effortText = typeof effort === "string" ? effort : undefined;
  if (!thinking) return effortText ? { enabled: true, effort: effortText } : undefined;
  if (thinking.type === "disabled") return { enabled: false };
  if (thinking.type === "adaptive") return { enabled: true, adaptive: true, ...(effortText ? { effort: effortText } : {}) };
  if (thinking.type === "enabled") {
    const budget = numberField(thinking.budget_tokens);
    return { enabled: true, ...(budget !== undefined ? { budgetTokens: budget } : {}), ...(effortText ? { effort: effortText } : {}) };
  }
  return undefined;
}

function withCache<const T extends object>(part: T, block: Record<string, unknown>): T {
  const cache = asRecord(block.cache_control);
  if (cache?.type === "ephemeral") {
    const hint: CacheHint = { type: "ephemeral", ...(typeof cache.ttl === "string" ? { ttl: cache.ttl } : {}) };
    (part as { cache?: CacheHint }).cache = hint;
  }
  return part;
}
