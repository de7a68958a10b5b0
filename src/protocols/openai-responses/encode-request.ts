import { isClaudeCodeAttributionText } from "../../canonical/claude-code";
import { mapBudgetToEffort, toOpenAIEffort } from "../../canonical/reasoning-effort";
import type { CanonicalRequest, ReasoningConfig } from "../../canonical/types";
import { capabilitiesOf, fitOutputCap, noteModelLimit } from "../../translate/model-capabilities";
import { effortForThinkingOff } from "../../translate/thinking-off-effort";
import type { TranslationContext } from "../../translate/types";
import { isOpenAIReasoningModel, strictFormat } from "../openai-chat/request-encode";
import { encodeResponsesInput } from "./encode-input";
import { encodeResponsesToolChoice, encodeResponsesTools } from "./encode-tools";
import { encodeRequestedWebSearch, WEB_SEARCH_SOURCES_INCLUDE } from "./web-search-tool";
import { fitStrictSchema, noteStrictNullable } from "../openai-chat/strict-schema";
import { raiseToOutputFloor } from "../../translate/output-floor";
import { isRecord } from "./values";
import { toOpenAIServiceTier } from "../../canonical/service-tier";
import { toOpenAIUserId } from "../../canonical/user-id";

/**
 * Request fields the encoder sets itself; same-protocol `extra` never overrides them (`user`
 * goes as a `safety_identifier`, hashed when it is long or an email address, P10).
 */
const OWNED_FIELDS = new Set(["model", "input", "instructions", "tools", "tool_choice", "user", "stream", "store", "include", "previous_response_id"]);

/**
 * Canonical → a Responses request for a Responses-only upstream (A→R, O→R).
 * The gateway talks to the upstream statelessly: `store:false`, the whole history in
 * `input`, and `include:["reasoning.encrypted_content"]` so reasoning can be replayed on
 * the next turn (R01, K09). Responses has no top_k, penalties or seed: they are dropped with
 * a warning (P06). Nor has it stop sequences: the answer is cut by the gateway instead (P07).
 */
export function encodeResponsesRequest(request: CanonicalRequest, ctx: TranslationContext): Record<string, unknown> {
  const body: Record<string, unknown> = { model: ctx.upstreamModel };
  // Claude Code's per-request attribution block is dropped as on Chat upstreams (M02): it would
  // open every prompt with changing bytes and defeat the upstream's prefix cache.
  const instructions = request.system.map((part) => part.text).filter((text) => text.trim() !== "" && !isClaudeCodeAttributionText(text)).join("\n\n");
  if (instructions) body.instructions = instructions;
  // C05: an Anthropic client's file ids are Anthropic's (encode-input.ts).
  body.input = encodeResponsesInput(request.messages, ctx.warn, ctx.clientProtocol === "anthropic" ? "refuse" : "forward");

  const tools = encodeResponsesTools(
    request.tools,
    ctx.warn,
    (name, parameters, clientSchema) => {
      const fitted = fitStrictSchema(parameters, ctx, { name });
      if (fitted.rewritten) noteStrictNullable(ctx, name, clientSchema);
      return { parameters: fitted.schema, strict: fitted.strict };
    },
    ctx.notice ?? ctx.warn,
  );
  // S09: a Chat client's web_search_options is the hosted web search.
  const requestedSearch = request.webSearch ? encodeRequestedWebSearch(request.webSearch, tools) : undefined;
  if (requestedSearch) tools.push(requestedSearch);
  if (tools.length > 0) {
    body.tools = tools;
    const toolChoice = encodeResponsesToolChoice(request.toolChoice, request.tools);
    if (toolChoice !== undefined) body.tool_choice = toolChoice;
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  }

  const maxTokens = request.maxTokens === undefined ? undefined : fitOutputCap(request.maxTokens, "max_output_tokens", ctx);
  if (maxTokens !== undefined && maxTokens < MIN_OUTPUT_TOKENS) {
    // The Responses API refuses a cap below 16, which Anthropic and Chat allow (Claude Code's
    // start-up quota check asks for 1 token): the smallest cap it takes, not a 400, and the
    // answer trimmed back to the cap asked (CC02).
    ctx.warn("max_output_tokens raised to the Responses minimum", { requested: maxTokens });
  }
  if (maxTokens !== undefined) body.max_output_tokens = raiseToOutputFloor(maxTokens, Math.max(ctx.minOutputTokens ?? 0, MIN_OUTPUT_TOKENS), ctx);
  // P04: OpenAI reasoning models (the usual Responses-only ones) refuse sampling knobs other
  // than the default ("Only the default (1) value is supported"), as on Chat.
  if (isOpenAIReasoningModel(ctx.upstreamModel)) {
    if (request.temperature !== undefined || request.topP !== undefined) ctx.warn("sampling parameters dropped for a reasoning model");
  } else {
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
  }
  const reasoning = encodeReasoning(request.reasoning);
  // Models without reasoning (gpt-4.1, a `thinking = false` model) refuse `reasoning`.
  if (reasoning && capabilitiesOf(ctx).thinking === "none") noteModelLimit(ctx, "reasoning left out: the model does not support reasoning");
  else if (reasoning) body.reasoning = reasoning;
  else {
    // K01: thinking off has to be said to the models that reason by default.
    const lowest = effortForThinkingOff(request, ctx, tools.some((tool) => !["function", "custom", "namespace"].includes(tool.type)));
    if (lowest) body.reasoning = { effort: lowest };
  }
  const text = encodeTextFormat(request, ctx);
  if (text) body.text = text;
  // J04: a Chat client's top-level `verbosity`.
  if (request.verbosity) body.text = { ...(isRecord(body.text) ? body.text : {}), verbosity: request.verbosity };
  if (request.user) body.safety_identifier = toOpenAIUserId(request.user, ctx.clientProtocol);
  const serviceTier = toOpenAIServiceTier(request.serviceTier);
  if (serviceTier) body.service_tier = serviceTier;
  if (request.promptCacheKey) body.prompt_cache_key = request.promptCacheKey;
  body.store = false;
  body.include = ["reasoning.encrypted_content"];
  // A Chat client's logprobs: Responses returns them per output_text part and text delta when
  // included, with `top_logprobs` alternatives (decoded back in decode-content.ts and stream-decoder.ts).
  if (request.logprobs) {
    body.include = [...(body.include as string[]), "message.output_text.logprobs"];
    if (request.logprobs.topLogprobs !== undefined) body.top_logprobs = request.logprobs.topLogprobs;
  }
  // S09: the pages each search read, which an Anthropic client gets as its web_search_tool_result.
  if (tools.some((tool) => tool.type === "web_search")) body.include = [...(body.include as string[]), WEB_SEARCH_SOURCES_INCLUDE];
  body.stream = request.stream;

  // Responses has no `stop`: the gateway cuts the answer itself (translate/stop-sequences.ts).
  const stops = (request.stop ?? []).filter((stop) => stop !== "");
  if (stops.length > 0) ctx.emulatedStopSequences = stops;
  for (const [field, value] of [
    ["top_k", request.topK],
    ["seed", request.seed],
    ["presence_penalty", request.presencePenalty],
    ["frequency_penalty", request.frequencyPenalty],
  ] as const) {
    if (value !== undefined) ctx.warn(`Responses has no ${field}; dropped`);
  }

  if (request.extra.protocol === "openai-responses") {
    for (const [key, value] of Object.entries(request.extra.fields)) {
      if (OWNED_FIELDS.has(key)) continue;
      if (key === "text" && isRecord(value)) body.text = { ...value, ...(isRecord(body.text) ? body.text : {}) };
      else if (!(key in body)) body[key] = value;
    }
  }
  return body;
}

/** The Responses API's smallest `max_output_tokens`. */
const MIN_OUTPUT_TOKENS = 16;

/**
 * K01, K02: an effort passes through (Anthropic's `max` as `high`, which OpenAI accepts); an
 * Anthropic budget becomes an effort on the shared table (canonical/reasoning-effort.ts); adaptive thinking
 * without an effort leaves the upstream default. Thinking off sends no reasoning field here
 * (the caller asks a model that reasons by default for its lowest effort instead, K01).
 * Summaries are asked for so Anthropic clients can see the reasoning (K10).
 */
function encodeReasoning(reasoning: ReasoningConfig | undefined): Record<string, unknown> | undefined {
  if (!reasoning?.enabled) return undefined;
  const effort = reasoning.effort !== undefined ? toOpenAIEffort(reasoning.effort) : reasoning.budgetTokens !== undefined ? mapBudgetToEffort(reasoning.budgetTokens) : undefined;
  return { ...(effort ? { effort } : {}), summary: reasoning.summary ?? "auto" };
}

/** J01: the flat `text.format` form. */
function encodeTextFormat(request: CanonicalRequest, ctx: TranslationContext): Record<string, unknown> | undefined {
  const format = request.responseFormat;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { format: { type: "json_object" } };
  const { schema, strict } = strictFormat(format.strict, format.schema, ctx);
  return {
    format: {
      type: "json_schema",
      name: format.name ?? "response",
      schema,
      strict: strict ?? false,
      ...(format.description ? { description: format.description } : {}),
    },
  };
}
