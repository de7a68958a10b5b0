/**
 * What the Responses API itself would reject among the top-level fields the gateway reads,
 * answered in OpenAI's words, before a translation turns it into something else (field-types.ts
 * says why, and why nothing more is checked). Items and tools are checked where they are decoded
 * (decode-input.ts, decode-tools.ts).
 */
import type { FieldKind, FieldRange } from "../field-types";
import { checkOptionalFields, checkRanges } from "../field-types";

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
};

/** The Responses API's documented bounds (its max_output_tokens minimum is 16). */
const RANGES: Readonly<Record<string, FieldRange>> = {
  max_output_tokens: { min: 16 },
  temperature: { min: 0, max: 2 },
  top_p: { min: 0, max: 1 },
};

export function checkResponsesRequest(body: Record<string, unknown>): void {
  checkOptionalFields(body, TOP_LEVEL_FIELDS, "openai");
  checkRanges(body, RANGES, "openai");
}
