import { isThinkingOffEffort, mapBudgetToEffort, mapEffortToBudget, MIN_THINKING_BUDGET } from "../../canonical/reasoning-effort";
import type { CanonicalRequest, ReasoningConfig } from "../../canonical/types";
import type { ModelCapabilities } from "../../translate/model-capabilities";
import { noteModelLimit } from "../../translate/model-capabilities";
import { ANTHROPIC_THINKING_SAMPLING } from "../../translate/model-families";
import type { TranslationContext } from "../../translate/types";
import { continuesToolLoopWithoutThinking } from "./foreign-thinking";
import type { AnthropicMessage } from "./wire-types";

/** The `thinking` field as sent: a budget (Claude 3.7 to 4.6) or adaptive (4.6 and later). */
export type Thinking = { type: "enabled"; budget_tokens: number } | { type: "adaptive" };

/** Room left for the answer when thinking raises max_tokens (K03). */
export const ANSWER_ROOM = 4_096;

/**
 * K01/K02: translate the intent, not the literal fields, in the form the target model takes
 * (model-capabilities.ts): none at all for a Claude without extended thinking (the answer simply
 * has no reasoning; the client is not failed), a budget for models that know only budgets
 * (Claude Code's adaptive request on Sonnet 4.5), adaptive for those that refuse budgets (Codex's
 * effort on Opus 4.7 or Claude 5), and what the client asked where both work or the model is
 * not known.
 */
export function planThinking(request: CanonicalRequest, messages: AnthropicMessage[], capabilities: ModelCapabilities, ctx: TranslationContext): Thinking | undefined {
  const form = thinkingFormOf(request.reasoning, capabilities);
  if (!form) {
    if (asksForThinking(request.reasoning)) noteModelLimit(ctx, "thinking left out: the model has no extended thinking, so it answers without reasoning");
    return undefined;
  }
  // K06: inside a tool loop the latest assistant turn must start with signed thinking; when it
  // came from another provider it cannot, so thinking is turned off for this request.
  if (continuesToolLoopWithoutThinking(messages)) {
    ctx.warn("thinking disabled: the latest assistant tool-call turn has no Anthropic thinking block");
    return undefined;
  }
  return form;
}

/**
 * The thinking the client's reasoning asks for, in the form the model takes, from those two
 * alone (no messages, no logging): what planThinking sends unless the conversation turns it off.
 * Budget reservations read it before the request is translated (anthropic/max-tokens.ts).
 */
export function thinkingFormOf(reasoning: ReasoningConfig | undefined, capabilities: ModelCapabilities): Thinking | undefined {
  if (!asksForThinking(reasoning) || capabilities.thinking === "none") return undefined;
  const adaptive = capabilities.thinking === "adaptive-only" || (reasoning.adaptive === true && capabilities.thinking !== "budget-only");
  if (adaptive) return { type: "adaptive" };
  const budget = reasoning.budgetTokens ?? mapEffortToBudget(reasoning.effort ?? "medium");
  return { type: "enabled", budget_tokens: Math.max(MIN_THINKING_BUDGET, budget) };
}

function asksForThinking(reasoning: ReasoningConfig | undefined): reasoning is ReasoningConfig {
  return reasoning?.enabled === true && !isThinkingOffEffort(reasoning.effort);
}

/**
 * The effort for adaptive thinking (`output_config.effort`): the client's own, or its budget on
 * the shared table (K02). Undefined leaves the model's default.
 */
export function adaptiveEffort(reasoning: ReasoningConfig | undefined): string | undefined {
  if (reasoning?.effort) return reasoning.effort;
  return reasoning?.budgetTokens !== undefined ? mapBudgetToEffort(reasoning.budgetTokens) : undefined;
}

/**
 * The output tokens thinking wants when the client set no cap: the budget, or for adaptive
 * thinking the budget its effort stands for, plus room for the answer (K03).
 */
export function thinkingRoom(thinking: Thinking, reasoning: ReasoningConfig | undefined): number {
  const budget = thinking.type === "enabled" ? thinking.budget_tokens : mapEffortToBudget(adaptiveEffort(reasoning) ?? "medium");
  return budget + ANSWER_ROOM;
}

/**
 * P04/P05/K03: Anthropic's sampling limits. Models that take only the defaults (Opus 4.7 and
 * later) get none; with thinking on, temperature only at its default, no top_k, and top_p only
 * from 0.95 (ANTHROPIC_THINKING_SAMPLING); otherwise temperature in [0, 1], and temperature wins
 * over top_p, which newer models refuse together.
 */
export function encodeSampling(request: CanonicalRequest, body: Record<string, unknown>, thinking: boolean, capabilities: ModelCapabilities, ctx: TranslationContext): void {
  const asked = request.temperature !== undefined || request.topP !== undefined || request.topK !== undefined;
  if (capabilities.defaultSamplingOnly) {
    if (asked) noteModelLimit(ctx, "temperature, top_p and top_k left out: the model takes only its defaults");
    return;
  }
  if (thinking) {
    const limits = ANTHROPIC_THINKING_SAMPLING;
    if (request.temperature !== undefined && request.temperature !== limits.temperature) ctx.warn("temperature dropped: thinking requires the default");
    if (request.topK !== undefined) ctx.warn("top_k dropped: not allowed with thinking");
    if (request.topP !== undefined && request.topP >= limits.topPMin) body.top_p = request.topP;
    else if (request.topP !== undefined) ctx.warn(`top_p dropped: thinking allows only ${limits.topPMin} to 1`, { topP: request.topP });
    return;
  }
  if (request.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, request.temperature));
  if (request.topP !== undefined && request.temperature === undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
}
