/**
 * What Chat Completions itself would reject among the fields the gateway reads, answered in
 * OpenAI's words (`Invalid type for 'max_tokens': expected an integer, …`), before a translation
 * turns it into something else (field-types.ts says why, and why nothing more is checked).
 * Paths follow OpenAI's own errors: `messages.[2].tool_call_id`, `tools[0].function.name`.
 */
import type { FieldKind, FieldRange } from "../field-types";
import { checkElements, checkOptional, checkOptionalFields, checkRanges, checkRequired } from "../field-types";
import { invalidRequest, isRecord } from "../wire-values";

const TOP_LEVEL_FIELDS: Readonly<Record<string, FieldKind>> = {
  max_tokens: "integer",
  max_completion_tokens: "integer",
  temperature: "number",
  top_p: "number",
  top_k: "integer",
  seed: "integer",
  presence_penalty: "number",
  frequency_penalty: "number",
  n: "integer",
  stop: "string or array",
  tools: "array",
  tool_choice: "string or object",
  parallel_tool_calls: "boolean",
  reasoning_effort: "string",
  response_format: "object",
  user: "string",
  safety_identifier: "string",
  service_tier: "string",
  stream_options: "object",
  functions: "array",
  function_call: "string or object",
};

/** Chat Completions' documented bounds for the numbers the gateway translates. */
const RANGES: Readonly<Record<string, FieldRange>> = {
  max_tokens: { min: 1 },
  max_completion_tokens: { min: 1 },
  temperature: { min: 0, max: 2 },
  top_p: { min: 0, max: 1 },
  presence_penalty: { min: -2, max: 2 },
  frequency_penalty: { min: -2, max: 2 },
  n: { min: 1, max: 128 },
};

export function checkChatRequest(body: Record<string, unknown>): asserts body is Record<string, unknown> & { messages: unknown[] } {
  if (!Array.isArray(body.messages)) throw invalidRequest("messages: an array of messages is required", "messages");
  checkOptionalFields(body, TOP_LEVEL_FIELDS, "openai");
  checkRanges(body, RANGES, "openai");
  checkElements(body.stop, "string", "stop", "openai");
  if (Array.isArray(body.tools)) body.tools.forEach(checkTool);
  if (Array.isArray(body.functions)) body.functions.forEach(checkFunction);
  if (isRecord(body.function_call)) checkRequired(body.function_call.name, "string", "function_call.name", "openai");
  if (body.messages.length === 0) {
    throw invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages");
  }
  body.messages.forEach(checkMessage);
}

function checkMessage(message: unknown, index: number): void {
  const where = `messages.[${index}]`;
  checkRequired(message, "object", where, "openai");
  const record = message as Record<string, unknown>;
  checkRequired(record.role, "string", `${where}.role`, "openai");
  if (Array.isArray(record.content)) record.content.forEach((part, partIndex) => checkContentPart(part, `${where}.content.[${partIndex}]`));
  if ((record.role === "system" || record.role === "developer") && Array.isArray(record.content)) checkSystemParts(record.content, record.role, index);
  if (record.role === "tool") checkRequired(record.tool_call_id, "string", `${where}.tool_call_id`, "openai");
  if (record.role === "assistant") {
    checkOptional(record.tool_calls, "array", `${where}.tool_calls`, "openai");
    if (Array.isArray(record.tool_calls)) record.tool_calls.forEach((call, callIndex) => checkToolCall(call, `${where}.tool_calls.[${callIndex}]`));
    // Legacy function calling: one call, no id (legacy-functions.ts).
    checkOptional(record.function_call, "object", `${where}.function_call`, "openai");
    if (isRecord(record.function_call)) checkRequired(record.function_call.name, "string", `${where}.function_call.name`, "openai");
  }
  // A legacy function result names its function (OpenAI requires it).
  if (record.role === "function") checkRequired(record.name, "string", `${where}.name`, "openai");
}

function checkContentPart(part: unknown, where: string): void {
  checkRequired(part, "object", where, "openai");
  const record = part as Record<string, unknown>;
  if (record.type === "text") checkRequired(record.text, "string", `${where}.text`, "openai", true);
  if (record.type === "image_url") {
    checkRequired(record.image_url, "string or object", `${where}.image_url`, "openai");
    if (isRecord(record.image_url)) checkRequired(record.image_url.url, "string", `${where}.image_url.url`, "openai");
  }
}

/**
 * System and developer messages hold text only: OpenAI answers an image there with "Image URLs
 * are only allowed for messages with role 'user'", and Claude's system prompt (and the
 * <system-reminder> text a later system message becomes) takes only text. Translation used to drop
 * such an image silently, so the model answered about a picture it never saw; moving it into a
 * user turn would change who said it. The client gets OpenAI's 400 instead, naming the part.
 */
function checkSystemParts(content: unknown[], role: string, index: number): void {
  content.forEach((part, partIndex) => {
    const type = (part as Record<string, unknown>).type;
    if (type === "text") return;
    const param = `messages[${index}].content[${partIndex}]`;
    throw invalidRequest(
      `Invalid '${param}': only text parts are allowed in messages with role '${role}', but this part has type ${JSON.stringify(type ?? null)}. Send images and files in a user message.`,
      param,
    );
  });
}

function checkToolCall(call: unknown, where: string): void {
  checkRequired(call, "object", where, "openai");
  const record = call as Record<string, unknown>;
  checkRequired(record.id, "string", `${where}.id`, "openai");
  const kind = record.type === "custom" ? "custom" : "function";
  checkRequired(record[kind], "object", `${where}.${kind}`, "openai");
  checkRequired((record[kind] as Record<string, unknown>).name, "string", `${where}.${kind}.name`, "openai");
}

/** A legacy `functions[i]`: what `tools[i].function` would be. */
function checkFunction(fn: unknown, index: number): void {
  const where = `functions[${index}]`;
  checkRequired(fn, "object", where, "openai");
  const record = fn as Record<string, unknown>;
  checkRequired(record.name, "string", `${where}.name`, "openai");
  checkOptional(record.parameters, "object", `${where}.parameters`, "openai");
}

function checkTool(tool: unknown, index: number): void {
  const where = `tools[${index}]`;
  checkRequired(tool, "object", where, "openai");
  const record = tool as Record<string, unknown>;
  if (record.type !== "function" && record.type !== "custom") return;
  const kind = record.type;
  checkRequired(record[kind], "object", `${where}.${kind}`, "openai");
  const definition = record[kind] as Record<string, unknown>;
  checkRequired(definition.name, "string", `${where}.${kind}.name`, "openai");
  if (kind === "function") checkOptional(definition.parameters, "object", `${where}.function.parameters`, "openai");
}
