import type { ModelOverride } from "../config/types";
import { findModelFamily } from "./model-families";
import type { TranslationContext } from "./types";

/**
 * What the upstream model can take, so a translated request fits it (the family table in
 * model-families.ts, the operator's `[models."…"]` entries over it). Only translation reads
 * this: native passthrough forwards the client's body and leaves the checks to the provider.
 * Every field is optional: undefined means "not known", and the request goes as asked.
 */
export interface ModelCapabilities {
  /**
   * How the model takes thinking or reasoning: `none` (left out: Claude 3.x, non-reasoning GPT);
   * `budget-only` (Anthropic `enabled` + `budget_tokens`: Claude 3.7 to 4.5); `budget-or-adaptive`
   * (either form: Claude 4.6); `adaptive-only` (`adaptive` + `output_config.effort`, a budget is a
   * 400: Opus 4.7 and Claude 5).
   */
  thinking?: ThinkingSupport;
  /** The largest output the model gives; a translated cap above it is lowered to it. */
  maxOutputTokens?: number;
  /**
   * The most the input and the output may total (the model's context window, as sent: no beta
   * header that widens it). Only `truncation: "auto"` reads it (proxy/truncation.ts); unknown:
   * nothing is trimmed.
   */
  contextWindow?: number;
  /** Refuses temperature, top_p and top_k (Claude Opus 4.7 and later): they are left out. */
  defaultSamplingOnly?: boolean;
  /** false: refuses a tool_choice that forces a tool (Claude Opus 5.5), which is relaxed to auto. */
  forcedToolChoice?: boolean;
  /**
   * false: refuses a conversation that ends with an assistant turn (prefill; Claude 4.6 and
   * later), so a translated one gets a user turn after it (M11, messages-encode.ts).
   */
  assistantPrefill?: boolean;
}

export type ThinkingSupport = "none" | "budget-only" | "budget-or-adaptive" | "adaptive-only";

/**
 * The family's capabilities with the operator's entry over them. `thinking = true` keeps the
 * family's form when it has one (else: either form, as the client asked); `false` leaves
 * reasoning out.
 */
export function applyModelOverride(base: ModelCapabilities, override: Omit<ModelOverride, "pattern"> | undefined): ModelCapabilities {
  if (!override) return base;
  const merged = { ...base };
  if (override.maxOutputTokens !== undefined) merged.maxOutputTokens = override.maxOutputTokens;
  if (override.contextWindow !== undefined) merged.contextWindow = override.contextWindow;
  if (override.thinking === false) merged.thinking = "none";
  if (override.thinking === true) merged.thinking = base.thinking && base.thinking !== "none" ? base.thinking : "budget-or-adaptive";
  return merged;
}

const UNKNOWN: ModelCapabilities = Object.freeze({});

/**
 * The capabilities translation fits the request to: those the proxy resolved for the target
 * (with the operator's entries), or the family table by name when the caller set none.
 */
export function capabilitiesOf(ctx: TranslationContext): ModelCapabilities {
  return ctx.capabilities ?? findModelFamily(ctx.upstreamModel)?.capabilities ?? UNKNOWN;
}

/** The highest output cap the upstream takes: the model's maximum, and the provider's `max_output_tokens` (P02). */
export function outputCapOf(ctx: TranslationContext): number | undefined {
  const model = capabilitiesOf(ctx).maxOutputTokens;
  const provider = ctx.maxOutputTokens;
  if (model === undefined) return provider;
  return provider === undefined ? model : Math.min(model, provider);
}

/**
 * A client's output cap lowered to what the upstream takes (P02; unknown models are never
 * clamped). Logged at debug: clients ask high caps all the time (Claude Code 32k–128k, Codex
 * none at all), and the answer simply stops where the model would have stopped anyway.
 */
export function fitOutputCap(requested: number, field: string, ctx: TranslationContext): number {
  const cap = outputCapOf(ctx);
  if (cap === undefined || requested <= cap) return requested;
  noteOutputCapLowered(field, requested, cap, ctx);
  return cap;
}

/** The debug line for a client's cap (or the gateway's default) lowered to what the upstream takes. */
export function noteOutputCapLowered(field: string, requested: number, maximum: number, ctx: TranslationContext): void {
  ctx.debug?.(`${field} lowered to the upstream model's maximum output`, { requested, maximum, model: ctx.upstreamModel });
}

/**
 * Something the target model cannot take, left out of a translated request: the proxy logs it
 * once per provider and model (a Codex session would otherwise log it on every request) and
 * at debug after that; without the proxy's logger, it is a warning.
 */
export function noteModelLimit(ctx: TranslationContext, message: string, details?: Record<string, unknown>): void {
  (ctx.notice ?? ctx.warn)(message, { model: ctx.upstreamModel, ...details });
}
