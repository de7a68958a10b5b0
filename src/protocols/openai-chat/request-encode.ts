import { mapBudgetToEffort, toOpenAIEffort } from "../../canonical/reasoning-effort";
import { wrappedCustomToolDescription, wrappedCustomToolParameters } from "../../canonical/custom-tool-wrap";
import type { CanonicalRequest, Tool, ToolChoice } from "../../canonical/types";
import { chatDialectOf } from "../../providers/chat-dialect";
import { applyChatDialect, reasoningTurnedOff } from "../../providers/dialects/apply-chat-dialect";
import { capabilitiesOf, fitOutputCap, noteModelLimit } from "../../translate/model-capabilities";
import { effortForThinkingOff } from "../../translate/thinking-off-effort";
import type { TranslationContext } from "../../translate/types";
import { raiseToOutputFloor } from "../../translate/output-floor";
import { upstreamTakesCustomTools } from "./custom-tools";
import { isGeminiModel } from "./gemini-signatures";
import { encodeChatMessages } from "./messages-encode";
import { normalizeToolSchema, sanitizeSchemaForGemini } from "./schema";
import { fitStrictSchema, isStrictCompatible, noteStrictNullable } from "./strict-schema";
import type { ChatCustomTool, ChatFunctionTool } from "./wire-types";
import { toOpenAIServiceTier } from "../../canonical/service-tier";
import { toOpenAIUserId } from "../../canonical/user-id";

/**
 * Canonical request → Chat Completions request for `ctx.upstreamModel`, with the parameter
 * rules of OpenAI and OpenAI-compatible servers (P02–P07, K01/K02, TC01–TC03, S04–S09, S13).
 */

/** OpenAI reasoning models: max_completion_tokens, no sampling knobs, no stop (P03, P04, P07, Q06). */
export function isOpenAIReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5|codex)/i.test(model) && !/chat/i.test(model);
}

export function encodeChatRequest(request: CanonicalRequest, ctx: TranslationContext): Record<string, unknown> {
  const model = ctx.upstreamModel;
  const reasoningModel = isOpenAIReasoningModel(model);
  const body: Record<string, unknown> = {};
  if (request.extra.protocol === "openai-chat") Object.assign(body, request.extra.fields);
  body.model = model;
  body.messages = encodeChatMessages(request.system, request.messages, ctx);

  const tools = encodeTools(request.tools, model, ctx);
  if (tools.length > 0) {
    body.tools = tools;
    const choice = encodeToolChoice(request.toolChoice, tools);
    if (choice !== undefined) body.tool_choice = choice;
    // TC03: only with tools; OpenAI rejects parallel_tool_calls without them.
    if (request.parallelToolCalls === false) body.parallel_tool_calls = false;
  }

  if (request.maxTokens !== undefined) {
    // P03: OpenAI (and its reasoning models) want max_completion_tokens; most compatible servers
    // know only max_tokens, and some refuse the other name (Mistral: 422 extra_forbidden).
    const field = chatDialectOf(ctx).maxTokensField ?? (reasoningModel ? "max_completion_tokens" : "max_tokens");
    // P02: Claude Code asks 32k (128k for its largest models), above gpt-4o's 16,384.
    // CC02: a provider's minimum, the answer trimmed back to the client's cap.
    body[field] = raiseToOutputFloor(fitOutputCap(request.maxTokens, field, ctx), ctx.minOutputTokens, ctx);
  }

  if (reasoningModel) {
    if (request.temperature !== undefined || request.topP !== undefined) ctx.warn("sampling parameters dropped for a reasoning model");
  } else {
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
  }
  // P07: whitespace-only entries are dropped (an Anthropic client's API refuses them, so no
  // Anthropic client relies on them); at most 4 go upstream, none to reasoning models, which
  // reject `stop` entirely.
  const stops = (request.stop ?? []).filter((s) => s.trim() !== "");
  // None to an Anthropic client's model either: its answer names the sequence that matched
  // (`stop_reason: "stop_sequence"`, `stop_sequence`), and a Chat upstream that applies `stop`
  // answers finish_reason "stop" without saying which, or whether one matched at all. The
  // gateway's own cut knows; the price is the tokens the upstream writes past the match (a
  // stream's upstream call is aborted at the match; a whole answer runs to its end).
  if (!reasoningModel && stops.length > 0 && ctx.clientProtocol !== "anthropic") body.stop = stops.slice(0, 4);
  // The gateway also cuts the answer at every one of them itself (translate/stop-sequences.ts):
  // the ones past the fourth, those of a reasoning model and those of servers that ignore
  // `stop` would otherwise be ignored silently, the answer running on past them.
  if (stops.length > 0) ctx.emulatedStopSequences = stops;
  // P06: top_k has no OpenAI field.
  if (request.topK !== undefined) ctx.warn("top_k dropped: Chat Completions has no equivalent");
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.presencePenalty !== undefined && !reasoningModel) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined && !reasoningModel) body.frequency_penalty = request.frequencyPenalty;
  // P09: a Responses client's `include: ["message.output_text.logprobs"]` and `top_logprobs` (a
  // Chat client's own fields came with `extra` above); the answer's `logprobs.content` goes back
  // as output_text logprobs (response.ts, stream-decoder.ts).
  if (request.logprobs) {
    body.logprobs = true;
    if (request.logprobs.topLogprobs !== undefined) body.top_logprobs = request.logprobs.topLogprobs;
  }

  const effort = encodeReasoningEffort(request);
  if (effort === undefined) {
    // K01: thinking off has to be said to the models that reason by default.
    const lowest = effortForThinkingOff(request, ctx);
    if (lowest) body.reasoning_effort = lowest;
  } else {
    // Q06: models without reasoning (gpt-4o, gpt-4.1, a `thinking = false` model) refuse the field.
    if (capabilitiesOf(ctx).thinking === "none") noteModelLimit(ctx, "reasoning_effort left out: the model does not support reasoning");
    else body.reasoning_effort = effort;
  }

  const format = request.responseFormat;
  if (format?.type === "json_schema") {
    const { schema, strict } = strictFormat(format.strict, format.schema, ctx);
    body.response_format = {
      type: "json_schema",
      json_schema: {
        name: format.name ?? "response",
        schema,
        ...(strict !== undefined ? { strict } : {}),
        ...(format.description !== undefined ? { description: format.description } : {}),
      },
    };
  } else if (format) body.response_format = { type: format.type };

  if (request.user) body.user = toOpenAIUserId(request.user, ctx.clientProtocol);
  const serviceTier = toOpenAIServiceTier(request.serviceTier);
  if (serviceTier) body.service_tier = serviceTier;
  // OpenAI's own cache routing: other servers have no use for it, and the strict ones refuse it.
  // Dropped and remembered where an OpenAI-dialect proxy refuses it (refused-fields.ts).
  if (request.promptCacheKey && chatDialectOf(ctx).name === "openai") body.prompt_cache_key = request.promptCacheKey;
  // J04: OpenAI's own Chat field (GPT-5); other servers have no such setting.
  if (request.verbosity && chatDialectOf(ctx).name === "openai") body.verbosity = request.verbosity;
  body.stream = request.stream;
  // SA07: always ask for usage, even when the client did not; it is what the ledger bills.
  if (request.stream) body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
  else delete body.stream_options;
  // Fields the provider refuses or names otherwise, per model (chat-dialect.ts, dialects/): a
  // refused one fails the whole request.
  return applyChatDialect(body, chatDialectOf(ctx), { model, reasoningOff: reasoningTurnedOff(request.reasoning, ctx.clientProtocol) });
}

/**
 * J01/J03: the response schema and whether it goes to OpenAI in strict mode. An OpenAI
 * client's `strict: true` is kept: the schema goes as it is when OpenAI takes it so, else in
 * its strict form (strict-schema.ts), else with strict off rather than to a 400. The answer
 * keeps the `null`s the rewritten schema allows (only tool input is cleaned of them). An
 * Anthropic client names no strict: its structured outputs always hold the answer to the
 * schema, so strict mode is asked for when the schema meets OpenAI's rules as it is; it is
 * not rewritten, since its optional fields would then come back as `null`.
 */
export function strictFormat(
  strict: boolean | undefined,
  schema: Record<string, unknown>,
  ctx: TranslationContext,
): { schema: Record<string, unknown>; strict: boolean | undefined } {
  if (strict === true) {
    const fitted = fitStrictSchema(schema, ctx, { responseFormat: true });
    return { schema: fitted.schema, strict: fitted.strict };
  }
  if (strict !== undefined || ctx.clientProtocol !== "anthropic") return { schema, strict };
  return { schema, strict: isStrictCompatible(schema) };
}

/** K01/K02: intent, not literal fields. Budget → effort; adaptive uses its effort when given. */
function encodeReasoningEffort(request: CanonicalRequest): string | undefined {
  const reasoning = request.reasoning;
  if (!reasoning) return undefined;
  if (!reasoning.enabled) return reasoning.effort === "none" ? "none" : undefined;
  if (reasoning.effort) return toOpenAIEffort(reasoning.effort);
  if (reasoning.budgetTokens !== undefined) return mapBudgetToEffort(reasoning.budgetTokens);
  return undefined;
}

function encodeTools(tools: Tool[], model: string, ctx: TranslationContext): Array<ChatFunctionTool | ChatCustomTool | Record<string, unknown>> {
  const out: Array<ChatFunctionTool | ChatCustomTool | Record<string, unknown>> = [];
  const seen = new Set<string>();
  for (const tool of tools) {
    if (tool.kind === "builtin") {
      if (tool.protocol === "openai-chat") out.push(tool.value);
      // S09: Anthropic server tools run inside Anthropic; a Chat upstream cannot run them.
      else ctx.warn("dropped a built-in tool the Chat upstream cannot run", { type: tool.type });
      continue;
    }
    if (seen.has(tool.name)) {
      ctx.warn("dropped a duplicate tool name", { name: tool.name }); // S13
      continue;
    }
    seen.add(tool.name);
    if (tool.kind === "custom") {
      if (upstreamTakesCustomTools(ctx)) out.push({ type: "custom", custom: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), ...(tool.format ? { format: tool.format } : {}) } });
      else out.push({ type: "function", function: { name: tool.name, description: wrappedCustomToolDescription(tool), parameters: wrappedCustomToolParameters() } });
      continue;
    }
    // S04/S05 (and S06/S07 for Gemini); cache_control (S15) and defer_loading (S08) never reach here.
    let parameters = normalizeToolSchema(tool.parameters);
    if (isGeminiModel(model)) parameters = sanitizeSchemaForGemini(parameters);
    const fn: ChatFunctionTool["function"] = { name: tool.name, parameters };
    if (tool.description !== undefined) fn.description = tool.description;
    // Gemini's dialect has no `additionalProperties` at all, so no strict form (S06).
    if (tool.strict === true && isGeminiModel(model)) ctx.warn("strict dropped: Gemini takes no strict schema", { name: tool.name });
    else if (tool.strict === true) {
      const fitted = fitStrictSchema(parameters, ctx, { name: tool.name });
      if (fitted.strict) fn.strict = true;
      fn.parameters = fitted.schema;
      if (fitted.rewritten) noteStrictNullable(ctx, tool.name, tool.parameters);
    }
    out.push({ type: "function", function: fn });
  }
  return out;
}

/** TC01 table, Chat column; a choice naming a tool that was dropped falls back to auto (S09). */
function encodeToolChoice(choice: ToolChoice | undefined, tools: Array<Record<string, unknown> | ChatFunctionTool | ChatCustomTool>): unknown {
  if (!choice) return undefined;
  if (choice.type !== "tool") return choice.type;
  const target = tools.find((t) => (t as ChatFunctionTool).function?.name === choice.name || (t as ChatCustomTool).custom?.name === choice.name);
  if (!target) return "auto";
  return target.type === "custom" ? { type: "custom", custom: { name: choice.name } } : { type: "function", function: { name: choice.name } };
}
