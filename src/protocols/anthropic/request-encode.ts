import { createHash } from "node:crypto";
import { MIN_THINKING_BUDGET } from "../../canonical/reasoning-effort";
import type { CanonicalRequest, Message, TextPart, Tool } from "../../canonical/types";
import { wrappedCustomToolDescription, wrappedCustomToolParameters } from "../../canonical/custom-tool-wrap";
import { capabilitiesOf, noteModelLimit, noteOutputCapLowered, outputCapOf } from "../../translate/model-capabilities";
import { structuredOutputTool, supportsNativeStructuredOutputs } from "../../translate/structured-output-tool";
import type { TranslationContext } from "../../translate/types";
import { writeToolHistoryAsText } from "../../translate/tool-history-text";
import { raiseToOutputFloor } from "../../translate/output-floor";
import { addCacheBreakpoints } from "./cache-breakpoints";
import { fitAnthropicOutputSchema } from "./structured-output-schema";
import { encodeAnthropicMessages, encodeAnthropicSystem } from "./messages-encode";
import { chooseMaxTokens, type MaxTokensBounds } from "./max-tokens";
import { adaptiveEffort, ANSWER_ROOM, encodeSampling, planThinking } from "./thinking-plan";
import type { AnthropicTool, AnthropicToolChoice } from "./wire-types";
import { toAnthropicServiceTier } from "../../canonical/service-tier";
import { quoteClientValue } from "../wire-values";
import { anthropicWebSearchTool } from "./web-search-tool";

/**
 * Canonical request → Anthropic Messages request for `ctx.upstreamModel`. Applies the
 * parameter rules Anthropic enforces (P01, P04, P05, P07, K02, K03, TC03, TC04), fits the
 * request to what the model takes (its thinking form, output maximum and sampling knobs,
 * model-capabilities.ts) and drops what it cannot express (P06, P11), reporting drops through
 * `ctx.warn`, never a 400.
 */

export function encodeAnthropicRequest(request: CanonicalRequest, ctx: TranslationContext): Record<string, unknown> {
  const { leading, rest } = splitLeadingSystem(request.messages);
  const system = encodeAnthropicSystem([...request.system, ...leading]);
  // TC02: a host that refuses tool_choice {type:"none"} (provider `tool_choice_none = false`)
  // gets no tools at all, which it cannot call either; the history's tool blocks become text (S14).
  const withoutTools = request.toolChoice?.type === "none" && ctx.toolChoiceNone === false && request.tools.length > 0;
  if (withoutTools) ctx.debug?.("tools left out: the provider refuses tool_choice none");
  const messages = encodeAnthropicMessages(withoutTools ? writeToolHistoryAsText(rest) : rest, ctx);
  const tools = withoutTools ? [] : encodeTools(request.tools, ctx);
  // S09: a Chat client's web_search_options is Anthropic's server web search.
  const webSearch = request.webSearch && !withoutTools ? anthropicWebSearchTool(request.webSearch, tools, ctx) : undefined;
  if (webSearch) tools.push(webSearch);
  const body: Record<string, unknown> = { model: ctx.upstreamModel };
  if (request.extra.protocol === "anthropic") Object.assign(body, request.extra.fields);

  const capabilities = capabilitiesOf(ctx);
  if (request.responseFormat?.type === "json_object") {
    // J01: no native JSON-object mode; ask for it in the system prompt.
    system.push({ type: "text", text: "Respond with a single valid JSON object and nothing else." });
  }
  if (system.length > 0) body.system = system;
  body.messages = messages;

  // J02: models without native structured outputs get the schema as a forced tool, and so does a
  // schema their grammar cannot express (structured-output-schema.ts).
  const format = request.responseFormat?.type === "json_schema" ? request.responseFormat : undefined;
  const nativeSchema = format && supportsNativeStructuredOutputs(ctx.upstreamModel) ? grammarSchema(format.schema, ctx) : undefined;
  if (format && supportsNativeStructuredOutputs(ctx.upstreamModel) && !nativeSchema) ctx.warn("structured output sent as a forced tool: the schema is outside Anthropic's structured-output grammar");
  const emulated = format && !nativeSchema ? structuredOutputTool(format.schema, format.description, new Set(tools.map((tool) => tool.name))) : undefined;
  let thinking = planThinking(request, messages, capabilities, ctx);
  if (emulated && thinking) {
    // TC04: a forced tool and thinking exclude each other; the schema wins.
    ctx.warn("thinking disabled: structured output on this model is a forced tool call, which thinking does not allow");
    thinking = undefined;
  }
  // P01/P02/K03: max_tokens is required; the rule is shared with budget reservations (max-tokens.ts).
  const maxTokens = chooseMaxTokens(request.maxTokens, thinking, request.reasoning, maxTokensBounds(ctx));
  if (thinking && thinking.type === "enabled" && thinking.budget_tokens >= maxTokens) {
    // The client's own cap counts reasoning too (OpenAI's max_completion_tokens and
    // max_output_tokens do), so it is kept, and the budget shrinks to leave room for an answer.
    if (thinking.budget_tokens >= maxTokens) thinking = { type: "enabled", budget_tokens: Math.max(maxTokens - ANSWER_ROOM, Math.floor(maxTokens / 2)) };
    if (thinking.budget_tokens < MIN_THINKING_BUDGET) {
      ctx.warn("thinking disabled: max_tokens leaves no room for the minimum budget", { maxTokens });
      thinking = undefined;
    }
  }
  // CC02: a client's cap below the provider's minimum is raised, the answer trimmed back.
  body.max_tokens = request.maxTokens !== undefined && !thinking ? raiseToOutputFloor(maxTokens, ctx.minOutputTokens, ctx) : maxTokens;

  let choice = encodeToolChoice(request, tools.length > 0, thinking !== undefined, capabilities.forcedToolChoice === false, ctx);
  if (emulated) {
    if (tools.length > 0) ctx.warn("structured output forces its own tool: the client's tools cannot be called in this answer");
    tools.push({ name: emulated.name, description: emulated.description, input_schema: emulated.inputSchema });
    choice = { type: "tool", name: emulated.name };
    ctx.structuredOutput = emulated.spec;
  }
  if (tools.length > 0) body.tools = tools;
  if (choice) body.tool_choice = choice;
  if (thinking) body.thinking = thinking;
  const effort = thinking?.type === "adaptive" ? adaptiveEffort(request.reasoning) : undefined;
  if (effort) body.output_config = { ...(body.output_config as object | undefined), effort };
  if (nativeSchema) {
    // J01: native structured outputs; `name` and `strict` have no Anthropic field.
    body.output_config = { ...(body.output_config as object | undefined), format: { type: "json_schema", schema: nativeSchema } };
  }

  encodeSampling(request, body, thinking !== undefined, capabilities, ctx);
  // Anthropic refuses stop sequences without a non-whitespace character ("\n", "\n\n", common
  // with OpenAI clients): those are left out and the gateway cuts the answer at them itself
  // (translate/stop-sequences.ts), so the client's stop still holds.
  const stop = (request.stop ?? []).filter((s) => s.trim() !== "");
  if (stop.length > 0) body.stop_sequences = stop;
  const blankStops = (request.stop ?? []).filter((s) => s !== "" && s.trim() === "");
  if (blankStops.length > 0) ctx.emulatedStopSequences = blankStops;
  if (request.user) body.metadata = { user_id: opaqueUserId(request.user) };
  const serviceTier = toAnthropicServiceTier(request.serviceTier);
  if (serviceTier) body.service_tier = serviceTier;
  else if (request.serviceTier !== undefined) ctx.warn("service_tier dropped: Anthropic has no such tier", { serviceTier: quoteClientValue(request.serviceTier) });
  body.stream = request.stream;
  // Anthropic clients place their own markers (Claude Code does); others get the gateway's (Q04).
  if (ctx.anthropicPromptCache && ctx.clientProtocol !== "anthropic") addCacheBreakpoints(body);
  return body;
}

/**
 * A schema for Anthropic's structured-output grammar, fitted (structured-output-schema.ts) when an
 * OpenAI client wrote it; an Anthropic client's own schema goes as written (it was written for
 * this grammar, and Anthropic answers for it as it would natively).
 */
function grammarSchema(schema: Record<string, unknown>, ctx: TranslationContext): Record<string, unknown> | undefined {
  return ctx.clientProtocol === "anthropic" ? schema : fitAnthropicOutputSchema(schema);
}

/** Leading system/developer messages join the top-level system prompt (M03, M04). */
function splitLeadingSystem(messages: Message[]): { leading: TextPart[]; rest: Message[] } {
  let i = 0;
  const leading: TextPart[] = [];
  while (i < messages.length && (messages[i]!.role === "system" || messages[i]!.role === "developer")) {
    for (const part of messages[i]!.content) if (part.type === "text") leading.push(part);
    i++;
  }
  return { leading, rest: messages.slice(i) };
}

/** What max_tokens may be for this target, with a lowered value logged as the other encoders' caps are (P02). */
function maxTokensBounds(ctx: TranslationContext): MaxTokensBounds {
  return { defaultMaxTokens: ctx.defaultMaxTokens, upstreamCap: outputCapOf(ctx), lowered: (requested, maximum) => noteOutputCapLowered("max_tokens", requested, maximum, ctx) };
}

function encodeTools(tools: Tool[], ctx: TranslationContext): AnthropicTool[] {
  const out: AnthropicTool[] = [];
  const seen = new Set<string>();
  for (const tool of tools) {
    if (tool.kind === "builtin" && tool.protocol !== "anthropic") {
      // S12: OpenAI built-ins have no Anthropic equivalent here.
      ctx.warn("dropped a built-in tool Anthropic does not know", { type: tool.type });
      continue;
    }
    const name = tool.kind === "builtin" ? String(tool.value.name ?? tool.type) : tool.name;
    // S13: Anthropic rejects duplicate names; keep the first.
    if (seen.has(name)) {
      ctx.warn("dropped a duplicate tool name", { name });
      continue;
    }
    seen.add(name);
    if (tool.kind === "builtin") out.push(tool.value as unknown as AnthropicTool);
    else if (tool.kind === "custom") {
      // S10: a freeform tool becomes a function taking one string.
      out.push({ name, description: wrappedCustomToolDescription(tool), input_schema: wrappedCustomToolParameters() });
    } else {
      const wire: AnthropicTool = { name, input_schema: tool.parameters };
      if (tool.description !== undefined) wire.description = tool.description;
      // Strict tool use belongs to structured outputs (Claude 4.1 and later); older models and
      // other vendors' Anthropic-style servers do not take the field, and `false` is its default.
      const strictSchema = tool.strict === true && supportsNativeStructuredOutputs(ctx.upstreamModel) ? grammarSchema(tool.parameters, ctx) : undefined;
      if (strictSchema) {
        wire.input_schema = strictSchema;
        wire.strict = true;
      } else if (tool.strict === true && supportsNativeStructuredOutputs(ctx.upstreamModel)) ctx.warn("strict dropped: the tool's schema is outside Anthropic's structured-output grammar", { name });
      else if (tool.strict === true) ctx.warn("strict dropped: the model has no strict tool use", { name });
      if (tool.cache) wire.cache_control = { type: "ephemeral", ...(tool.cache.ttl ? { ttl: tool.cache.ttl } : {}) };
      out.push(wire);
    }
  }
  return out;
}

/**
 * TC01 table, TC03 parallel flag inside tool_choice. TC04: Anthropic refuses a forced choice
 * ("any" or a named tool) while thinking is on, and some models refuse it always (Opus 5.5):
 * it is relaxed to "auto", as LiteLLM does, so the model may still call the tool.
 */
function encodeToolChoice(request: CanonicalRequest, hasTools: boolean, thinking: boolean, refusesForced: boolean, ctx: TranslationContext): AnthropicToolChoice | undefined {
  // R04/S09: Anthropic rejects tool_choice without tools.
  if (!hasTools) return undefined;
  let choice: AnthropicToolChoice | undefined;
  const requested = request.toolChoice;
  if (requested?.type === "auto") choice = { type: "auto" };
  else if (requested?.type === "none") choice = { type: "none" };
  else if (requested?.type === "required") choice = { type: "any" };
  else if (requested?.type === "tool") choice = { type: "tool", name: requested.name };
  if ((thinking || refusesForced) && (choice?.type === "any" || choice?.type === "tool")) {
    if (thinking) ctx.warn("tool_choice relaxed to auto: Anthropic cannot force a tool while thinking is enabled");
    else noteModelLimit(ctx, "tool_choice relaxed to auto: the model refuses a forced tool");
    choice = { type: "auto" };
  }
  if (request.parallelToolCalls === false && choice?.type !== "none") {
    choice = { ...(choice ?? { type: "auto" }), disable_parallel_tool_use: true } as AnthropicToolChoice;
  }
  return choice;
}

/** P10: Anthropic wants an opaque id without personal data; emails and long values are hashed. */
function opaqueUserId(user: string): string {
  if (!user.includes("@") && user.length <= 64) return user;
  return createHash("sha256").update(user).digest("hex");
}
