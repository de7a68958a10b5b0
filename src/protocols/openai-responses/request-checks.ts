/**
 * What the Responses API itself would reject among the top-level fields the gateway reads,
 * answered in OpenAI's words, before a translation turns it into something else (field-types.ts
 * says why, and why nothing more is checked). Items and tools are checked where they are decoded
 * (decode-input.ts, decode-tools.ts).
 */
import { GatewayError } from "../../errors/gateway-error";
import type { FieldKind, FieldRange } from "../field-types";
import { checkOptional, checkOptionalFields, checkRanges, checkRequired } from "../field-types";
import { checkIncludeValues, checkTruncation } from "./include-and-truncation";

const TOP_LEVEL_FIELDS: Readonly<Record<string, FieldKind>> = {
  instructions: "string",
  tools: "array",
  tool_choice: "string or object",
  parallel_tool_calls: "boolean",
  max_output_tokens: "integer",
  temperature: "number",
  top_p: "number",
  reasoning: "object",
  text: "object",
  user: "string",
  safety_identifier: "string",
  service_tier: "string",
  store: "boolean",
  previous_response_id: "string",
  include: "array",
  truncation: "string",
  top_logprobs: "integer",
};

/** The Responses API's documented bounds (its max_output_tokens minimum is 16). */
const RANGES: Readonly<Record<string, FieldRange>> = {
  max_output_tokens: { min: 16 },
  temperature: { min: 0, max: 2 },
  top_p: { min: 0, max: 1 },
  top_logprobs: { min: 0, max: 20 },
};

/**
 * Fields that point at state kept in the client's OpenAI project: a Conversations API
 * conversation, a dashboard prompt template. A model served elsewhere cannot read them, and
 * dropping the field answers without the history or instructions the client meant, with a 200
 * that hides it (R02, R03: fail loudly). A Responses upstream gets them as sent.
 */
const OPENAI_HOSTED_STATE: Readonly<Record<string, string>> = {
  conversation: "send the conversation's items in 'input', or continue with 'previous_response_id'",
  prompt: "send the prompt's text as 'instructions' or input messages",
};

export function checkResponsesRequest(body: Record<string, unknown>): void {
  checkOptionalFields(body, TOP_LEVEL_FIELDS, "openai");
  checkRanges(body, RANGES, "openai");
  checkTextFormat(body.text);
  if (body.include !== undefined) checkIncludeValues(body.include);
  if (body.truncation !== undefined) checkTruncation(body.truncation);
}

/**
 * A `json_schema` text format needs its `name` and `schema`, as OpenAI's API requires (400
 * "Missing required parameter: 'text.format.schema'"). Translated, a format without a schema
 * became an unconstrained one (an empty schema for Chat, a free `value` tool for Claude): a 200
 * whose output the client's parser (`responses.parse`) was never promised.
 */
function checkTextFormat(text: unknown): void {
  if (typeof text !== "object" || text === null || Array.isArray(text)) return;
  const format = (text as Record<string, unknown>).format;
  checkOptional(format, "object", "text.format", "openai");
  if (typeof format !== "object" || format === null || (format as Record<string, unknown>).type !== "json_schema") return;
  const { name, schema } = format as Record<string, unknown>;
  checkRequired(name, "string", "text.format.name", "openai");
  checkRequired(schema, "object", "text.format.schema", "openai");
}

/**
 * Before translating to another protocol. `translation_unsupported`: a route's next provider,
 * if it speaks Responses, may still serve the request.
 */
export function checkOpenAIHostedState(body: Record<string, unknown>, providerName: string): void {
  for (const [field, instead] of Object.entries(OPENAI_HOSTED_STATE)) {
    if (body[field] === undefined || body[field] === null) continue;
    throw new GatewayError(
      "translation_unsupported",
      400,
      `'${field}' refers to state stored at OpenAI, which model '${String(body.model)}' cannot read (provider '${providerName}' does not speak the Responses API); ${instead}.`,
      { param: field },
    );
  }
}
