import { CANCELLED_TOOL_RESULT } from "../../translate/cancelled-tool-call";
import type { CacheHint, ContentPart, DocumentPart, ImagePart, Message, TextPart } from "../../canonical/types";
import { GatewayError } from "../../errors/gateway-error";
import { conversationParam, fileIdError } from "../../translate/file-id-error";
import { parseArgumentsObject } from "../../translate/tool-arguments";
import { capabilitiesOf } from "../../translate/model-capabilities";
import type { TranslationContext } from "../../translate/types";
import type { AnthropicContentBlock, AnthropicMessage, AnthropicTextBlock } from "./wire-types";
import { audioInputError, readAudioInput } from "../audio-input";

/**
 * Canonical conversation → Anthropic `messages`, repaired so Anthropic accepts it:
 * mid-conversation system turns become user text (M03), empty content is dropped (M12),
 * same-role turns are merged (M09) with tool results first (M08), every tool_use gets a
 * result and orphan results go (M08/H11), ids are made valid and unique (H01/H02), the first
 * turn is a user turn (M10), and a trailing assistant turn loses trailing whitespace, or, for a
 * model that refuses prefills, gets a user turn after it (M11).
 */

type Block = AnthropicContentBlock & { type: string };
interface Turn {
  role: "user" | "assistant";
  blocks: Block[];
}

/** Placeholder text for a user turn left empty. */
const EMPTY_USER_TEXT = "(empty)";
const CONTINUE_TEXT = "Continue.";
const LEADING_USER_TEXT = CONTINUE_TEXT;

export function encodeAnthropicMessages(messages: Message[], ctx: TranslationContext): AnthropicMessage[] {
  // M12: turns left empty are dropped; merging the neighbours keeps the roles alternating (M09).
  let turns = mergeSameRole(messages.map((m) => convertMessage(m, ctx)).filter((t) => t.blocks.length > 0));
  if (turns.at(-1)?.role === "assistant" && capabilitiesOf(ctx).assistantPrefill === false) {
    // M11: Claude 4.6 and later refuse a prefill. An OpenAI model answers a conversation that
    // ends with its own turn with a next turn; a user turn asking for one gets that here (its
    // open tool calls then get results below, like any turn's).
    turns.push({ role: "user", blocks: [text(CONTINUE_TEXT)] });
    ctx.warn("the conversation ended with an assistant turn, which this model refuses as a prefill: a user turn asking to continue was added");
  }
  turns = mergeSameRole(pairToolResults(turns, ctx));
  if (turns.length === 0 || turns[0]!.role !== "user") turns.unshift({ role: "user", blocks: [text(LEADING_USER_TEXT)] });
  trimFinalAssistant(turns);
  return turns.map((t) => ({ role: t.role, content: t.blocks }));
}

function convertMessage(message: Message, ctx: TranslationContext): Turn {
  if (message.role === "system" || message.role === "developer") {
    // M03: a late system/developer message stays at its position as user-side text.
    const body = message.content.flatMap((p) => (p.type === "text" && p.text.trim() !== "" ? [p.text] : [])).join("\n\n");
    return { role: "user", blocks: body ? [text(`<system-reminder>\n${body}\n</system-reminder>`)] : [] };
  }
  const blocks = message.content.flatMap((part) => convertPart(part, message.role as "user" | "assistant", ctx));
  return { role: message.role, blocks };
}

function convertPart(part: ContentPart, role: "user" | "assistant", ctx: TranslationContext): Block[] {
  switch (part.type) {
    case "text":
      // M12: never an empty text block.
      return part.text === "" ? [] : [withCache({ type: "text", text: part.text }, part.cache)];
    case "refusal":
      // C08: refusal history stays as plain assistant text.
      return part.text === "" ? [] : [text(part.text)];
    case "image":
      return [encodeImage(part, ctx)];
    case "document":
      return [encodeDocument(part, ctx)];
    case "tool_call": {
      if (role !== "assistant") return [];
      // A freeform (custom) call's input is raw text, not JSON: Claude knows the tool as a
      // function taking {input: string} (S10), so the replay must carry it the same way.
      if (part.kind === "custom") return [withCache({ type: "tool_use", id: part.id, name: part.name, input: { input: part.arguments } }, part.cache)];
      const { value, repaired } = parseArgumentsObject(part.arguments);
      if (repaired) ctx.warn("tool call arguments were not a JSON object; repaired", { tool: part.name });
      return [withCache({ type: "tool_use", id: part.id, name: part.name, input: value }, part.cache)];
    }
    case "tool_result": {
      if (role !== "user") return [];
      const content = part.content.flatMap((p) => (p.type === "text" ? (p.text === "" ? [] : [text(p.text)]) : p.type === "image" ? [encodeImage(p, ctx)] : [encodeDocument(p, ctx)]));
      const block: Record<string, unknown> = { type: "tool_result", tool_use_id: part.toolCallId };
      if (content.length === 1 && content[0]!.type === "text") block.content = (content[0] as AnthropicTextBlock).text;
      else if (content.length > 0) block.content = content;
      if (part.isError) block.is_error = true;
      return [withCache(block as Block, part.cache)];
    }
    case "reasoning":
      if (role !== "assistant") return [];
      // K06: only Anthropic-signed thinking can be replayed; unsigned reasoning from another
      // provider is dropped, never sent with a made-up signature.
      if (part.redactedData) return [{ type: "redacted_thinking", data: part.redactedData }];
      if (part.signature && part.text !== undefined) return [{ type: "thinking", thinking: part.text, signature: part.signature }];
      return [];
    case "opaque":
      if (part.protocol === "anthropic") return [part.value as Block];
      if (readAudioInput(part)) throw audioInputError();
      ctx.warn("dropped a content block that Anthropic cannot take", { protocol: part.protocol });
      return [];
  }
}

function mergeSameRole(turns: Turn[]): Turn[] {
  const merged: Turn[] = [];
  for (const turn of turns) {
    const last = merged[merged.length - 1];
    if (last && last.role === turn.role) last.blocks.push(...turn.blocks);
    else merged.push({ role: turn.role, blocks: [...turn.blocks] });
  }
  for (const turn of merged) {
    // M08: tool_result blocks lead the user turn, in order, text after them.
    if (turn.role === "user") turn.blocks = [...turn.blocks.filter(isToolResult), ...turn.blocks.filter((b) => !isToolResult(b))];
    // K05/M13: in an assistant turn thinking comes first, then text, then tool_use.
    else turn.blocks = [...turn.blocks.filter(isThinking), ...turn.blocks.filter((b) => !isThinking(b))];
  }
  return merged;
}

/**
 * Give every tool_use a result in the very next user turn, drop results that answer no call,
 * and make ids valid (H01) and unique across the conversation (H02), consistently on both sides.
 */
function pairToolResults(turns: Turn[], ctx: TranslationContext): Turn[] {
  const out: Turn[] = [];
  const usedIds = new Set<string>();
  let generated = 0;
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (turn.role === "user") {
      // A user turn not preceded by tool calls: any tool_result in it is an orphan (M08).
      const orphans = turn.blocks.filter(isToolResult);
      if (orphans.length > 0) ctx.warn("dropped tool results that answer no tool call", { count: orphans.length });
      const rest = turn.blocks.filter((b) => !isToolResult(b));
      out.push({ role: "user", blocks: rest.length > 0 ? rest : [text(EMPTY_USER_TEXT)] });
      continue;
    }
    const renames = new Map<string, string>();
    for (const block of turn.blocks) {
      if (block.type !== "tool_use") continue;
      const original = String((block as { id?: unknown }).id ?? "");
      let id = original.replace(/[^a-zA-Z0-9_-]/g, "_");
      if (id === "") id = `toolu_gw_${++generated}`;
      while (usedIds.has(id)) id = `${id}_${++generated}`;
      usedIds.add(id);
      if (!renames.has(original)) renames.set(original, id);
      (block as { id: string }).id = id;
    }
    out.push(turn);
    if (renames.size === 0) continue;
    const next = turns[i + 1]?.role === "user" ? turns[++i]! : { role: "user" as const, blocks: [] };
    const results: Block[] = [];
    const answered = new Set<string>();
    for (const block of next.blocks.filter(isToolResult)) {
      const original = String((block as { tool_use_id?: unknown }).tool_use_id ?? "");
      const id = renames.get(original);
      if (id === undefined || answered.has(id)) {
        ctx.warn("dropped a tool result that answers no tool call", { toolUseId: original });
        continue;
      }
      answered.add(id);
      results.push({ ...block, tool_use_id: id } as Block);
    }
    for (const id of renames.values()) {
      if (answered.has(id)) continue;
      // H11: the user aborted or the client trimmed history; Anthropic hard-fails without a result.
      results.push({ type: "tool_result", tool_use_id: id, content: CANCELLED_TOOL_RESULT, is_error: true } as Block);
    }
    out.push({ role: "user", blocks: [...results, ...next.blocks.filter((b) => !isToolResult(b))] });
  }
  return out;
}

/** M11: Anthropic rejects a final assistant turn that ends with whitespace. */
function trimFinalAssistant(turns: Turn[]): void {
  const last = turns[turns.length - 1];
  if (!last || last.role !== "assistant") return;
  const tail = last.blocks[last.blocks.length - 1];
  if (tail?.type !== "text") return;
  const trimmed = (tail as AnthropicTextBlock).text.trimEnd();
  if (trimmed === "") last.blocks.pop();
  else (tail as AnthropicTextBlock).text = trimmed;
  if (last.blocks.length === 0) turns.pop();
}

/** C01: Anthropic accepts only these image types and rejects a declared type that does not match. */
const IMAGE_SIGNATURES: Array<[string, string]> = [
  ["iVBORw0KGgo", "image/png"],
  ["/9j/", "image/jpeg"],
  ["R0lGOD", "image/gif"],
  ["UklGR", "image/webp"],
];

export function sniffImageMediaType(data: string, declared: string): string {
  const sniffed = IMAGE_SIGNATURES.find(([prefix]) => data.startsWith(prefix))?.[1];
  if (sniffed) return sniffed;
  return declared === "image/jpg" ? "image/jpeg" : declared;
}

/** The only image types the Messages API takes; anything else is a 400 that names a field the client never sent. */
const ANTHROPIC_IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

function encodeImage(part: ImagePart, ctx: TranslationContext): Block {
  const source = part.source;
  if (source.kind === "file") throw fileIdError(ctx.clientProtocol);
  const wire =
    source.kind === "base64"
      ? { type: "base64", media_type: sniffImageMediaType(source.data, source.mediaType), data: source.data }
      : { type: "url", url: source.url };
  if (wire.type === "base64" && !ANTHROPIC_IMAGE_TYPES.has(wire.media_type!)) {
    throw new GatewayError("invalid_request", 400, `image type ${JSON.stringify(wire.media_type)} is not supported by this model's provider; send image/jpeg, image/png, image/gif or image/webp`, { param: conversationParam(ctx.clientProtocol) });
  }
  return withCache({ type: "image", source: wire } as Block, part.cache);
}

function encodeDocument(part: DocumentPart, ctx: TranslationContext): Block {
  const source = part.source;
  let wire: Record<string, unknown>;
  if (source.kind === "file") throw fileIdError(ctx.clientProtocol);
  if (source.kind === "base64") wire = { type: "base64", media_type: source.mediaType || "application/pdf", data: source.data };
  else if (source.kind === "url") wire = { type: "url", url: source.url };
  // C05: a content document keeps its chunks, each citable on its own.
  else if (source.kind === "content") wire = { type: "content", content: source.blocks.map((block) => (block.type === "text" ? text(block.text) : encodeImage(block, ctx))) };
  else wire = { type: "text", media_type: "text/plain", data: source.text };
  const title = part.title ?? part.filename;
  const citations = part.citations !== undefined ? { citations: { enabled: part.citations } } : {};
  return withCache({ type: "document", source: wire, ...(title ? { title } : {}), ...(part.context ? { context: part.context } : {}), ...citations } as Block, part.cache);
}


function withCache(block: Block, cache: CacheHint | undefined): Block {
  // M12: never a cache marker on an empty block (callers never pass empty ones).
  return cache ? ({ ...block, cache_control: { type: cache.type, ...(cache.ttl ? { ttl: cache.ttl } : {}) } } as Block) : block;
}

function text(value: string): Block {
  return { type: "text", text: value };
}

function isToolResult(block: Block): boolean {
  return block.type === "tool_result";
}

function isThinking(block: Block): boolean {
  return block.type === "thinking" || block.type === "redacted_thinking";
}

/** The system blocks for Anthropic (M01): the canonical leading system parts, cache hints kept. */
export function encodeAnthropicSystem(system: TextPart[]): AnthropicTextBlock[] {
  return system.filter((p) => p.text !== "").map((p) => withCache({ type: "text", text: p.text }, p.cache) as AnthropicTextBlock);
}
