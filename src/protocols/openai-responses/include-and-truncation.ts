/**
 * The Responses fields that take one of a fixed set of values, checked as OpenAI checks them
 * (400 `invalid_request_error`, "Invalid value: 'x'. Supported values are: …", with `param`).
 * A translated route used to pass them over in silence: a typo'd `include` came back without
 * what it asked for, and a `truncation` the API does not know was echoed as if accepted.
 * Only the gateway's own paths check these; a native OpenAI route forwards the body untouched
 * and OpenAI answers for itself (request-checks.ts is called from the decoder only).
 */
import { GatewayError } from "../../errors/gateway-error";
import { quoteClientValue } from "../wire-values";

/**
 * OpenAI's `include` values (API reference, "Create a model response", include). A value OpenAI
 * adds later is refused here until it is added to this list; the native route is unaffected.
 */
export const RESPONSES_INCLUDE_VALUES: readonly string[] = [
  "file_search_call.results",
  "web_search_call.results",
  "web_search_call.action.sources",
  "message.input_image.image_url",
  "computer_call_output.output.image_url",
  "code_interpreter_call.outputs",
  "reasoning.encrypted_content",
  "message.output_text.logprobs",
];

/** The `include` value that asks for the answer's token log probabilities (P09). */
export const LOGPROBS_INCLUDE = "message.output_text.logprobs";

const TRUNCATION_VALUES: readonly string[] = ["auto", "disabled"];
const INCLUDE_SET = new Set(RESPONSES_INCLUDE_VALUES);

/** Each `include` entry is a string OpenAI knows (the array type itself is checked before). */
export function checkIncludeValues(include: unknown): void {
  if (!Array.isArray(include)) return;
  include.forEach((value, index) => {
    if (typeof value === "string" && INCLUDE_SET.has(value)) return;
    throw invalidValueError(value, RESPONSES_INCLUDE_VALUES, `include[${index}]`);
  });
}

/** R09: `truncation` is "auto" or "disabled" (null counts as absent; the type is checked before). */
export function checkTruncation(truncation: unknown): void {
  if (typeof truncation !== "string" || TRUNCATION_VALUES.includes(truncation)) return;
  throw invalidValueError(truncation, TRUNCATION_VALUES, "truncation");
}

function invalidValueError(value: unknown, supported: readonly string[], param: string): GatewayError {
  const shown = typeof value === "string" ? quoteClientValue(value) : JSON.stringify(value);
  return new GatewayError("invalid_request", 400, `Invalid value: '${shown}'. Supported values are: ${listValues(supported)}.`, { param });
}

/** OpenAI's wording: 'a' and 'b'; 'a', 'b', and 'c'. */
function listValues(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 2) return quoted.join(" and ");
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted.at(-1)}`;
}
