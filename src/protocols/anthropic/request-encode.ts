import { createHash } from "node:crypto";
import { isThinkingOffEffort, mapEffortToBudget, MIN_THINKING_BUDGET } from "../../canonical/reasoning-effort";
import type { CanonicalRequest, Message, TextPart, Tool } from "../../canonical/types";
import { wrappedCustomToolDescription, wrappedCustomToolParameters } from "../../canonical/custom-tool-wrap";
import { structuredOutputTool, supportsNativeStructuredOutputs } from "../../translate/structured-output-tool";
import type { TranslationContext } from "../../translate/types";
import { addCacheBreakpoints } from "./cache-breakpoints";
import { continuesToolLoopWithoutThinking } from "./foreign-thinking";
import { encodeAnthropicMessages, encodeAnthropicSystem } from "./messages-encode";
import type { AnthropicMessage, AnthropicTool, AnthropicToolChoice } from "./wire-types";
import { toAnthropicServiceTier } from "../../canonical/service-tier";

/**
 * Canonical request → Anthropic Messages request for `ctx.upstreamModel`. Applies the
 * parameter rules Anthropic enforces (P01, P04, P05, P07, K02, K03, TC03, TC04) and drops
 * what it cannot express (P06, P11), reporting drops through `ctx.warn`, never a 400.
 */

/** Room left for the answer when thinking raises max_tokens (K03). */
const ANSWER_ROOM = 4_096;

export function encodeAnthropicRequest(request: CanonicalRequest, ctx: TranslationContext): Record<string, unknown> {
  const { leading, rest } = splitLeadingSystem(request.messages);
  const system = encodeAnthropicSystem([...request.system, ...leading]);
  const messages = encodeAnthropicMessages(rest, ctx);
  const tools = encodeTools(request.tools, ctx);
  const body: Record<string, unknown> = { model: ctx.upstreamModel };
  if (request.extra.protocol === "anthropic") Object.assign(body, request.extra.fields);

  // P01/P02: max_tokens is required; default it and clamp to the model's limit.
  let maxTokens = clampMaxTokens(request.maxTokens ?? ctx.defaultMaxTokens, ctx);
  if (request.responseFormat?.type === "json_object") {
    // J01: no native JSON-object mode; ask for it in the system prompt.
    system.push({ type: "text", text: "Respond with a single valid JSON object and nothing else." });
  }
  if (system.length > 0) body.system = system;
  body.messages = messages;

  // J02: models without native structured outputs get the schema as a forced tool.
  const format = request.responseFormat?.type === "json_schema" ? request.responseFormat : undefined;
  const emulated = format && !supportsNativeStructuredOutputs(ctx.upstreamModel) ? structuredOutputTool(format.schema, format.description, new Set(tools.map((tool) => tool.name))) : undefined;
  let thinking = planThinking(request, messages, ctx);
  if (emulated && thinking) {
    // TC04: a forced tool and thinking exclude each other; the schema wins.
    ctx.warn("thinking disabled: structured output on this model is a forced tool call, which thinking does not allow");
    thinking = undefined;
  }
  if (thinking && thinking.type === "enabled" && thinking.budget_tokens >= maxTokens) {
    if (request.maxTokens === undefined) {
      // Only the gateway's default was in the way: make room for the budget and an answer.
      maxTokens = clampMaxTokens(thinking.budget_tokens + ANSWER_ROOM, ctx);
    }
    // The client's own cap counts reasoning too (OpenAI's max_completion_tokens and
    // max_output_tokens do), so it is kept, and the budget shrinks to leave room for an answer.
    if (thinking.budget_tokens >= maxTokens) thinking = { type: "enabled", budget_tokens: Math.max(maxTokens - ANSWER_ROOM, Math.floor(maxTokens / 2)) };
    if (thinking.budget_tokens < MIN_THINKING_BUDGET) {
      ctx.warn("thinking disabled: max_tokens leaves no room for the minimum budget", { maxTokens });
      thinking = undefined;
    }
  }
  body.max_tokens = maxTokens;

  let choice = encodeToolChoice(request, tools.length > 0, thinking !== undefined, ctx);
  if (emulated) {
    if (tools.length > 0) ctx.warn("structured output forces its own tool: the client's tools cannot be called in this answer");
    tools.push({ name: emulated.name, description: emulated.description, input_schema: emulated.inputSchema });
    choice = { type: "tool", name: emulated.name };
    ctx.structuredOutput = emulated.spec;
  }
  if (tools.length > 0) body.tools = tools;
  if (choice) body.tool_choice = choice;
  if (thinking) body.thinking = thinking;
  if (request.reasoning?.adaptive && request.reasoning.effort && thinking?.type === "adaptive") {
    body.output_config = { ...(body.output_config as object | undefined), effort: request.reasoning.effort };
  }
  if (format && !emulated) {
    // J01: native structured outputs; `name` and `strict` have no Anthropic field.
    body.output_config = { ...(body.output_config as object | undefined), format: { type: "json_schema", schema: format.schema } };
  }

  encodeSampling(request, body, thinking !== undefined, ctx);
  // Anthropic refuses stop sequences without a non-whitespace character, so those are dropped.
  const stop = (request.stop ?? []).filter((s) => s.trim() !== "");
  if (stop.length > 0) body.stop_sequences = stop;
  if (request.user) body.metadata = { user_id: opaqueUserId(request.user) };
  const serviceTier = toAnthropicServiceTier(request.serviceTier);
  if (serviceTier) body.service_tier = serviceTier;
  else if (request.serviceTier !== undefined) ctx.warn("service_tier dropped: Anthropic has no such tier", { serviceTier: request.serviceTier });
  body.stream = request.stream;
  // Anthropic clients place their own markers (Claude Code does); others get the gateway's (Q04).
  if (ctx.anthropicPromptCache && ctx.clientProtocol !== "anthropic") addCacheBreakpoints(body);
  return body;
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

function clampMaxTokens(value: number, ctx: TranslationContext): number {
  const capped = ctx.maxOutputTokens !== undefined ? Math.min(value, ctx.maxOutputTokens) : value;
  return Math.max(1, Math.floor(capped));
}

type Thinking = { type: "enabled"; budget_tokens: number } | { type: "adaptive" };

/** K01/K02: translate the intent, not the literal fields. */
function planThinking(request: CanonicalRequest, messages: AnthropicMessage[], ctx: TranslationContext): Thinking | undefined {
  const reasoning = request.reasoning;
  if (!reasoning?.enabled || isThinkingOffEffort(reasoning.effort)) return undefined;
  // K06: inside a tool loop the latest assistant turn must start with signed thinking; when it
  // came from another provider it cannot, so thinking is turned off for this request.
  if (continuesToolLoopWithoutThinking(messages)) {
    ctx.warn("thinking disabled: the latest assistant tool-call turn has no Anthropic thinking block");
    return undefined;
  }
  if (reasoning.adaptive) return { type: "adaptive" };
  const budget = reasoning.budgetTokens ?? mapEffortToBudget(reasoning.effort ?? "medium");
  return { type: "enabled", budget_tokens: Math.max(MIN_THINKING_BUDGET, budget) };
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
      if (tool.strict !== undefined) wire.strict = tool.strict;
      if (tool.cache) wire.cache_control = { type: "ephemeral", ...(tool.cache.ttl ? { ttl: tool.cache.ttl } : {}) };
      out.push(wire);
    }
  }
  return out;
}

/** TC01 table, TC03 parallel flag inside tool_choice, TC04 forced choice relaxed under thinking. */
function encodeToolChoice(request: CanonicalRequest, hasTools: boolean, thinking: boolean, ctx: TranslationContext): AnthropicToolChoice | undefined {
  // R04/S09: Anthropic rejects tool_choice without tools.
  if (!hasTools) return undefined;
  let choice: AnthropicToolChoice | undefined;
  const requested = request.toolChoice;
  if (requested?.type === "auto") choice = { type: "auto" };
  else if (requested?.type === "none") choice = { type: "none" };
  else if (requested?.type === "required") choice = { type: "any" };
  else if (requested?.type === "tool") choice = { type: "tool", name: requested.name };
  if (thinking && (choice?.type === "any" || choice?.type === "tool")) {
    ctx.warn("tool_choice relaxed to auto: Anthropic cannot force a tool while thinking is enabled");
    choice = { type: "auto" };
  }
  if (request.parallelToolCalls === false && choice?.type !== "none") {
    choice = { ...(choice ?? { type: "auto" }), disable_parallel_tool_use: true } as AnthropicToolChoice;
  }
  return choice;
}

/** P04/P05/K03: Anthropic sampling limits. */
function encodeSampling(request: CanonicalRequest, body: Record<string, unknown>, thinking: boolean, ctx: TranslationContext): void {
  if (thinking) {
    if (request.temperature !== undefined && request.temperature !== 1) ctx.warn("temperature dropped: thinking requires the default");
    if (request.topK !== undefined) ctx.warn("top_k dropped: not allowed with thinking");
    if (request.topP !== undefined && request.topP >= 0.95) body.top_p = request.topP;
    return;
  }
  if (request.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, request.temperature));
  // P05: newer Claude models reject temperature and top_p together; temperature wins.
  if (request.topP !== undefined && request.temperature === undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
}

/** P10: Anthropic wants an opaque id without personal data; emails and long values are hashed. */
function opaqueUserId(user: string): string {
  if (!user.includes("@") && user.length <= 64) return user;
  return createHash("sha256").update(user).digest("hex");
}
