/**
 * What the Messages API itself would reject among the fields the gateway reads, answered as
 * Anthropic answers it (`max_tokens: Input should be an integer`), before a translation turns
 * it into something else (field-types.ts says why, and why nothing more is checked).
 */
import type { FieldKind } from "../field-types";
import { checkElements, checkOptional, checkOptionalFields, checkRanges, checkRequired, type FieldRange } from "../field-types";
import { isRecord, invalidRequest } from "../wire-values";

const TOP_LEVEL_FIELDS: Readonly<Record<string, FieldKind>> = {
  max_tokens: "integer",
  temperature: "number",
  top_p: "number",
  top_k: "integer",
  stop_sequences: "array",
  system: "string or array",
  tools: "array",
  tool_choice: "object",
  thinking: "object",
  metadata: "object",
  output_config: "object",
  output_format: "object",
  service_tier: "string",
};

/** The Messages API's documented bounds for the numbers the gateway translates. */
const RANGES: Readonly<Record<string, FieldRange>> = {
  max_tokens: { min: 1 },
  temperature: { min: 0, max: 1 },
  top_p: { min: 0, max: 1 },
  top_k: { min: 0 },
};

export function checkAnthropicRequest(body: Record<string, unknown>): asserts body is Record<string, unknown> & { messages: unknown[] } {
  if (!Array.isArray(body.messages)) throw invalidRequest("messages: an array of messages is required", "messages");
  checkOptionalFields(body, TOP_LEVEL_FIELDS, "anthropic");
  checkRanges(body, RANGES, "anthropic");
  checkElements(body.stop_sequences, "string", "stop_sequences", "anthropic", ".");
  if (Array.isArray(body.system)) body.system.forEach((block, index) => checkTextBlock(block, `system.${index}`));
  if (Array.isArray(body.tools)) body.tools.forEach(checkTool);
  if (isRecord(body.tool_choice)) checkToolChoice(body.tool_choice, Array.isArray(body.tools) ? body.tools : []);
  if (isRecord(body.metadata)) checkOptional(body.metadata.user_id, "string", "metadata.user_id", "anthropic");
  if (isRecord(body.thinking)) {
    checkRequired(body.thinking.type, "string", "thinking.type", "anthropic");
    checkOptional(body.thinking.budget_tokens, "integer", "thinking.budget_tokens", "anthropic");
  }
  if (body.messages.length === 0) throw invalidRequest("messages: at least one message is required", "messages");
  body.messages.forEach(checkMessage);
}

const TOOL_CHOICE_TYPES = new Set(["auto", "any", "tool", "none"]);

/** A known choice type, and a named tool among those declared (translation would otherwise fall back to auto). */
function checkToolChoice(choice: Record<string, unknown>, tools: unknown[]): void {
  checkRequired(choice.type, "string", "tool_choice.type", "anthropic");
  if (!TOOL_CHOICE_TYPES.has(choice.type as string)) {
    throw invalidRequest(`tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'`, "tool_choice.type");
  }
  if (choice.type !== "tool") return;
  checkRequired(choice.name, "string", "tool_choice.name", "anthropic");
  if (!tools.some((tool) => isRecord(tool) && tool.name === choice.name)) {
    throw invalidRequest(`tool_choice.name: tool ${JSON.stringify(choice.name)} is not among the request's tools`, "tool_choice.name");
  }
}

function checkMessage(message: unknown, index: number): void {
  const where = `messages.${index}`;
  checkRequired(message, "object", where, "anthropic");
  const content = (message as Record<string, unknown>).content;
  if (Array.isArray(content)) content.forEach((block, blockIndex) => checkContentBlock(block, `${where}.content.${blockIndex}`));
}

/** The blocks whose fields the translation reads; other block types travel as they are. */
function checkContentBlock(block: unknown, where: string): void {
  checkRequired(block, "object", where, "anthropic");
  const record = block as Record<string, unknown>;
  switch (record.type) {
    case "text":
      checkRequired(record.text, "string", `${where}.text`, "anthropic", true);
      return;
    case "image":
    case "document":
      checkRequired(record.source, "object", `${where}.source`, "anthropic");
      checkSource(record.source as Record<string, unknown>, `${where}.source`);
      return;
    case "tool_use":
      checkRequired(record.id, "string", `${where}.id`, "anthropic");
      checkRequired(record.name, "string", `${where}.name`, "anthropic");
      checkOptional(record.input, "object", `${where}.input`, "anthropic");
      return;
    case "tool_result":
      checkRequired(record.tool_use_id, "string", `${where}.tool_use_id`, "anthropic");
      checkOptional(record.content, "string or array", `${where}.content`, "anthropic");
      // Its blocks are translated like a message's (text, images): a bare number was dropped.
      if (Array.isArray(record.content)) record.content.forEach((inner, innerIndex) => checkContentBlock(inner, `${where}.content.${innerIndex}`));
      return;
  }
}

/**
 * The fields each source type needs, which translation reads: without them an image or
 * document became an empty part and the model answered about nothing. Unknown source types
 * travel as they are.
 */
const SOURCE_FIELDS: Readonly<Record<string, readonly string[]>> = { base64: ["media_type", "data"], url: ["url"], text: ["data"], file: ["file_id"] };

function checkSource(source: Record<string, unknown>, where: string): void {
  if (source.type === "content") {
    // C05: a document's own chunks, a string or text/image blocks (each read like a message's).
    checkRequired(source.content, "string or array", `${where}.content`, "anthropic", true);
    if (Array.isArray(source.content)) source.content.forEach((chunk, index) => checkContentChunk(chunk, `${where}.content.${index}`));
    return;
  }
  const fields = typeof source.type === "string" ? SOURCE_FIELDS[source.type] : undefined;
  for (const field of fields ?? []) checkRequired(source[field], "string", `${where}.${field}`, "anthropic");
}

function checkContentChunk(chunk: unknown, where: string): void {
  checkContentBlock(chunk, where);
  const type = (chunk as Record<string, unknown>).type;
  if (type !== "text" && type !== "image") throw invalidRequest(`${where}.type: a content source takes text and image blocks, not ${JSON.stringify(type)}`, `${where}.type`);
}

function checkTextBlock(block: unknown, where: string): void {
  checkRequired(block, "object", where, "anthropic");
  const record = block as Record<string, unknown>;
  if (record.type === "text") checkRequired(record.text, "string", `${where}.text`, "anthropic", true);
}

function checkTool(tool: unknown, index: number): void {
  const where = `tools.${index}`;
  checkRequired(tool, "object", where, "anthropic");
  const record = tool as Record<string, unknown>;
  // Versioned server tools (web_search_20250305, bash_…) carry their own fields.
  if (record.type !== undefined && record.type !== null && record.type !== "custom") return;
  checkRequired(record.name, "string", `${where}.name`, "anthropic");
  checkOptional(record.input_schema, "object", `${where}.input_schema`, "anthropic");
  checkOptional(record.description, "string", `${where}.description`, "anthropic");
}
