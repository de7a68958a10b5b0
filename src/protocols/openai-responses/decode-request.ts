import type { CanonicalRequest, ReasoningConfig, ResponseFormat, TextPart } from "../../canonical/types";
import { GatewayError } from "../../errors/gateway-error";
import { decodeResponsesInput } from "./decode-input";
import { decodeResponsesToolChoice, decodeResponsesTools } from "./decode-tools";
import { LOGPROBS_INCLUDE } from "./include-and-truncation";
import { checkResponsesRequest } from "./request-checks";
import { isRecord, readBoolean, readNumber, readString } from "./values";

/** Request fields with a canonical meaning; everything else is kept in `extra` (house rule 2). */
const CANONICAL_FIELDS = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "max_output_tokens",
  "temperature",
  "top_p",
  "stream",
  "reasoning",
  "user",
  "service_tier",
  "store",
  "previous_response_id",
]);

/**
 * A Responses client request → canonical (R01, R08, M04, M07, S10–S12, TC01, K10, J01).
 * Validates the envelope, the types of the fields it reads and the values of `include` and
 * `truncation` (request-checks.ts); fields without a canonical meaning (`include`, `metadata`,
 * `prompt_cache_key`, `truncation`, `client_metadata`, `text.verbosity`...) go to `extra`.
 */
export function decodeResponsesRequest(body: Record<string, unknown>): CanonicalRequest {
  const model = readString(body.model);
  if (!model) throw new GatewayError("missing_model", 400, "model is required", { param: "model" });
  checkResponsesRequest(body);

  const { leadingSystem, messages } = decodeResponsesInput(body.input);
  const system: TextPart[] = [];
  const instructions = readString(body.instructions);
  if (instructions) system.push({ type: "text", text: instructions });
  system.push(...leadingSystem);

  const { toolChoice, tools } = decodeResponsesToolChoice(body.tool_choice, decodeResponsesTools(body.tools));
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!CANONICAL_FIELDS.has(key) && key !== "text") extra[key] = value;
  }
  // Kept for the echo in the response object (OpenAI returns the request's instructions, tools,
  // tool_choice and user as sent); encoders read the canonical fields, and the Responses
  // encoder owns these field names. The canonical tools are narrowed by `allowed_tools` and
  // the choice reduced to a mode, which is what the upstream needs but not what OpenAI echoes.
  if (instructions) extra.instructions = instructions;
  for (const field of ["tools", "tool_choice", "user"] as const) {
    if (body[field] !== undefined && body[field] !== null) extra[field] = body[field];
  }
  const { responseFormat, textExtra } = decodeTextOptions(body.text);
  if (textExtra) extra.text = textExtra;

  const request: CanonicalRequest = {
    model,
    system,
    messages,
    tools,
    stream: body.stream === true,
    extra: { protocol: "openai-responses", fields: extra },
  };
  if (toolChoice) request.toolChoice = toolChoice;
  const parallel = readBoolean(body.parallel_tool_calls);
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  const maxTokens = readNumber(body.max_output_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = readNumber(body.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = readNumber(body.top_p);
  if (topP !== undefined) request.topP = topP;
  const reasoning = decodeResponsesReasoning(body);
  if (reasoning) request.reasoning = reasoning;
  if (responseFormat) request.responseFormat = responseFormat;
  const user = readString(body.user) ?? readString(body.safety_identifier);
  if (user) request.user = user;
  const serviceTier = readString(body.service_tier);
  if (serviceTier) request.serviceTier = serviceTier;
  // Also kept in `extra`, for the response object's echo.
  const promptCacheKey = readString(body.prompt_cache_key);
  if (promptCacheKey) request.promptCacheKey = promptCacheKey;
  // J04: also kept in `extra.text`, for the echo and the same-protocol encoder.
  const verbosity = isRecord(body.text) ? readString(body.text.verbosity) : undefined;
  if (verbosity) request.verbosity = verbosity;
  const store = readBoolean(body.store);
  if (store !== undefined) request.store = store;
  const previousResponseId = readString(body.previous_response_id);
  if (previousResponseId) request.previousResponseId = previousResponseId;
  // P09: the `include` entry asks for log probabilities and `top_logprobs` for alternatives at
  // each position; `top_logprobs` alone asks for nothing, as at OpenAI. Both stay in `extra`
  // too, for the echo and for the include checks of the encoders.
  if (Array.isArray(body.include) && body.include.includes(LOGPROBS_INCLUDE)) {
    const top = readNumber(body.top_logprobs);
    request.logprobs = top === undefined ? {} : { topLogprobs: top };
  }
  return request;
}

/** `reasoning:{effort, summary}`; effort `none` means reasoning off (K01, K10). Also read alone, for budget reservations (codec.ts `decodeReasoning`). */
export function decodeResponsesReasoning(body: Record<string, unknown>): ReasoningConfig | undefined {
  const value = body.reasoning;
  if (!isRecord(value)) return undefined;
  const effort = readString(value.effort);
  const summary = readString(value.summary) ?? readString(value.generate_summary);
  if (!effort && !summary) return undefined;
  const config: ReasoningConfig = { enabled: effort !== "none" };
  if (effort && effort !== "none") config.effort = effort;
  if (summary && summary !== "none") config.summary = summary;
  return config;
}

/**
 * `text.format` → canonical response format (J01, flat form without a `json_schema`
 * wrapper). The rest of `text` (verbosity, J04) stays in `extra.text`.
 */
function decodeTextOptions(value: unknown): { responseFormat?: ResponseFormat; textExtra?: Record<string, unknown> } {
  if (!isRecord(value)) return {};
  const { format, ...rest } = value;
  const textExtra = Object.keys(rest).length > 0 ? rest : undefined;
  if (!isRecord(format)) return { textExtra };
  const type = readString(format.type);
  if (type === "json_object") return { responseFormat: { type: "json_object" }, textExtra };
  if (type === "json_schema") {
    const schema = isRecord(format.schema) ? format.schema : {};
    const responseFormat: ResponseFormat = { type: "json_schema", schema };
    const name = readString(format.name);
    if (name) responseFormat.name = name;
    const strict = readBoolean(format.strict);
    if (strict !== undefined) responseFormat.strict = strict;
    const description = readString(format.description);
    if (description) responseFormat.description = description;
    return { responseFormat, textExtra };
  }
  return { responseFormat: { type: "text" }, textExtra };
}
